import { UnknownInstanceError, UnknownTaskError } from '../errors';
import { TaskConfig, TaskInstance } from '../model';
import type { InstanceMetadata, InstanceRecord, Kwargs, TaskConfigEntry, TaskStatus } from '../model';
import type { SessionReader } from './SessionReader';
import type { FireReadSet, SessionChanges } from './SessionRecords';

/**
 * The view of one session inside its lock: reads are cached, writes are
 * buffered until {@link flush}. The manager mutates instances through it so a
 * failed operation saves nothing, and a backend sees one atomic change set.
 */
export class SessionTransaction {
  private taskCache?: Map<string, TaskConfig>;
  /** The task cache is a backend's shared memo: copy it before the first `putTask`. */
  private taskCacheShared = false;
  /** A task was put in this transaction: the backend's `using` list may not cover it. */
  private taskCacheChanged = false;
  private readonly instanceCache = new Map<string, TaskInstance>();
  private readonly prefetched = new Map<string, Promise<FireReadSet>>();
  private readonly counts = new Map<string, number>();
  private pending: SessionChanges = emptyChanges();
  /** Buffered instance writes by name (a later put of an instance replaces its earlier one). */
  private pendingInstances = new Map<string, InstanceRecord>();
  /** Status changes seen by {@link put}, when the manager asked for them ({@link trackStatusChanges}). */
  private statusLog?: { seen: Map<string, TaskStatus>; changes: StatusChange[] };
  /** Something was buffered since the last flush or discard. */
  private dirty = false;

  /** Flushes so far (the first carries {@link operationId}, later ones `<id>#<n>`). */
  private flushes = 0;
  /** What the operation's writes record as its outcome (see {@link noteOutcome}). */
  private outcome = '';

  /**
   * @param operationId the id of the operation this transaction serves
   *   (docs/ARCHITECTURE.md, "Operation ids"): its writes are recorded
   *   under it, so a write re-sent after a lost reply applies once.
   */
  constructor(
    readonly storage: SessionReader,
    private id?: string,
  ) {}

  /** The id of the operation this transaction's writes are recorded under, if any. */
  get operationId(): string | undefined {
    return this.id;
  }

  /**
   * The outcome recorded when operation `operationId` was applied before
   * (a repeated idempotency key), or undefined. A transaction serving no
   * operation id yet (a fire nested in a caller's own locked block) takes
   * this one, so that its writes are recorded under it.
   */
  async appliedOutcome(operationId: string): Promise<string | undefined> {
    this.id ??= operationId;
    return this.storage.readAppliedOutcome(operationId);
  }

  /** Sets the outcome text the next flush records with the operation id (what a repeat of the operation answers). */
  noteOutcome(outcome: string): void {
    this.outcome = outcome;
  }

  /** Every task config of the session, keyed by name (read-only: change tasks through {@link putTask}). */
  async tasks(): Promise<Map<string, TaskConfig>> {
    if (this.taskCache === undefined) {
      const entries = await this.storage.readTaskEntries();
      this.setTaskCache(entries);
    }
    return this.taskCache as Map<string, TaskConfig>;
  }

  /** One task config; throws {@link UnknownTaskError} for an unknown name. */
  async task(name: string): Promise<TaskConfig> {
    const config = (await this.tasks()).get(name);
    if (config === undefined) throw new UnknownTaskError({ uid: this.storage.uid, task: name });
    return config;
  }

  /** One instance; throws {@link UnknownInstanceError} for an unknown name. */
  async instance(name: string): Promise<TaskInstance> {
    const cached = this.instanceCache.get(name);
    if (cached !== undefined) return cached;
    const [config0, [record]] = await Promise.all([this.configOfInstance(name), this.storage.readInstanceRecords([name])]);
    if (record === undefined) {
      throw new UnknownInstanceError({ uid: this.storage.uid, instance: name });
    }
    const config = config0?.name === record.task ? config0 : (await this.tasks()).get(record.task);
    if (config === undefined) {
      throw new UnknownTaskError({ uid: this.storage.uid, task: record.task, instance: name });
    }
    const instance = TaskInstance.fromRecord(record, config);
    this.instanceCache.set(name, instance);
    this.statusLog?.seen.set(name, instance.status);
    return instance;
  }

  /**
   * The config of the task an instance name (`<task>#<n>`) points to, read
   * alone rather than with the whole configuration; the caller checks it
   * against the record's task.
   */
  private async configOfInstance(name: string): Promise<TaskConfig | undefined> {
    const task = TaskInstance.parseName(name)?.task;
    if (task === undefined) return undefined;
    if (this.taskCache !== undefined) return this.taskCache.get(task);
    const pending = this.pending.tasks[task];
    if (pending !== undefined) return TaskConfig.fromEntry(task, pending);
    // A prefetched fire of the task's own name (a finishing task's cascade)
    // already brings the configuration, in the same round trip.
    const prefetched = this.prefetched.get(task);
    if (prefetched !== undefined) {
      const read = await prefetched.catch(() => undefined);
      if (read !== undefined) {
        if (this.taskCache === undefined) this.setTaskCache(read.tasks);
        return (this.taskCache as Map<string, TaskConfig> | undefined)?.get(task);
      }
    }
    const entry = (await this.storage.readTaskEntriesByName([task]))[task];
    return entry === undefined ? undefined : TaskConfig.fromEntry(task, entry);
  }

  /**
   * Starts reading what firing `trigger` needs now, so the read travels with
   * the operation's other reads (one round trip instead of two); the next
   * {@link prepareFire} of that trigger uses it. Only for a fire that follows
   * in this operation: the read reflects the session before this
   * operation's own writes, which the fire's instance cache supersedes.
   */
  prefetchFire(trigger: string): void {
    if (this.prefetched.has(trigger)) return;
    const read = this.storage.readForFire(trigger);
    read.catch(() => undefined);
    this.prefetched.set(trigger, read);
  }

  /**
   * Loads what firing `trigger` needs: the tasks that mention it, with their
   * unstarted instances, and the latest kwargs of the triggers they mention.
   */
  async prepareFire(trigger: string): Promise<FirePlan> {
    const prefetched = this.prefetched.get(trigger);
    this.prefetched.delete(trigger);
    const read = await (prefetched ?? this.storage.readForFire(trigger));
    if (this.taskCache === undefined) this.setTaskCache(read.tasks);
    const configs = this.taskCache as Map<string, TaskConfig>;
    const tasks: TaskConfig[] = [];
    if (read.using !== undefined && !this.taskCacheChanged) {
      for (const name of read.using) {
        const task = configs.get(name);
        if (task?.usesTrigger(trigger)) tasks.push(task);
      }
    } else {
      for (const task of configs.values()) if (task.usesTrigger(trigger)) tasks.push(task);
    }
    const unstarted = new Map<string, TaskInstance[]>();
    for (const task of tasks) unstarted.set(task.name, []);
    for (const record of read.unstarted) {
      const config = configs.get(record.task);
      const list = unstarted.get(record.task);
      if (config === undefined || list === undefined) continue;
      let instance = this.instanceCache.get(record.name);
      if (instance === undefined) {
        instance = TaskInstance.fromRecord(record, config);
        this.instanceCache.set(record.name, instance);
        this.statusLog?.seen.set(record.name, instance.status);
      }
      if (instance.canSchedule) list.push(instance);
    }
    for (const list of unstarted.values()) if (list.length > 1) list.sort(TaskInstance.compare);
    const counts = read.instanceCounts;
    for (const task of Object.keys(counts)) {
      if (!this.counts.has(task)) this.counts.set(task, counts[task]);
    }
    return { tasks, unstarted, latestKwargs: read.latestKwargs };
  }

  /** How many instances `task` has had (also the number of the next one). */
  async instanceCount(task: string): Promise<number> {
    let count = this.counts.get(task);
    if (count === undefined) {
      count = (await this.storage.readInstanceCounts([task]))[task] ?? 0;
      this.counts.set(task, count);
    }
    return count;
  }

  /** Creates (and buffers) the next instance of `config`. */
  async createInstance(config: TaskConfig, metadata: InstanceMetadata = {}): Promise<TaskInstance> {
    const n = await this.instanceCount(config.name);
    this.counts.set(config.name, n + 1);
    this.pending.instanceCounts[config.name] = n + 1;
    this.dirty = true;
    const instance = TaskInstance.create(config, n, metadata);
    this.instanceCache.set(instance.name, instance);
    this.statusLog?.seen.set(instance.name, instance.status);
    this.put(instance);
    return instance;
  }

  /** Buffers a write of `instance` (call after mutating it). */
  put(instance: TaskInstance): void {
    this.instanceCache.set(instance.name, instance);
    const record = instance.toRecord();
    this.pendingInstances.set(instance.name, record);
    this.dirty = true;
    const log = this.statusLog;
    if (log !== undefined) {
      const previous = log.seen.get(instance.name);
      if (previous !== undefined && previous !== instance.status) {
        // A copy: the operation may change the instance again before the hook sees it.
        log.changes.push({ instance: TaskInstance.fromRecord(structuredClone(record), instance.config), previous });
      }
      log.seen.set(instance.name, instance.status);
    }
  }

  /**
   * Starts recording every status change {@link put} makes from here on
   * (what the manager's `postStatusChange` hook is called with); costs
   * nothing until asked.
   */
  trackStatusChanges(): void {
    if (this.statusLog !== undefined) return;
    const seen = new Map<string, TaskStatus>();
    for (const [name, instance] of this.instanceCache) seen.set(name, instance.status);
    this.statusLog = { seen, changes: [] };
  }

  /** The status changes recorded so far, in order, and forgets them. */
  takeStatusChanges(): StatusChange[] {
    const log = this.statusLog;
    if (log === undefined || log.changes.length === 0) return [];
    return log.changes.splice(0);
  }

  /** Buffers a task config write (replacing any entry of that name). */
  putTask(config: TaskConfig): void {
    this.pending.tasks[config.name] = config.toEntry();
    this.dirty = true;
    if (this.taskCache !== undefined) {
      if (this.taskCacheShared) {
        this.taskCache = new Map(this.taskCache);
        this.taskCacheShared = false;
      }
      this.taskCacheChanged = true;
      this.taskCache.set(config.name, config);
    }
  }

  private setTaskCache(entries: Record<string, TaskConfigEntry>): void {
    const [configs, shared] = toConfigs(entries);
    this.taskCache = configs;
    this.taskCacheShared = shared;
  }

  /** Buffers the latest kwargs of a trigger. */
  setLatestKwargs(trigger: string, kwargs: Kwargs): void {
    this.pending.latestKwargs[trigger] = kwargs;
    this.dirty = true;
  }

  /** Whether anything is buffered (a {@link flush} would write). */
  get hasPendingChanges(): boolean {
    return this.dirty;
  }

  /** Writes every buffered change atomically (the backend's promise itself: no wrapper per operation). */
  flush(): Promise<void> {
    if (!this.dirty) return NOTHING_WRITTEN;
    const changes: SessionChanges = { ...this.pending, instances: [...this.pendingInstances.values()] };
    const id = this.operationId;
    if (id !== undefined) {
      this.flushes += 1;
      changes.operation = { id: this.flushes === 1 ? id : `${id}#${this.flushes}`, outcome: this.outcome };
    }
    this.discard();
    try {
      return this.storage.writeChanges(changes);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Drops buffered writes (the operation failed). */
  discard(): void {
    if (!this.dirty) return;
    this.dirty = false;
    this.pending = emptyChanges();
    this.pendingInstances = new Map();
  }
}

/** One status change of an instance within an operation: the instance as it was written, and its status before. */
export interface StatusChange {
  readonly instance: TaskInstance;
  readonly previous: TaskStatus;
}

/** What {@link SessionTransaction.prepareFire} returns. */
export interface FirePlan {
  tasks: TaskConfig[];
  unstarted: Map<string, TaskInstance[]>;
  latestKwargs: Record<string, Kwargs>;
}

const NOTHING_WRITTEN: Promise<void> = Promise.resolve();

function emptyChanges(): SessionChanges {
  return { tasks: {}, instances: [], latestKwargs: {}, instanceCounts: {} };
}

const configMaps = new WeakMap<object, Map<string, TaskConfig>>();

/**
 * Task configs from entries. A frozen record (a backend's immutable cache)
 * maps to the same configs every time, so it is converted once and the memo
 * itself is returned (flagged shared: the transaction copies it before its
 * first `putTask`, so the memo never changes).
 */
function toConfigs(entries: Record<string, TaskConfigEntry>): [Map<string, TaskConfig>, boolean] {
  // The memo first: only frozen records are in it, and Object.isFrozen
  // checks every property (thousands for a large configuration, per read).
  const cached = configMaps.get(entries);
  if (cached !== undefined) return [cached, true];
  const frozen = Object.isFrozen(entries);
  const configs = new Map(Object.entries(entries).map(([name, entry]) => [name, TaskConfig.fromEntry(name, entry)]));
  if (!frozen) return [configs, false];
  configMaps.set(entries, configs);
  return [configs, true];
}
