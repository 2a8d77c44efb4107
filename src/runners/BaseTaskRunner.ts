import { injectable } from 'inversify';
import type { InstanceRunner, TriggerManager } from '../manager/TriggerManager';
import type { TaskInstance } from '../model';

/**
 * A way to execute scheduled instances: queue them on BullMQ, run them in
 * this process, or anything else. `run` is called inside the session lock,
 * so it must only *accept* the instance (enqueue it, defer it) and return;
 * the task itself runs later, through `TaskExecutor`, which takes the lock
 * again. A runner that executes in this process starts the execution on a
 * later turn of the event loop (`setImmediate`, ideally wrapped in
 * `StorageBackend.outsideLocks`); `TaskExecutor.execute` refuses with
 * `RunnerConfigurationError` when called while the lock is still held.
 * Register a subclass with `@Runner('name')`.
 */
@injectable()
export abstract class BaseTaskRunner implements InstanceRunner {
  /**
   * Whether `run` only accepts the instance (queues or defers it) and never
   * executes the task before returning. A runner that says so may be handed
   * instances right after a fire that a storage applied in one atomic step
   * (the Redis backend's script) instead of inside the lock; the built-in
   * runners do. Leave it false unless that holds: such a runner is always
   * called inside the lock, where executing a task is detected and refused.
   */
  get defersExecution(): boolean {
    return false;
  }

  /** Accepts `instance` for execution; throwing refuses it (the instance fails). */
  abstract run(manager: TriggerManager, instance: TaskInstance): Promise<void>;
}
