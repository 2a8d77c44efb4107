import { injectable } from 'inversify';
import { ExecutionContext } from '../context/ExecutionContext';
import type { ContextFrame, HeldLock } from '../context/ExecutionContext';
import { InvalidSessionUidError, StorageNotImplementedError } from '../errors';
import { TaskConfig, TaskInstance, TaskStatus, logLevelRank } from '../model';
import type { InstanceRecord, Kwargs, TaskConfigEntry } from '../model';
import { FireIndex } from './FireIndex';
import { LocalMutex } from './LocalMutex';
import type { AtomicOperation, AtomicOutcome } from './AtomicOperation';
import { LocalMutexLock } from './LocalMutexLock';
import type { SessionLock } from './SessionLock';
import { emptySnapshot } from './SessionRecords';
import type { FireReadSet, SessionChanges, SessionSnapshot } from './SessionRecords';
import { SessionTransaction } from './SessionTransaction';
import type { StorageDirectory } from './StorageDirectory';

/** Longest uid accepted, in UTF-16 code units. */
export const MAX_SESSION_UID_LENGTH = 4096;

const lockedSnapshots = new WeakMap<SessionTransaction, SessionSnapshot>();
/** The transaction of each lock an operation holds (the context carries the lock, the storage its view). */
const transactions = new WeakMap<HeldLock, SessionTransaction>();

/**
 * Loads, saves and locks one session's state, and answers questions about it.
 *
 * Two ways to write a backend:
 * - **simple**: override {@link loadSnapshot} and {@link saveSnapshot}; the
 *   base class serves every read from the snapshot loaded when the lock was
 *   taken and saves the whole snapshot on write. Fine for small sessions.
 * - **scalable**: override the record-level methods (`readTaskEntries`,
 *   `readForFire`, `readInstanceRecords`, ..., `writeChanges`) so an operation
 *   touches only the records it needs, as the memory and Redis backends do.
 *
 * Locking defaults to an in-process mutex; cross-process backends override
 * {@link acquireLock}. Locks are re-entrant within one logical (async)
 * operation.
 */
@injectable()
export abstract class StorageBackend {
  private sessionUid?: string;
  /** {@link lockKey}, built once (the uid never changes once set). */
  private sessionLockKey?: string;

  /** The session this backend serves. */
  get uid(): string {
    if (this.sessionUid === undefined) throw new InvalidSessionUidError({ problem: 'unopened' });
    return this.sessionUid;
  }

  /**
   * Points a freshly resolved backend at session `uid`. Called once by the
   * manager factory; any non-empty string up to {@link MAX_SESSION_UID_LENGTH}
   * code units is a valid uid.
   */
  open(uid: string): this {
    StorageBackend.assertValidUid(uid);
    if (this.sessionUid !== undefined && this.sessionUid !== uid) {
      throw new InvalidSessionUidError({ problem: 'reopened', uid, openUid: this.sessionUid });
    }
    this.sessionUid = uid;
    return this;
  }

  /** Throws {@link InvalidSessionUidError} unless `uid` is a usable session uid. */
  static assertValidUid(uid: unknown): asserts uid is string {
    if (typeof uid !== 'string') throw new InvalidSessionUidError({ problem: 'not-a-string', uid });
    if (uid.length === 0) throw new InvalidSessionUidError({ problem: 'empty', uid });
    if (uid.length > MAX_SESSION_UID_LENGTH) {
      throw new InvalidSessionUidError({ problem: 'too-long', uid, limit: MAX_SESSION_UID_LENGTH });
    }
  }

  // ---------------------------------------------------------------- locking

  /** Key that identifies this session's lock in the process. */
  protected get lockKey(): string {
    this.sessionLockKey ??= `${this.constructor.name}\u0000${this.uid}`;
    return this.sessionLockKey;
  }

  /**
   * Runs `fn` with the session locked and a {@link SessionTransaction} whose
   * buffered writes are flushed when `fn` succeeds and dropped when it throws.
   * A nested call from inside the same operation reuses the held lock.
   *
   * Not `async` itself, and the in-process lock is taken and released
   * without a promise when nobody else holds it: every promise costs the
   * async-context propagation, and an embedded `fire` is a handful of them.
   *
   * `operationId` names the operation (docs/ARCHITECTURE.md, "Operation
   * ids"): a backend that remembers applied operations records the writes
   * under it and applies a re-sent write once.
   */
  withLock<T>(fn: (tx: SessionTransaction) => Promise<T>, operationId?: string): Promise<T> {
    const frame = ExecutionContext.current();
    try {
      const key = this.lockKey;
      const held = ExecutionContext.heldLock(frame, key);
      const tx = held === undefined ? undefined : transactions.get(held);
      if (tx !== undefined) return fn(tx);
      // The default lock is the in-process mutex: take it at once when it is
      // free. A backend with its own acquireLock always goes through it.
      const now = this.acquireLock === StorageBackend.prototype.acquireLock ? LocalMutex.shared.tryAcquire(key) : undefined;
      if (now !== undefined) return this.runLocked(frame, now, fn, operationId);
      return this.acquireLock().then((lock) => this.runLocked(frame, lock, fn, operationId));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Runs `fn` under `lock`, in a frame that holds it, then releases it. */
  private runLocked<T>(frame: ContextFrame, lock: SessionLock, fn: (tx: SessionTransaction) => Promise<T>, operationId: string | undefined): Promise<T> {
    const held: HeldLock = { key: this.lockKey, open: true };
    const tx = new SessionTransaction(this, operationId);
    transactions.set(held, tx);
    return ExecutionContext.runLocks(frame, { lock: held, next: ExecutionContext.openLocks(frame) }, () => this.locked(held, tx, lock, fn));
  }

  private async locked<T>(held: HeldLock, tx: SessionTransaction, lock: SessionLock, fn: (tx: SessionTransaction) => Promise<T>): Promise<T> {
    try {
      const loading = this.onLocked(tx);
      if (loading !== undefined) await loading;
      const result = await fn(tx);
      if (tx.hasPendingChanges) await tx.flush();
      return result;
    } catch (error) {
      tx.discard();
      throw error;
    } finally {
      held.open = false;
      if (lock instanceof LocalMutexLock) lock.releaseNow();
      else await lock.release();
    }
  }

  /** The transaction of this session's lock if the current async operation holds it. */
  private heldTransaction(): SessionTransaction | undefined {
    const frame = ExecutionContext.current();
    // No lock held here at all (the usual case outside withLock): spare a
    // backend whose lockKey is built per call (Redis) from building it.
    if (frame.locks === undefined) return undefined;
    const held = ExecutionContext.heldLock(frame, this.lockKey);
    return held === undefined ? undefined : transactions.get(held);
  }

  /**
   * Runs `fn` outside every held session lock, so work started from inside
   * an operation (a task a runner starts later) never inherits its lock.
   */
  static outsideLocks<T>(fn: () => T): T {
    return ExecutionContext.runLocks(ExecutionContext.current(), undefined, fn);
  }

  /** Whether the current async operation holds this session's lock. */
  get isLockedHere(): boolean {
    return this.heldTransaction() !== undefined;
  }

  /**
   * Takes the session lock. The default serialises async operations in this
   * process; backends shared between processes must override it.
   */
  protected acquireLock(): Promise<SessionLock> {
    return LocalMutex.shared.acquire(this.lockKey);
  }

  /**
   * Called right after the lock is taken: "acquiring it reloads state". The
   * snapshot flavour loads the snapshot here; record backends read lazily.
   */
  protected onLocked(tx: SessionTransaction): Promise<void> | void {
    if (this.usesSnapshots) return this.loadLockedSnapshot(tx);
  }

  private async loadLockedSnapshot(tx: SessionTransaction): Promise<void> {
    lockedSnapshots.set(tx, (await this.loadSnapshot()) ?? emptySnapshot());
  }

  // ------------------------------------------------ snapshot extension point

  /**
   * Whether this backend works on whole snapshots. True unless a subclass
   * overrides the record-level methods and sets it to false.
   */
  protected readonly usesSnapshots: boolean = true;

  /** Loads the whole session (undefined when it does not exist yet). Override for a simple custom backend. */
  protected loadSnapshot(): Promise<SessionSnapshot | undefined> {
    throw new StorageNotImplementedError({
      storageClass: this.constructor.name,
      method: 'loadSnapshot',
      alternative: 'the record-level read methods',
    });
  }

  /** Saves the whole session. Override for a simple custom backend. */
  protected saveSnapshot(_snapshot: SessionSnapshot): Promise<void> {
    throw new StorageNotImplementedError({ storageClass: this.constructor.name, method: 'saveSnapshot', alternative: 'writeChanges()' });
  }

  private async snapshot(): Promise<SessionSnapshot> {
    const tx = this.heldTransaction();
    const locked = tx === undefined ? undefined : lockedSnapshots.get(tx);
    return locked ?? (await this.loadSnapshot()) ?? emptySnapshot();
  }

  // ------------------------------------------------------ record-level API

  /** Every task entry of the session. */
  async readTaskEntries(): Promise<Record<string, TaskConfigEntry>> {
    return (await this.snapshot()).tasks;
  }

  /**
   * The task entries of the given names (missing names are left out). A
   * remote backend overrides it so reading one instance does not fetch the
   * whole configuration (a session may configure thousands of tasks).
   */
  async readTaskEntriesByName(names: string[]): Promise<Record<string, TaskConfigEntry>> {
    const entries = await this.readTaskEntries();
    const out: Record<string, TaskConfigEntry> = {};
    for (const name of names) if (Object.hasOwn(entries, name)) out[name] = entries[name];
    return out;
  }

  /** Instance records by name, `undefined` where none exists. */
  async readInstanceRecords(names: string[]): Promise<Array<InstanceRecord | undefined>> {
    const snapshot = await this.snapshot();
    return names.map((name) => snapshot.instances[name]);
  }

  /** Every instance record (inspection only: this grows with history). */
  async readAllInstanceRecords(): Promise<InstanceRecord[]> {
    return Object.values((await this.snapshot()).instances);
  }

  /** Unstarted instance records of the given tasks. */
  async readUnstartedInstances(tasks: string[]): Promise<InstanceRecord[]> {
    const wanted = new Set(tasks);
    return (await this.readAllInstanceRecords()).filter(
      (record) => wanted.has(record.task) && record.status === TaskStatus.Unstarted,
    );
  }

  /** Number of instances ever created per task. */
  async readInstanceCounts(tasks: string[]): Promise<Record<string, number>> {
    const counts = (await this.snapshot()).instanceCounts;
    return Object.fromEntries(tasks.map((task) => [task, counts[task] ?? 0]));
  }

  /** Latest kwargs per trigger (all of them, or only `triggers`). */
  async readLatestKwargs(triggers?: string[]): Promise<Record<string, Kwargs>> {
    const latest = (await this.snapshot()).latestKwargs;
    if (triggers === undefined) return { ...latest };
    return Object.fromEntries(triggers.filter((t) => Object.hasOwn(latest, t)).map((t) => [t, latest[t]]));
  }

  /**
   * Everything `fire(trigger)` reads. Composed from the methods above by
   * default; a remote backend overrides it to answer in one round trip.
   */
  async readForFire(trigger: string): Promise<FireReadSet> {
    const tasks = await this.readTaskEntries();
    const { using, mentioned } = FireIndex.build(Object.entries(tasks)).get(trigger);
    const [unstarted, instanceCounts, latestKwargs] = await Promise.all([
      this.readUnstartedInstances([...using]),
      this.readInstanceCounts([...using]),
      this.readLatestKwargs([...mentioned]),
    ]);
    return { tasks, using: [...using], unstarted, instanceCounts, latestKwargs };
  }

  /**
   * A worker's start step in one go, for a backend that can do it without
   * the lock round trips: if `name` is `scheduled`, moves it to `running`
   * exactly as {@link TriggerManager.startInstance} does under the lock
   * (`metadata.actualKwargs` = the task's `withParams` merged with the
   * kwargs, `lastModified` and `running` stamped with `now`) and returns it;
   * `'not-scheduled'` when it is not (nothing written).
   *
   * Returns `undefined` — nothing written — whenever the backend cannot
   * decide on its own (the default; the Redis backend when the lock is held
   * or a waiter is queued, or the record is unusual): the manager then takes
   * the locked path, which also raises the unknown-instance errors.
   */
  startScheduledInstance(_name: string, _now: Date, _operationId?: string): Promise<TaskInstance | 'not-scheduled' | undefined> {
    return Promise.resolve(undefined);
  }

  /**
   * Whether this backend remembers applied operations by id for a bounded
   * window (records {@link SessionChanges.operation} and answers
   * {@link readAppliedOutcome}), so `fire(..., { idempotencyKey })` is
   * applied once per key. False by default: a keyed fire is then refused
   * with `InvalidIdempotencyKeyError`.
   */
  get remembersOperations(): boolean {
    return false;
  }

  /**
   * The outcome text recorded when operation `operationId` was applied to
   * this session within the backend's window, or undefined (never, or
   * forgotten). The default remembers nothing.
   */
  readAppliedOutcome(_operationId: string): Promise<string | undefined> {
    return Promise.resolve(undefined);
  }

  /**
   * Applies a whole operation (a status change, a fire, or both) in one
   * atomic step without taking the lock, for a backend that can do that
   * server-side (the Redis backend, with one script). Returns `undefined`
   * — having changed nothing — whenever it cannot (the default; the Redis
   * backend while the lock is held or waited for, or when its cached
   * configuration is stale); the manager then runs the same operation under
   * the lock, which also raises the errors (unknown instance, runner...).
   */
  applyAtomically(_operation: AtomicOperation): Promise<AtomicOutcome | undefined> {
    return Promise.resolve(undefined);
  }

  /**
   * Whether {@link applyAtomically} may ever apply anything: false by
   * default, so the manager does not even prepare an attempt (the embedded
   * path stays as cheap as before).
   */
  get appliesAtomically(): boolean {
    return false;
  }

  /** Applies one operation's writes atomically. */
  async writeChanges(changes: SessionChanges): Promise<void> {
    const snapshot = structuredClone(await this.snapshot());
    Object.assign(snapshot.tasks, changes.tasks);
    Object.assign(snapshot.latestKwargs, changes.latestKwargs);
    Object.assign(snapshot.instanceCounts, changes.instanceCounts);
    for (const record of changes.instances) snapshot.instances[record.name] = record;
    await this.saveSnapshot(snapshot);
    const tx = this.heldTransaction();
    if (tx !== undefined && lockedSnapshots.has(tx)) lockedSnapshots.set(tx, snapshot);
  }

  /** Deletes every record of the session. */
  async deleteSession(): Promise<void> {
    await this.withLock(async () => this.saveSnapshot(emptySnapshot()));
  }

  /**
   * Listings across sessions (instances by status, sessions by activity),
   * when the backend keeps them; undefined by default. Needs no opened
   * session: it answers for every session the backend can reach.
   */
  directory(): StorageDirectory | undefined {
    return undefined;
  }

  // --------------------------------------------------------- inspection API

  /** The session's task configs by name. */
  async getTasks(): Promise<Record<string, TaskConfig>> {
    const entries = await this.readTaskEntries();
    return Object.fromEntries(Object.entries(entries).map(([name, entry]) => [name, TaskConfig.fromEntry(name, entry)]));
  }

  /**
   * One instance, read with its own task's entry only (not the whole
   * configuration), through the same lookup the manager uses under the lock.
   *
   * @throws UnknownInstanceError naming the session and instance
   */
  getInstance(name: string): Promise<TaskInstance> {
    return new SessionTransaction(this).instance(name);
  }

  /** Every instance, ordered by task then instance number. */
  async getInstances(): Promise<TaskInstance[]> {
    const [tasks, records] = await Promise.all([this.getTasks(), this.readAllInstanceRecords()]);
    return records
      .filter((record) => tasks[record.task] !== undefined)
      .map((record) => TaskInstance.fromRecord(record, tasks[record.task]))
      .sort(TaskInstance.compare);
  }

  /** Instances of one task (by name or config). */
  async instancesOfTask(task: string | TaskConfig): Promise<TaskInstance[]> {
    const name = typeof task === 'string' ? task : task.name;
    return (await this.getInstances()).filter((instance) => instance.taskName === name);
  }

  /** Tasks with no instance yet, or with at least one unresolved instance. */
  async getUnresolvedTasks(): Promise<TaskConfig[]> {
    const [tasks, instances] = await Promise.all([this.getTasks(), this.getInstances()]);
    const hasInstance = new Set<string>();
    const unresolved = new Set<string>();
    for (const instance of instances) {
      hasInstance.add(instance.taskName);
      if (!instance.isResolved) unresolved.add(instance.taskName);
    }
    return Object.values(tasks)
      .filter((task) => !hasInstance.has(task.name) || unresolved.has(task.name))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Instances not yet finished, abandoned, skipped or replayed. */
  async getUnresolvedInstances(): Promise<TaskInstance[]> {
    return (await this.getInstances()).filter((instance) => !instance.isResolved);
  }

  /**
   * Instances that logged at `error` or above, whose logs nobody marked
   * resolved, and whose status still matters: a `replayed` or `skipped`
   * instance was already dealt with by an operator, so it is left out.
   */
  async getInstancesWithUnresolvedLogs(): Promise<TaskInstance[]> {
    return (await this.getInstances()).filter(
      (instance) =>
        logLevelRank(instance.logLevel) >= logLevelRank('error') &&
        !instance.logsResolved &&
        instance.status !== TaskStatus.Replayed &&
        instance.status !== TaskStatus.Skipped,
    );
  }

  /** Latest kwargs of every trigger fired in the session. */
  async getLatestKwargs(): Promise<Record<string, Kwargs>> {
    return this.readLatestKwargs();
  }

  /** Everything in the session, as plain JSON, for debugging. */
  async debugRepr(): Promise<{ uid: string; tasks: Record<string, TaskConfigEntry>; instances: Record<string, InstanceRecord>; latestKwargs: Record<string, Kwargs> }> {
    const [tasks, instances, latestKwargs] = await Promise.all([this.readTaskEntries(), this.getInstances(), this.readLatestKwargs()]);
    return {
      uid: this.uid,
      tasks,
      instances: Object.fromEntries(instances.map((instance) => [instance.name, instance.toRecord()])),
      latestKwargs,
    };
  }
}

