import type { Kwargs, TaskConfig, TaskInstance, TaskStatus } from '../model';

/**
 * A whole manager operation a backend may apply in one atomic step, with
 * no lock round trips (see {@link StorageBackend.applyAtomically}): first an
 * optional status change of one instance, then an optional fire. It is the
 * same change the manager makes under the lock (a fire's steps, see
 * docs/firing.md, and `updateInstanceStatus`); the manager hands the instances it scheduled to
 * their runners afterwards.
 */
export interface AtomicOperation {
  /** Sets `status` on instance `name` and merges `metadata` into its metadata (as `updateInstanceStatus`). */
  readonly update?: { readonly name: string; readonly status: TaskStatus; readonly metadata: Readonly<Record<string, unknown>> };
  /** Then fires `trigger` with `kwargs` (for an update: the instance's task name, a cascade). */
  readonly fire?: { readonly trigger: string; readonly kwargs: Kwargs };
  /**
   * The operation's id (docs/ARCHITECTURE.md, "Operation ids"): a backend
   * that remembers applied operations applies it once and answers a repeat
   * with the first outcome ({@link AtomicOutcome.repeated}).
   */
  readonly operationId?: string;
  /** The time stamped on every change. */
  readonly now: Date;
  /** The registered name of the manager applying it (what the job payloads of its instances name). */
  readonly managerType: string;
  /**
   * Whether an instance of `task` that becomes ready may be handed to its
   * runner after the step, outside any lock: its runner resolves and only
   * defers execution. The backend asks for every task the fire concerns
   * before changing anything, and declines when one answers false.
   */
  canHandOff(task: TaskConfig): boolean;
  /**
   * The runner that accepts ready instances of `task` (asked after
   * `canHandOff` answered true). A backend that recognises the runner may
   * enqueue those instances itself, in the same atomic step, and report
   * them in {@link AtomicOutcome.enqueued}; any other backend ignores it.
   */
  runnerOf(task: TaskConfig): object | undefined;
}

/** What an applied {@link AtomicOperation} changed. */
export interface AtomicOutcome {
  /** The updated instance, when the operation had an update. */
  readonly updated?: TaskInstance;
  /** The instances the fire made ready, now `scheduled`, in scheduling order. */
  readonly scheduled: TaskInstance[];
  /** Names of the scheduled instances the backend already enqueued (recognising {@link AtomicOperation.runnerOf}): no runner call. */
  readonly enqueued?: ReadonlySet<string>;
  /**
   * True when the operation id had been applied before and nothing was
   * written: `scheduled` are the instances that application scheduled, as
   * they are now, and `enqueued` holds those that need no runner call (their
   * job was added then, or they are no longer `scheduled`).
   */
  readonly repeated?: boolean;
}
