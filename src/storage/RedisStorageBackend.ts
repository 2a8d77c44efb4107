import { randomUUID } from 'node:crypto';
import { inject } from 'inversify';
import { TRIGGERS } from '../container/tokens';
import { InvalidKwargsError, LockLostError } from '../errors';
import { RESOLVED_STATUSES, TaskConfig, TaskInstance, TaskStatus } from '../model';
import type { InstanceRecord, Kwargs, TaskConfigEntry } from '../model';
import { RedisConnection } from './RedisConnection';
import { LOCK_LOST_MARKER, RedisScripts } from './RedisScripts';
import type { RedisSessionKeys } from './RedisSessionKeys';
import type { RedisSessionLock } from './RedisSessionLocks';
import type { SessionLock } from './SessionLock';
import type { FireReadSet, SessionChanges } from './SessionRecords';
import { Storage } from './Storage';
import { StorageBackend } from './StorageBackend';
import { FireIndex } from './FireIndex';

/**
 * Sessions in Redis, shared by every process that uses the same server and
 * prefix (registered as `redis`; the default storage of
 * `createTriggersContainer({ redis })`).
 *
 * Layout (see {@link RedisSessionKeys}): hashes of task entries, instance
 * records, latest kwargs and instance counts, a set of unresolved instance
 * names, and one set of unstarted instance names per task — so a `fire`
 * reads only the tasks that mention its trigger and their unstarted
 * instances, and a status change writes one instance: the cost of an
 * operation does not grow with the session's history.
 *
 * Round trips: a fire reads everything it needs with one script and writes
 * everything with one fenced script; taking the lock is one more, releasing
 * it is sent without waiting. Details and counts in the README ("Redis storage").
 */
@Storage('redis')
export class RedisStorageBackend extends StorageBackend {
  protected override readonly usesSnapshots = false;
  private sessionKeys?: RedisSessionKeys;
  private currentLock?: RedisSessionLock;

  constructor(@inject(TRIGGERS.RedisConnection) readonly connection: RedisConnection) {
    super();
  }

  /** The Redis key names of this session. */
  get keys(): RedisSessionKeys {
    this.sessionKeys ??= this.connection.keysFor(this.uid);
    return this.sessionKeys;
  }

  private get redis() {
    return this.connection.redis;
  }

  // ---------------------------------------------------------------- locking

  /** One lock per session and connection (two containers in one process contend through Redis, like two processes). */
  protected override get lockKey(): string {
    return `redis\u0000${connectionId(this.connection)}\u0000${this.keys.lock}`;
  }

  protected override async acquireLock(): Promise<SessionLock> {
    const lock = await this.connection.locks.acquire(this.keys, this.connection.lockOptions);
    this.currentLock = lock;
    return {
      release: async () => {
        if (this.currentLock === lock) this.currentLock = undefined;
        await lock.release();
      },
    };
  }

  // ------------------------------------------------------ record-level API

  override async readTaskEntries(): Promise<Record<string, TaskConfigEntry>> {
    return parseHash<TaskConfigEntry>(await this.send(() => this.redis.hgetall(this.keys.tasks)));
  }

  /** One HMGET of the named entries, not the whole configuration. */
  override async readTaskEntriesByName(names: string[]): Promise<Record<string, TaskConfigEntry>> {
    if (names.length === 0) return {};
    const values = await this.send(() => this.redis.hmget(this.keys.tasks, ...names));
    const out: Record<string, TaskConfigEntry> = {};
    names.forEach((name, i) => {
      const json = values[i];
      if (json !== null && json !== undefined) out[name] = JSON.parse(json) as TaskConfigEntry;
    });
    return out;
  }

  override async readInstanceRecords(names: string[]): Promise<Array<InstanceRecord | undefined>> {
    if (names.length === 0) return [];
    const values = await this.send(() => this.redis.hmget(this.keys.instances, ...names));
    return values.map((json) => (json === null ? undefined : (JSON.parse(json) as InstanceRecord)));
  }

  override async readAllInstanceRecords(): Promise<InstanceRecord[]> {
    return Object.values(parseHash<InstanceRecord>(await this.send(() => this.redis.hgetall(this.keys.instances))));
  }

  override async readUnstartedInstances(tasks: string[]): Promise<InstanceRecord[]> {
    const names = (await this.send(() => Promise.all(tasks.map((task) => this.redis.smembers(this.keys.unstarted(task)))))).flat();
    return (await this.readInstanceRecords(names)).filter((record): record is InstanceRecord => record !== undefined);
  }

  override async readInstanceCounts(tasks: string[]): Promise<Record<string, number>> {
    if (tasks.length === 0) return {};
    const values = await this.send(() => this.redis.hmget(this.keys.instanceCounts, ...tasks));
    return Object.fromEntries(tasks.map((task, i) => [task, Number(values[i] ?? 0)]));
  }

  override async readLatestKwargs(triggers?: string[]): Promise<Record<string, Kwargs>> {
    if (triggers === undefined) return parseHash<Kwargs>(await this.send(() => this.redis.hgetall(this.keys.latestKwargs)));
    if (triggers.length === 0) return {};
    const values = await this.send(() => this.redis.hmget(this.keys.latestKwargs, ...triggers));
    const out: Record<string, Kwargs> = {};
    triggers.forEach((trigger, i) => {
      const json = values[i];
      if (json !== null && json !== undefined) out[trigger] = JSON.parse(json) as Kwargs;
    });
    return out;
  }

  /**
   * One round trip: a server-side script selects the tasks mentioning
   * `trigger` and gathers their records. Task entries travel only when they
   * changed since this connection last read them (a version token).
   */
  override async readForFire(trigger: string): Promise<FireReadSet> {
    const keys = this.keys;
    const cache = this.connection.taskCache;
    const cached = cache.get(keys.base);
    const [taskPairs, using, unstarted, counts, latestPairs, version] = await this.send(() =>
      RedisScripts.readForFire.run(
        this.redis,
        [keys.tasks, keys.taskTriggers, keys.instances, keys.latestKwargs, keys.instanceCounts, keys.tasksVersion],
        [trigger, keys.unstartedPrefix, cached?.version ?? '', ...(cached === undefined ? [] : fireIndexArgs(cached, trigger))],
      ),
    );
    let tasks: Readonly<Record<string, TaskConfigEntry>>;
    if (cached !== undefined && version !== '' && version === cached.version) {
      tasks = cached.entries;
    } else {
      tasks = deepFreeze(parsePairs<TaskConfigEntry>(taskPairs));
      if (version !== '') {
        if (cache.size >= TASK_CACHE_LIMIT) cache.clear();
        cache.set(keys.base, { version, entries: tasks });
      }
    }
    return {
      using,
      tasks: tasks as Record<string, TaskConfigEntry>,
      unstarted: unstarted.map((json) => JSON.parse(json) as InstanceRecord),
      instanceCounts: Object.fromEntries(using.map((task, i) => [task, Number(counts[i])])),
      latestKwargs: parsePairs<Kwargs>(latestPairs),
    };
  }

  /**
   * One round trip, all or nothing: everything is serialised first (a value
   * JSON cannot carry fails before anything is sent), then one script checks
   * that this operation still owns the session lock and applies every write.
   *
   * @throws LockLostError when the lock expired or changed hands; nothing was written
   */
  override async writeChanges(changes: SessionChanges): Promise<void> {
    const lock = this.heldLock('write');
    const keys = this.keys;
    const args: Array<string | number> = [];
    const tasks = Object.entries(changes.tasks);
    for (const [name, entry] of tasks) args.push(name, toJson(entry, `task "${name}"`), encodeTriggerList(entry));
    const latest = Object.entries(changes.latestKwargs);
    for (const [trigger, kwargs] of latest) args.push(trigger, toJson(kwargs, `latest kwargs of trigger "${trigger}"`));
    const counts = Object.entries(changes.instanceCounts);
    for (const [task, count] of counts) args.push(task, count);
    for (const record of changes.instances) {
      args.push(record.name, record.task, toJson(record, `instance "${record.name}"`), statusFlag(record.status));
    }
    try {
      const waiting = await this.send(() =>
        RedisScripts.writeChanges.run(
          this.redis,
        [keys.lock, keys.next, ...keys.recordKeys],
        [
          lock.held.token,
          this.connection.settings.sessionTtlSeconds ?? 0,
          keys.unstartedPrefix,
          tasks.length,
          latest.length,
          counts.length,
          changes.instances.length,
          tasks.length > 0 ? randomUUID() : '',
            ...args,
          ],
        ),
      );
      this.connection.locks.noteContention(lock.held, waiting === 1);
    } catch (error) {
      throw this.lockLost(error);
    }
  }

  /**
   * One round trip ({@link RedisScripts.startScheduled}): when the lock is
   * free and nobody waits for it, the script moves the instance to
   * `running` atomically, which is the same as taking the lock, reading,
   * writing and releasing with nothing in between. Inside this process the
   * session's local queue is respected: while another operation of this
   * process holds or waits for the session, the locked path is used.
   */
  override async startScheduledInstance(name: string, now: Date): Promise<TaskInstance | 'not-scheduled' | undefined> {
    if (this.isLockedHere || this.connection.locks.isBusyHere(this.keys)) return undefined;
    const keys = this.keys;
    const reply = await RedisScripts.startScheduled.run(
      this.redis,
      [keys.lock, keys.next, ...keys.recordKeys],
      [name, this.connection.settings.sessionTtlSeconds ?? 0, keys.unstartedPrefix, now.toISOString()],
    );
    if (reply[0] === 1) return 'not-scheduled';
    if (reply[0] !== 2) return undefined;
    const record = JSON.parse(reply[1]) as InstanceRecord;
    return TaskInstance.fromRecord(record, TaskConfig.fromEntry(record.task, JSON.parse(reply[2]) as TaskConfigEntry));
  }

  /** Deletes every key of the session (under its lock). */
  override async deleteSession(): Promise<void> {
    await this.withLock(async () => {
      const lock = this.heldLock('delete');
      const keys = this.keys;
      try {
        await this.send(() => RedisScripts.deleteSession.run(this.redis, [keys.lock, ...keys.recordKeys], [lock.held.token, keys.unstartedPrefix]));
      } catch (error) {
        throw this.lockLost(error);
      }
    });
  }

  // --------------------------------------------------------- inspection API

  /** Reads only the unresolved instances (an index), not the whole history. */
  override async getUnresolvedInstances(): Promise<TaskInstance[]> {
    const [tasks, names] = await Promise.all([this.getTasks(), this.redis.smembers(this.keys.unresolved)]);
    const records = await this.readInstanceRecords(names);
    return records
      .filter((record): record is InstanceRecord => record !== undefined && tasks[record.task] !== undefined)
      .map((record) => TaskInstance.fromRecord(record, tasks[record.task]))
      .filter((instance) => !instance.isResolved)
      .sort(TaskInstance.compare);
  }

  /** Tasks without instances (from the counters) or with unresolved ones (from the index). */
  override async getUnresolvedTasks(): Promise<TaskConfig[]> {
    const [tasks, counts, unresolved] = await Promise.all([
      this.getTasks(),
      this.redis.hgetall(this.keys.instanceCounts),
      this.getUnresolvedInstances(),
    ]);
    const open = new Set(unresolved.map((instance) => instance.taskName));
    return Object.values(tasks)
      .filter((task) => Number(counts[task.name] ?? 0) === 0 || open.has(task.name))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  // ---------------------------------------------------------------- helpers

  /**
   * Sends `command` (which must issue its Redis commands synchronously).
   * Inside a lock whose first, optimistic attempt is still in flight, the
   * command travels right behind it; if that attempt turns out to have
   * failed, the reply is dropped and the command is sent again once the lock
   * is ours. A fenced write sent too early fails harmlessly the same way.
   */
  private async send<T>(command: () => Promise<T>): Promise<T> {
    const lock = this.isLockedHere ? this.currentLock : undefined;
    if (lock === undefined || lock.confirmed) return command();
    const optimistic = command();
    if (await lock.firstAttempt) return optimistic;
    optimistic.catch(() => undefined);
    await lock.ensure();
    return command();
  }

  private heldLock(what: string): RedisSessionLock {
    const lock = this.currentLock;
    if (lock === undefined || !this.isLockedHere) {
      throw new LockLostError(`Cannot ${what} session ${JSON.stringify(this.uid)} without holding its lock (use storage.withLock)`);
    }
    return lock;
  }

  private lockLost(error: unknown): unknown {
    if (error instanceof Error && error.message.includes(LOCK_LOST_MARKER)) {
      return new LockLostError(
        `The lock of session ${JSON.stringify(this.uid)} expired or was taken over by another process before this operation wrote; nothing was written`,
      );
    }
    return error;
  }
}

/** Sessions whose task entries a connection caches before starting over. */
const TASK_CACHE_LIMIT = 10_000;

const connectionIds = new WeakMap<RedisConnection, number>();
let lastConnectionId = 0;

function connectionId(connection: RedisConnection): number {
  let id = connectionIds.get(connection);
  if (id === undefined) connectionIds.set(connection, (id = ++lastConnectionId));
  return id;
}

/**
 * `#using, using..., mentioned...` for `trigger`. The inverted index of the
 * cached configuration is built once per version (one pass over the tasks),
 * so each fire is a lookup whatever trigger it fires.
 */
function fireIndexArgs(
  cached: { entries: Readonly<Record<string, TaskConfigEntry>>; fireIndex?: FireIndex },
  trigger: string,
): string[] {
  cached.fireIndex ??= FireIndex.build(Object.entries(cached.entries));
  const item = cached.fireIndex.get(trigger);
  return [String(item.using.length), ...item.using, ...item.mentioned];
}

function toJson(value: unknown, what: string): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw new InvalidKwargsError(`${what} is not JSON-serializable: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (json === undefined) throw new InvalidKwargsError(`${what} is not JSON-serializable`);
  return json;
}

/** Flag the write script uses to maintain the unstarted and unresolved indexes. */
function statusFlag(status: TaskStatus): 'u' | 'o' | 'r' {
  if (status === TaskStatus.Unstarted) return 'u';
  return RESOLVED_STATUSES.has(status) ? 'r' : 'o';
}

/** Every trigger a task mentions, as `<utf8 bytes>:<name>` items the read script parses. */
function encodeTriggerList(entry: TaskConfigEntry): string {
  const names = new Set([...entry.after, ...(entry.andEvery === undefined ? [] : [entry.andEvery]), ...(entry.unless ?? [])]);
  let out = '';
  for (const name of names) out += `${Buffer.byteLength(name, 'utf8')}:${name}`;
  return out;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

function parseHash<T>(hash: Record<string, string>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [key, json] of Object.entries(hash)) out[key] = JSON.parse(json) as T;
  return out;
}

function parsePairs<T>(pairs: string[]): Record<string, T> {
  const out: Record<string, T> = {};
  for (let i = 0; i < pairs.length; i += 2) out[pairs[i]] = JSON.parse(pairs[i + 1]) as T;
  return out;
}

