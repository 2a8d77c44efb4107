import { inject } from 'inversify';
import type { Redis } from 'ioredis';
import { TRIGGERS } from '../../registry/tokens';
import { TriggerRegistry } from '../../registry/TriggerRegistry';
import { BullMQTaskRunner } from '../bullmq/BullMQTaskRunner';
import type { ScriptedJob } from '../bullmq/ScriptedJob';
import { InvalidKwargsError, LockLostError, StorageUnavailableError } from '../../errors';
import { TaskConfig, TaskInstance, TaskStatus } from '../../model';
import type { InstanceRecord, Kwargs, TaskConfigEntry } from '../../model';
import { RedisConnection } from '../connection/RedisConnection';
import { LOCK_LOST_MARKER, RedisScripts } from './RedisScripts';
import type { AtomicReply } from './RedisScripts';
import type { RedisSessionKeys } from './RedisSessionKeys';
import type { RedisSessionLock } from './RedisSessionLocks';
import type { AtomicOperation, AtomicOutcome } from '../../storage/AtomicOperation';
import type { SessionLock } from '../../storage/SessionLock';
import type { FireReadSet, SessionChanges } from '../../storage/SessionRecords';
import { Storage } from '../../storage/Storage';
import { StorageBackend } from '../../storage/StorageBackend';
import type { StorageDirectory } from '../../storage/StorageDirectory';
import { RedisDirectory } from './RedisDirectory';
import type { FetchedStart } from '../worker/StartOnFetchScript';
import { FireIndex } from '../../storage/FireIndex';
import type { AtomicFireArgs, CachedTasks } from './TaskConfigCache';

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
  /**
   * Exact record texts this backend object itself wrote last, by instance
   * name (a worker's start, then its finish): the next atomic update of
   * such an instance is computed here and applied by comparing texts, with
   * no JSON parsing in the script. A stale entry only costs a declined
   * script. Bounded: a backend serves one session, usually one job.
   */
  private readonly knownRecords = new Map<string, string>();
  /** The name this backend's class is registered under (what job payloads name). */
  private storageName?: string;
  private currentLock?: RedisSessionLock;

  constructor(@inject(TRIGGERS.RedisConnection) readonly connection: RedisConnection) {
    super();
  }

  /** The Redis key names of this session. */
  get keys(): RedisSessionKeys {
    this.sessionKeys ??= this.connection.keysFor(this.uid);
    return this.sessionKeys;
  }

  /** Sends `command` bounded in time, naming this session and `operation` if it fails (see `RedisConnection.call`). */
  private call<T>(operation: string, command: (redis: Redis) => Promise<T>): Promise<T> {
    return this.connection.call(this.uid, operation, command);
  }

  /** {@link call} for a command that writes (waits for the replicas when the `replication` setting asks). */
  private write<T>(operation: string, command: (redis: Redis) => Promise<T>): Promise<T> {
    return this.connection.callWrite(this.uid, operation, command);
  }

  /**
   * Sends a script that carries an operation id (docs/ARCHITECTURE.md,
   * "Operation ids"); when its reply was lost (`maybeApplied`), sends the
   * very same script again once the connection is back, for at most
   * `operationTimeoutMs` more: the script recognises an id it already
   * applied and answers with the first outcome instead of applying it
   * twice. `first` is the attempt already under way, if it was sent
   * another way (a pipelined finish).
   */
  private callIdempotent<T>(operation: string, command: (redis: Redis) => Promise<T>, first?: Promise<T>): Promise<T> {
    return (first ?? this.write(operation, command)).then(undefined, (error: unknown) => {
      if (!(error instanceof StorageUnavailableError) || !error.maybeApplied) throw error;
      return this.resend(operation, command, error, Date.now() + this.connection.operationTimeoutMs);
    });
  }

  private async resend<T>(operation: string, command: (redis: Redis) => Promise<T>, lost: StorageUnavailableError, deadline: number): Promise<T> {
    for (;;) {
      try {
        return await this.write(operation, command);
      } catch (error) {
        if (!(error instanceof StorageUnavailableError)) throw error;
        // Out of time: the operation may still have been applied (by the first send), whatever this attempt says.
        if (Date.now() >= deadline) throw error.maybeApplied ? error : lost;
      }
      // A connection that failed at once (closing, not yet reconnecting) is retried shortly, not in a spin.
      await new Promise((resolve) => setTimeout(resolve, RESEND_PAUSE_MS));
    }
  }

  /** Remembers applied operations: each script records its operation id for a bounded window (see {@link RedisConnection.operationWindowMs}). */
  override get remembersOperations(): boolean {
    return true;
  }

  override async readAppliedOutcome(operationId: string): Promise<string | undefined> {
    const keys = this.keys;
    const args = this.connection.operationArgs(keys.base, operationId, true);
    return (await this.send(() => this.call('readAppliedOutcome', (redis) => RedisScripts.readAppliedOutcome.run(redis, [keys.lock], args)))) ?? undefined;
  }

  /** The per-prefix indexes every write of this backend keeps ({@link RedisDirectory}). */
  override directory(): StorageDirectory {
    return new RedisDirectory(this.connection);
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
    return parseHash<TaskConfigEntry>(await this.send(() => this.call('readTaskEntries', (redis) => redis.hgetall(this.keys.tasks))));
  }

  /** One HMGET of the named entries, not the whole configuration. */
  override async readTaskEntriesByName(names: string[]): Promise<Record<string, TaskConfigEntry>> {
    if (names.length === 0) return {};
    const values = await this.send(() => this.call('readTaskEntries', (redis) => redis.hmget(this.keys.tasks, ...names)));
    const out: Record<string, TaskConfigEntry> = {};
    names.forEach((name, i) => {
      const json = values[i];
      if (json !== null && json !== undefined) out[name] = JSON.parse(json) as TaskConfigEntry;
    });
    return out;
  }

  override async readInstanceRecords(names: string[]): Promise<Array<InstanceRecord | undefined>> {
    if (names.length === 0) return [];
    const values = await this.send(() => this.call('readInstances', (redis) => redis.hmget(this.keys.instances, ...names)));
    return values.map((json) => (json === null ? undefined : (JSON.parse(json) as InstanceRecord)));
  }

  override async readAllInstanceRecords(): Promise<InstanceRecord[]> {
    return Object.values(parseHash<InstanceRecord>(await this.send(() => this.call('readInstances', (redis) => redis.hgetall(this.keys.instances)))));
  }

  override async readUnstartedInstances(tasks: string[]): Promise<InstanceRecord[]> {
    const names = (await this.send(() => this.call('readUnstartedInstances', (redis) => Promise.all(tasks.map((task) => redis.smembers(this.keys.unstarted(task))))))).flat();
    return (await this.readInstanceRecords(names)).filter((record): record is InstanceRecord => record !== undefined);
  }

  override async readInstanceCounts(tasks: string[]): Promise<Record<string, number>> {
    if (tasks.length === 0) return {};
    const values = await this.send(() => this.call('readInstanceCounts', (redis) => redis.hmget(this.keys.instanceCounts, ...tasks)));
    return Object.fromEntries(tasks.map((task, i) => [task, Number(values[i] ?? 0)]));
  }

  override async readLatestKwargs(triggers?: string[]): Promise<Record<string, Kwargs>> {
    if (triggers === undefined) return parseHash<Kwargs>(await this.send(() => this.call('readLatestKwargs', (redis) => redis.hgetall(this.keys.latestKwargs))));
    if (triggers.length === 0) return {};
    const values = await this.send(() => this.call('readLatestKwargs', (redis) => redis.hmget(this.keys.latestKwargs, ...triggers)));
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
   * changed since this connection last read them (its version, a digest of the entries).
   */
  override async readForFire(trigger: string): Promise<FireReadSet> {
    const keys = this.keys;
    const cache = this.connection.taskCache;
    const cached = cache.get(keys.base);
    const [taskPairs, using, unstarted, counts, latestPairs, version] = await this.send(() =>
      this.call('readForFire', (redis) =>
        RedisScripts.readForFire.run(
          redis,
          [keys.tasks, keys.taskTriggers, keys.instances, keys.latestKwargs, keys.instanceCounts, keys.tasksVersion],
          [trigger, keys.unstartedPrefix, cached?.version ?? '', ...(cached === undefined ? [] : fireIndexArgs(cached, trigger))],
        ),
      ),
    );
    const tasks =
      cached !== undefined && version !== '' && version === cached.version
        ? cached.entries
        : (cache.at(keys.base, version) ?? this.rememberTasks(version, parsePairs<TaskConfigEntry>(taskPairs))).entries;
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
    const taskTexts: Array<[string, string]> = [];
    for (const [name, entry] of tasks) {
      const text = toJson(entry, `task "${name}"`);
      taskTexts.push([name, text]);
      args.push(name, text, encodeTriggerList(entry));
    }
    const latest = Object.entries(changes.latestKwargs);
    for (const [trigger, kwargs] of latest) args.push(trigger, toJson(kwargs, `latest kwargs of trigger "${trigger}"`));
    const counts = Object.entries(changes.instanceCounts);
    for (const [task, count] of counts) args.push(task, count);
    for (const record of changes.instances) {
      args.push(record.name, record.task, toJson(record, `instance "${record.name}"`), record.status);
    }
    const operation = changes.operation;
    args.push(operation?.outcome ?? '');
    try {
      const [waiting, previousVersion, version] = await this.send(() =>
        this.callIdempotent('writeChanges', (redis) =>
          RedisScripts.writeChanges.run(redis, keys.scriptKeys, [
            lock.held.token,
            this.connection.settings.sessionTtlSeconds ?? 0,
            keys.unstartedPrefix,
            tasks.length,
            latest.length,
            counts.length,
            changes.instances.length,
            JSON.stringify(keys.uid),
            ...args,
            ...this.connection.operationArgs(keys.base, operation?.id ?? ''),
          ]),
        ),
      );
      this.connection.locks.noteContention(lock.held, waiting === 1);
      // 2: a re-sent write whose first send was applied; what it wrote is what was meant to be written.
      if (tasks.length > 0 && waiting !== 2) this.rememberWrittenTasks(previousVersion, version, taskTexts);
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
  override async startScheduledInstance(name: string, now: Date, operationId?: string): Promise<TaskInstance | 'not-scheduled' | undefined> {
    const handoffs = this.connection.handoffs;
    const fetched = handoffs.takeFetchedStart(this.uid, name);
    const scheduledRecord = handoffs.takeScheduledRecord(this.uid, name);
    if (fetched !== undefined) return this.adoptFetchedStart(fetched);
    if (this.isLockedHere || this.connection.locks.isBusyHere(this.keys)) return undefined;
    const id = operationId ?? '';
    if (scheduledRecord !== undefined) {
      const started = await this.startKnown(name, now, scheduledRecord, id);
      if (started !== undefined) return started;
      if (this.isLockedHere || this.connection.locks.isBusyHere(this.keys)) return undefined;
    }
    const keys = this.keys;
    const iso = now.toISOString();
    const reply = await this.callIdempotent('startScheduledInstance', (redis) =>
      RedisScripts.startScheduled.run(redis, keys.scriptKeys, [
        name,
        this.connection.settings.sessionTtlSeconds ?? 0,
        keys.unstartedPrefix,
        iso,
        ...this.connection.operationArgs(keys.base, id),
      ]),
    );
    if (reply[0] === 1) return 'not-scheduled';
    if (reply[0] !== 2 && reply[0] !== 3) return undefined;
    const record = JSON.parse(reply[1]) as InstanceRecord;
    // 3: this start was applied by an earlier send whose reply was lost; it stands while the record is still that start's.
    if (reply[0] === 3 && (record.status !== TaskStatus.Running || record.metadata.timestamps?.running !== iso)) return 'not-scheduled';
    this.rememberRecord(name, reply[1]);
    return TaskInstance.fromRecord(record, TaskConfig.fromEntry(record.task, JSON.parse(reply[2]) as TaskConfigEntry));
  }

  /**
   * The instance the script that fetched its job already started
   * ({@link startOnFetchScript}): nothing to write, only to know. Its task
   * configuration is the cached one when the version is still that, else
   * the entry the script read.
   */
  private adoptFetchedStart(fetched: FetchedStart): TaskInstance {
    this.rememberRecord(fetched.instance, fetched.record);
    const record = JSON.parse(fetched.record) as InstanceRecord;
    // The script read the session's configuration version: if this process knows that configuration (from this
    // session or any other at that version), the finish that follows needs no configuration read either.
    const cached = this.connection.taskCache.at(this.keys.base, fetched.tasksVersion);
    const config =
      (cached === undefined ? undefined : cachedConfig(cached, record.task)) ??
      TaskConfig.fromEntry(record.task, JSON.parse(fetched.taskEntry) as TaskConfigEntry);
    return TaskInstance.fromRecord(record, config);
  }

  /**
   * The start computed here from the record text the job carried (what the
   * script that scheduled the instance wrote), exactly as the locked path
   * computes it, and applied by {@link RedisScripts.startKnown} only if the
   * stored text and the configuration version are still those: the server
   * compares texts instead of parsing JSON. Undefined (nothing written) when
   * the hint does not apply; the caller then takes the usual path.
   */
  private async startKnown(name: string, now: Date, text: string, operationId: string): Promise<TaskInstance | undefined> {
    if (text.includes('"__proto__"')) return undefined;
    const cached = this.connection.taskCache.get(this.keys.base) ?? (await this.loadTaskCache());
    if (cached === undefined || this.isLockedHere || this.connection.locks.isBusyHere(this.keys)) return undefined;
    let instance: TaskInstance;
    let running: string;
    try {
      const record = JSON.parse(text) as InstanceRecord;
      const config = record.name === name && typeof record.task === 'string' ? cachedConfig(cached, record.task) : undefined;
      if (config === undefined) return undefined;
      instance = TaskInstance.fromRecord(record, config);
      if (instance.status !== TaskStatus.Scheduled) return undefined;
      instance.start(now);
      running = JSON.stringify(instance.toRecord());
    } catch {
      return undefined;
    }
    const keys = this.keys;
    const applied = await this.callIdempotent('startScheduledInstance', (redis) =>
      RedisScripts.startKnown.run(
        redis,
        keys.scriptKeys,
        [
          name,
          this.connection.settings.sessionTtlSeconds ?? 0,
          keys.unstartedPrefix,
          text,
          running,
          cached.version,
          instance.taskName,
          ...this.connection.operationArgs(keys.base, operationId),
        ],
      ),
    );
    // 2: applied by an earlier send of this very start, whose reply was lost.
    if (applied !== 1 && applied !== 2) return undefined;
    this.rememberRecord(name, running);
    return instance;
  }

  /**
   * One round trip ({@link RedisScripts.applyAtomically}): the whole
   * operation as one script, when this process neither holds nor waits for
   * the session and its cached configuration is current (the script checks
   * the version, and that no other process holds or waits for the lock).
   * What the fire needs from the configuration — the tasks mentioning the
   * trigger and their triggers, JSON-encoded once — is derived from the
   * cache per configuration version, so a fire sends only names and kwargs.
   */
  override get appliesAtomically(): boolean {
    return true;
  }

  override async applyAtomically(operation: AtomicOperation): Promise<AtomicOutcome | undefined> {
    if (this.isLockedHere || this.connection.locks.isBusyHere(this.keys)) return undefined;
    const cached = this.connection.taskCache.get(this.keys.base) ?? (await this.loadTaskCache());
    if (cached === undefined || this.isLockedHere || this.connection.locks.isBusyHere(this.keys)) return undefined;
    const args: Array<string | number> = [
      operation.now.toISOString(),
      this.connection.settings.sessionTtlSeconds ?? 0,
      this.keys.unstartedPrefix,
      cached.version,
    ];
    const configs = new Map<string, TaskConfig>();
    const configOf = (task: string): TaskConfig | undefined => {
      const config = cachedConfig(cached, task);
      if (config !== undefined) configs.set(task, config);
      return config;
    };

    const { update, fire } = operation;
    let computed: { text: string; instance: TaskInstance } | undefined;
    if (update === undefined) {
      args.push('');
    } else {
      const task = TaskInstance.parseName(update.name)?.task;
      const config = task === undefined ? undefined : configOf(task);
      if (task === undefined || config === undefined) return undefined;
      args.push(update.name, task, JSON.stringify(task), update.status);
      const known = this.knownRecords.get(update.name);
      if (known !== undefined) {
        // This process wrote the record last (a worker finishing what it started): compute the new
        // record here, exactly as the locked path would, and let the script compare texts.
        const instance = TaskInstance.fromRecord(JSON.parse(known) as InstanceRecord, config);
        instance.changeStatus(update.status, update.metadata, operation.now);
        const record = instance.toRecord();
        if (record.task !== task) return undefined;
        computed = { text: toJson(record, `instance "${update.name}"`), instance };
        args.push(known, computed.text);
      } else {
        const metadata = encodeMetadata(update.metadata);
        if (metadata === undefined) return undefined;
        args.push('', metadata.length / 2, ...metadata);
      }
    }
    if (fire === undefined) {
      args.push('');
    } else {
      const item = atomicFireArgs(cached, fire.trigger);
      const jobs: string[] = [String(operation.now.getTime())];
      for (const task of item.tasks) {
        const config = configOf(task);
        if (config === undefined || !operation.canHandOff(config)) return undefined;
        const job = this.scriptedJobFor(operation, config);
        if (job === undefined || job.endpoint !== this.connection.settings.endpoint) {
          jobs.push('0');
        } else {
          jobs.push('1', job.queueKeyPrefix, job.jobName, job.optionsJson, job.jobIdHead, job.payloadHead, job.payloadMiddle, job.payloadTail);
        }
      }
      args.push(fire.trigger, item.triggerJson, toJson(fire.kwargs, `kwargs of trigger "${fire.trigger}"`));
      // Appended one by one: no spread of long arrays into a call on every fire and finish.
      for (const arg of item.args) args.push(arg);
      for (const arg of jobs) args.push(arg);
    }

    const operationId = operation.operationId ?? '';

    const keys = this.keys;
    const scriptKeys = keys.scriptKeys;
    // A worker finishing its job may have offered to send this on BullMQ's connection, ahead of the job's completion.
    const pipelined = update === undefined ? undefined : this.connection.handoffs.takePipelinedFinish(this.uid, update.name);
    if (pipelined !== undefined) scriptKeys.push(pipelined.jobLockKey);
    // The operation id's arguments are computed for each send: a re-send looks the id up.
    const command = (redis: Redis): Promise<AtomicReply> =>
      RedisScripts.applyAtomically.run(redis, scriptKeys, [...args, ...this.connection.operationArgs(keys.base, operationId)]);
    const reply = await this.callIdempotent('applyAtomically', command, pipelined === undefined || update === undefined ? undefined : pipelined.send(command, update.status));
    if (update !== undefined) this.knownRecords.delete(update.name);
    if (reply[0] === 3) return this.repeatedOutcome(reply, configOf);
    if (reply[0] !== 2) {
      pipelined?.declined();
      return undefined;
    }
    // '=': the script wrote the text computed here as is (and did not send it back): no need to parse it.
    const updatedText = reply[1] === '=' ? computed?.text : reply[1];
    if (update !== undefined && updatedText !== undefined) this.rememberRecord(update.name, updatedText);
    const toInstance = (json: string): TaskInstance => {
      const record = JSON.parse(json) as InstanceRecord;
      return TaskInstance.fromRecord(record, configs.get(record.task) ?? (configOf(record.task) as TaskConfig));
    };
    const scheduled: TaskInstance[] = [];
    const enqueued = new Set<string>();
    const triples = reply[2];
    for (let i = 0; i < triples.length; i += 3) {
      scheduled.push(toInstance(triples[i + 1]));
      if (triples[i + 2] === '1') enqueued.add(triples[i]);
    }
    const updated = reply[1] === '' ? undefined : reply[1] === '=' ? computed?.instance : toInstance(reply[1]);
    return { updated, scheduled, enqueued };
  }

  /**
   * The answer of an atomic script whose operation id was applied before
   * (nothing written): the instances as they are now, those no longer
   * `scheduled` counted as enqueued so that nobody hands them over again.
   */
  private repeatedOutcome(reply: [3, string, string[]], configOf: (task: string) => TaskConfig | undefined): AtomicOutcome | undefined {
    const toInstance = (json: string): TaskInstance | undefined => {
      const record = JSON.parse(json) as InstanceRecord;
      const config = configOf(record.task);
      return config === undefined ? undefined : TaskInstance.fromRecord(record, config);
    };
    const scheduled: TaskInstance[] = [];
    const enqueued = new Set<string>();
    const triples = reply[2];
    for (let i = 0; i < triples.length; i += 3) {
      const instance = toInstance(triples[i + 1]);
      if (instance === undefined) continue;
      scheduled.push(instance);
      if (triples[i + 2] === '1' || instance.status !== TaskStatus.Scheduled) enqueued.add(instance.name);
    }
    const updated = reply[1] === '' ? undefined : toInstance(reply[1]);
    return { updated, scheduled, enqueued, repeated: true };
  }

  /**
   * How the script may enqueue ready instances of `task` itself: when the
   * operation's runner for it is this wing's BullMQ runner and it can say
   * (see {@link BullMQTaskRunner.scriptedJob}); undefined means the runner's
   * `run` is called for them after the step.
   */
  private scriptedJobFor(operation: AtomicOperation, task: TaskConfig): ScriptedJob | undefined {
    const runner = operation.runnerOf(task);
    if (!(runner instanceof BullMQTaskRunner)) return undefined;
    this.storageName ??= TriggerRegistry.nameOf('storage', this.constructor);
    if (this.storageName === undefined) return undefined;
    try {
      return runner.scriptedJob({ uid: this.uid, manager: operation.managerType, storage: this.storageName }, task);
    } catch {
      return undefined; // the runner's run() meets the same problem and refuses the instance, as on the locked path
    }
  }

  private rememberRecord(name: string, text: string): void {
    if (this.knownRecords.size >= KNOWN_RECORDS_LIMIT) this.knownRecords.clear();
    this.knownRecords.set(name, text);
  }

  /**
   * Reads the configuration and its version without the lock (one
   * `MULTI`, so both belong together) into the connection's cache: an
   * atomic operation checks the version itself, so this process's first
   * operation on a session need not queue for the lock only to learn the
   * configuration. Undefined for a session without configuration.
   */
  private async loadTaskCache(): Promise<CachedTasks | undefined> {
    const replies = await this.call('readConfiguration', (redis) => redis.multi().get(this.keys.tasksVersion).hgetall(this.keys.tasks).exec());
    const [[versionError, version], [tasksError, hash]] = replies as [[Error | null, string | null], [Error | null, Record<string, string>]];
    if (versionError !== null || tasksError !== null || version === null || version === '') return undefined;
    return this.connection.taskCache.at(this.keys.base, version) ?? this.rememberTasks(version, parseHash<TaskConfigEntry>(hash));
  }

  /**
   * After this process wrote task entries: the configuration at the new
   * version is known here when another session has it, or when the one at
   * the version the write replaced was cached here (or there was none: it
   * is then the entries written), and the next operation on the session (a
   * producer's first fire after configuring it) need not read it back.
   */
  private rememberWrittenTasks(previousVersion: string, version: string, written: Array<[string, string]>): void {
    if (this.connection.taskCache.at(this.keys.base, version) !== undefined) return;
    const cached = this.connection.taskCache.get(this.keys.base);
    if (previousVersion !== '' && cached?.version !== previousVersion) return;
    const entries: Record<string, TaskConfigEntry> = previousVersion === '' ? {} : { ...(cached as CachedTasks).entries };
    for (const [name, text] of written) entries[name] = JSON.parse(text) as TaskConfigEntry;
    this.rememberTasks(version, entries);
  }

  /** Caches (frozen) task entries read at `version` ('' = unversioned: not cached), and returns them. */
  private rememberTasks(version: string, entries: Record<string, TaskConfigEntry>): CachedTasks {
    return this.connection.taskCache.remember(this.keys.base, version, entries);
  }

  /** Deletes every key of the session (under its lock). */
  override async deleteSession(): Promise<void> {
    await this.withLock(async () => {
      const lock = this.heldLock('delete');
      const keys = this.keys;
      try {
        await this.send(() =>
          this.write('deleteSession', (redis) => RedisScripts.deleteSession.run(redis, [keys.lock, ...keys.recordKeys], [lock.held.token, keys.unstartedPrefix, ...this.connection.operationBucketsNow(keys.base)])),
        );
      } catch (error) {
        throw this.lockLost(error);
      }
    });
  }

  // --------------------------------------------------------- inspection API

  /** Reads only the unresolved instances (an index), not the whole history. */
  override async getUnresolvedInstances(): Promise<TaskInstance[]> {
    const [tasks, names] = await Promise.all([this.getTasks(), this.call('getUnresolvedInstances', (redis) => redis.smembers(this.keys.unresolved))]);
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
      this.call('getUnresolvedTasks', (redis) => redis.hgetall(this.keys.instanceCounts)),
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
      throw new LockLostError({ uid: this.uid, notHeldFor: what });
    }
    return lock;
  }

  private lockLost(error: unknown): unknown {
    if (error instanceof Error && error.message.includes(LOCK_LOST_MARKER)) {
      return new LockLostError({ uid: this.uid });
    }
    return error;
  }
}



/**
 * The `TaskConfig` of `task` at the cached version, built once per version
 * (task configurations are never mutated; transactions share them too).
 */
function cachedConfig(cached: CachedTasks, task: string): TaskConfig | undefined {
  cached.configs ??= new Map();
  let config = cached.configs.get(task);
  if (config === undefined) {
    const entry = cached.entries[task];
    if (entry === undefined || !Object.hasOwn(cached.entries, task)) return undefined;
    config = TaskConfig.fromEntry(task, entry);
    cached.configs.set(task, config);
  }
  return config;
}

/** The script arguments for firing `trigger`, built once per configuration version and trigger. */
function atomicFireArgs(cached: CachedTasks, trigger: string): AtomicFireArgs {
  cached.atomicFires ??= new Map();
  let item = cached.atomicFires.get(trigger);
  if (item !== undefined) return item;
  cached.fireIndex ??= FireIndex.build(Object.entries(cached.entries));
  const tasks = cached.fireIndex.get(trigger).using;
  const args: string[] = [String(tasks.length)];
  for (const task of tasks) {
    const config = cachedConfig(cached, task) as TaskConfig;
    args.push(
      task,
      JSON.stringify(task),
      config.andEvery === trigger ? '1' : '0',
      config.after.has(trigger) ? '1' : '0',
      config.unless.has(trigger) ? '1' : '0',
      String(config.after.size),
    );
    for (const name of config.after) args.push(name, JSON.stringify(name));
    args.push(String(config.unless.size));
    for (const name of config.unless) args.push(name, JSON.stringify(name));
  }
  item = { tasks, triggerJson: JSON.stringify(trigger), args };
  if (cached.atomicFires.size >= ATOMIC_FIRE_CACHE_LIMIT) cached.atomicFires.clear();
  cached.atomicFires.set(trigger, item);
  return item;
}

/** Triggers per cached configuration whose script arguments are kept. */
const ATOMIC_FIRE_CACHE_LIMIT = 1_000;

/**
 * Metadata as `[key JSON, value JSON, ...]` for the script, or undefined
 * when the locked path must handle it: a `timestamps` key (merged
 * differently), `__proto__`, or a value JSON cannot carry.
 */
function encodeMetadata(metadata: Readonly<Record<string, unknown>>): string[] | undefined {
  const out: string[] = [];
  for (const [key, value] of Object.entries(metadata)) {
    if (key === 'timestamps' || key === '__proto__') return undefined;
    let json: string | undefined;
    try {
      json = JSON.stringify(value);
    } catch {
      return undefined;
    }
    if (json === undefined) return undefined;
    out.push(JSON.stringify(key), json);
  }
  return out;
}

/** Pause between re-sends of an operation whose reply was lost, while the connection cannot take it. */
const RESEND_PAUSE_MS = 20;

/** Record texts one backend object remembers before starting over. */
const KNOWN_RECORDS_LIMIT = 100;


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
    throw new InvalidKwargsError({ what, reason: `is not JSON-serializable: ${error instanceof Error ? error.message : String(error)}` });
  }
  if (json === undefined) throw new InvalidKwargsError({ what, reason: 'is not JSON-serializable' });
  return json;
}

/** Every trigger a task mentions, as `<utf8 bytes>:<name>` items the read script parses. */
function encodeTriggerList(entry: TaskConfigEntry): string {
  const names = new Set([...entry.after, ...(entry.andEvery === undefined ? [] : [entry.andEvery]), ...(entry.unless ?? [])]);
  let out = '';
  for (const name of names) out += `${Buffer.byteLength(name, 'utf8')}:${name}`;
  return out;
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

