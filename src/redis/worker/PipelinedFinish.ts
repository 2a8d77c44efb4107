import type { Redis } from 'ioredis';
import type { TaskStatus } from '../../model';

/**
 * A worker's offer to send the finish of the job it is running on the
 * connection BullMQ completes that job on, right ahead of BullMQ's own
 * `moveToFinished`, without waiting for the reply in between (see
 * {@link RedisConnection.offerPipelinedFinish}). Both commands then share
 * one round trip, and Redis runs the finish first.
 *
 * It is safe because the finish script, when it declines (it then writes
 * nothing and the manager finishes under the lock instead), deletes the
 * job's BullMQ lock: BullMQ's `moveToFinished` that follows fails instead
 * of completing the job, and BullMQ's stalled check re-delivers it later,
 * to a worker that finds the instance already resolved (or, if this process
 * died before it finished, `running`: failed with `WorkerLostError`, as for
 * any worker that dies mid-task). A job is never completed before its
 * outcome is recorded.
 */
export interface PipelinedFinish {
  /** The job's BullMQ lock key (`<queue key prefix><job id>:lock`). */
  readonly jobLockKey: string;
  /**
   * Runs `command` (which must write its one Redis command synchronously)
   * on the connection BullMQ completes the job on, and returns its reply.
   * The offerer may hold the write back until the current run of
   * microtasks is over, so that BullMQ's `moveToFinished` (and other jobs'
   * finishes issued in the same turn) leave in the same socket write.
   * `status` is the status the finish records: the worker completes the
   * job, or fails it when that is `failed`, right behind it.
   */
  send<T>(command: (redis: Redis) => Promise<T>, status: TaskStatus): Promise<T>;
  /** Called when that script declined (and so deleted the job's lock). */
  declined(): void;
}
