import type { InstanceMetadata } from './InstanceMetadata';
import type { InstanceRecord } from './InstanceRecord';
import type { Kwargs, TriggerKwargs } from './Kwargs';
import type { LogLevel } from './LogLevel';
import type { TaskConfig } from './TaskConfig';
import { RESOLVED_STATUSES, TaskStatus } from './TaskStatus';
import { deepMerge } from './deepMerge';
import { jsonCopy } from './jsonCopy';

/**
 * One execution of a task, named `<task>#<n>`.
 *
 * Instances are plain state plus the derived flags the manager decides with;
 * they are loaded from and saved to storage as {@link InstanceRecord}s and
 * are never shared between callers (each load is a fresh copy).
 */
export class TaskInstance {
  constructor(
    readonly name: string,
    readonly config: TaskConfig,
    public status: TaskStatus,
    public kwargs: TriggerKwargs,
    public abandonState: Set<string>,
    public metadata: InstanceMetadata,
  ) {}

  /** Instance name for the `n`-th instance of `task`. */
  static nameFor(task: string, n: number): string {
    return `${task}#${n}`;
  }

  /**
   * The inverse of {@link nameFor}: the task name and number an instance name
   * encodes (task names may contain `#`; the number follows the last one).
   * Undefined for a string that is not an instance name.
   */
  static parseName(name: string): { task: string; n: number } | undefined {
    const cut = name.lastIndexOf('#');
    if (cut <= 0) return undefined;
    const n = Number(name.slice(cut + 1));
    return Number.isInteger(n) && n >= 0 ? { task: name.slice(0, cut), n } : undefined;
  }

  /** Orders instances by task name, then by number (`#2` before `#10`). */
  static compare(a: TaskInstance, b: TaskInstance): number {
    if (a.taskName !== b.taskName) return a.taskName < b.taskName ? -1 : 1;
    return (TaskInstance.parseName(a.name)?.n ?? 0) - (TaskInstance.parseName(b.name)?.n ?? 0);
  }

  /** The task name this instance belongs to. */
  get taskName(): string {
    return this.config.name;
  }

  /** Still waiting: triggers may apply and it may be scheduled or abandoned. */
  get canSchedule(): boolean {
    return this.status === TaskStatus.Unstarted;
  }

  /** Every `unless` trigger has fired while it waited. */
  get canAbandon(): boolean {
    if (!this.canSchedule || this.config.unless.size === 0) return false;
    for (const trigger of this.config.unless) if (!this.abandonState.has(trigger)) return false;
    return true;
  }

  /** Every `after` trigger has fired and it is not to be abandoned. */
  get canRun(): boolean {
    if (!this.canSchedule) return false;
    for (const trigger of this.config.after) if (!Object.hasOwn(this.kwargs, trigger)) return false;
    return !this.canAbandon;
  }

  /** Only failed instances can be replayed. */
  get canReplay(): boolean {
    return this.status === TaskStatus.Failed;
  }

  /** Only failed instances can be skipped. */
  get canSkip(): boolean {
    return this.status === TaskStatus.Failed;
  }

  /** Finished, abandoned, skipped or replayed: nothing left to do. */
  get isResolved(): boolean {
    return RESOLVED_STATUSES.has(this.status);
  }

  /** Number of replay ancestors. */
  get depth(): number {
    return typeof this.metadata.depth === 'number' ? this.metadata.depth : 0;
  }

  /** Seconds the runner should wait before starting it. */
  get cooldown(): number {
    return typeof this.metadata.cooldown === 'number' ? this.metadata.cooldown : 0;
  }

  /** Most severe level the task logged, if any. */
  get logLevel(): LogLevel | undefined {
    return this.metadata.logLevel;
  }

  /** Whether an operator marked the logs as looked at. */
  get logsResolved(): boolean {
    return this.metadata.logsResolved === true;
  }

  /**
   * Applies a firing to this instance while it can still be scheduled:
   * stores the kwargs of an `after` trigger not yet received and records an
   * `unless` trigger not yet seen.
   *
   * @returns whether anything was applied
   */
  applyTrigger(trigger: string, kwargs: Kwargs): boolean {
    if (!this.canSchedule) return false;
    let applied = false;
    if (this.config.after.has(trigger) && !Object.hasOwn(this.kwargs, trigger)) {
      this.kwargs[trigger] = kwargs;
      applied = true;
    }
    if (this.config.unless.has(trigger) && !this.abandonState.has(trigger)) {
      this.abandonState.add(trigger);
      applied = true;
    }
    return applied;
  }

  /**
   * The worker's start (docs/tasks.md, the lifecycle's first step): records the kwargs the task runs
   * with (`actualKwargs`: the task's `withParams` deep-merged under the
   * instance's kwargs) and moves to `running`. One definition for every path
   * that starts an instance, so they write the same record.
   */
  start(now: Date = new Date()): void {
    this.metadata = { ...this.metadata, actualKwargs: deepMerge(this.config.withParams, this.kwargs) };
    this.setStatus(TaskStatus.Running, now);
  }

  /**
   * A status change with metadata (`updateInstanceStatus`, a task's
   * outcome): merges a private copy of `metadata` over the instance's, then
   * sets the status. One definition for every path that records one.
   * `metadata` is JSON data (every caller checked it), so it is copied as
   * the JSON round trip the record takes anyway would copy it.
   */
  changeStatus(status: TaskStatus, metadata: Readonly<Record<string, unknown>>, now: Date = new Date()): void {
    this.metadata = { ...this.metadata, ...jsonCopy(metadata) };
    this.setStatus(status, now);
  }

  /**
   * Sets the status and stamps `lastModified` and the status's own timestamp.
   * Every status change in the framework goes through here.
   */
  setStatus(status: TaskStatus, now: Date = new Date()): void {
    this.status = status;
    this.touch(now, status);
  }

  /** Stamps `lastModified` (and optionally a status timestamp). */
  touch(now: Date = new Date(), status?: TaskStatus): void {
    const iso = isoTimestamp(now);
    const timestamps = { ...(this.metadata.timestamps ?? {}) };
    timestamps.lastModified = iso;
    if (status !== undefined) timestamps[status] = iso;
    this.metadata.timestamps = timestamps;
  }

  /** The storable JSON form. */
  toRecord(): InstanceRecord {
    return {
      name: this.name,
      task: this.config.name,
      status: this.status,
      kwargs: this.kwargs,
      abandonState: [...this.abandonState],
      metadata: this.metadata,
    };
  }

  /** Rebuilds an instance from its record, attached to the task's current config. */
  static fromRecord(record: InstanceRecord, config: TaskConfig): TaskInstance {
    return new TaskInstance(
      record.name,
      config,
      record.status,
      record.kwargs,
      new Set(record.abandonState),
      record.metadata,
    );
  }

  /** A new, unstarted instance with `created` stamped. */
  static create(config: TaskConfig, n: number, metadata: InstanceMetadata = {}, now: Date = new Date()): TaskInstance {
    const iso = isoTimestamp(now);
    return new TaskInstance(TaskInstance.nameFor(config.name, n), config, TaskStatus.Unstarted, {}, new Set(), {
      ...metadata,
      timestamps: { created: iso, lastModified: iso, [TaskStatus.Unstarted]: iso },
    });
  }
}

let lastStampMs = Number.NaN;
let lastStamp = '';

/**
 * `now.toISOString()`, remembered for the last millisecond formatted: an
 * operation stamps several instances and statuses within one millisecond,
 * and formatting dominates {@link TaskInstance.touch} (a run to completion
 * stamps four times). (An invalid
 * date still throws, NaN never equals the remembered time; a Date subclass
 * is formatted by its own method.)
 */
function isoTimestamp(now: Date): string {
  if (Object.getPrototypeOf(now) !== Date.prototype) return now.toISOString();
  const ms = now.getTime();
  if (ms !== lastStampMs) {
    lastStamp = now.toISOString();
    lastStampMs = ms;
  }
  return lastStamp;
}
