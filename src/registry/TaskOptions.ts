/** Options of {@link TriggerTask}. */
export interface TriggerTaskOptions {
  /** Name a configuration's `run` uses; defaults to the class name. */
  name?: string;
  /** Runner for this task unless its configuration says `using`. */
  using?: string;
  /** How many times `retry()` may replay an instance (default 3). */
  maxRetries?: number;
  /** BullMQ queue for this task's jobs unless its configuration says `queue`. */
  queue?: string;
  /**
   * Re-run an instance automatically when the worker running it died
   * (default false: it fails with `WorkerLostError`). Only for tasks that are
   * safe to run again after a partial run; counted as a replay, up to
   * `maxRetries`.
   */
  retryOnWorkerLoss?: boolean;
}

/** Options as recorded, with defaults applied (what the registry and the runners read). */
export interface ResolvedTaskOptions {
  /** Registered name (the class name unless given). */
  name: string;
  /** Runner for this task unless its configuration says `using`. */
  using?: string;
  /** How many replays `retry()` may cause. */
  maxRetries: number;
  /** BullMQ queue for this task's jobs unless its configuration or a router says otherwise. */
  queue?: string;
  /** Whether an instance whose worker died is replayed automatically (bounded by `maxRetries`). */
  retryOnWorkerLoss: boolean;
}

/** Default of {@link TriggerTaskOptions.maxRetries}. */
export const DEFAULT_MAX_RETRIES = 3;
