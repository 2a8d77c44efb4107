import type { KeepJobs } from 'bullmq';

/**
 * Options of the BullMQ runner (bind to `TRIGGERS.BullMQOptions`, or pass
 * `bullmq` to `createTriggersContainer`).
 */
export interface BullMQRunnerOptions {
  /** Queue used when nothing routes the instance elsewhere (default `triggers`). */
  defaultQueue?: string;
  /**
   * How long finished jobs stay in Redis (default: one day). While a job is
   * kept, scheduling its instance again is a no-op at the queue level too.
   */
  removeOnComplete?: KeepJobs;
  /** How long failed jobs (malformed payloads, lost workers) stay in Redis (default: one week). */
  removeOnFail?: KeepJobs;
  /**
   * Refused. Would execute the task right away in the calling process instead
   * of enqueueing it (Celery's `task_always_eager`). The runner is called
   * inside the session lock and the task's first step takes that lock again:
   * it would deadlock. Use the `threading` runner to run tasks in-process.
   */
  inline?: boolean;
  /**
   * Refused. Would enqueue the job and wait for a worker to finish it before
   * returning. The worker needs the session lock the caller is holding while
   * it waits: it would deadlock until the lock times out.
   */
  waitForCompletion?: boolean;
}

/** Default of {@link BullMQRunnerOptions.defaultQueue}. */
export const DEFAULT_QUEUE = 'triggers';
