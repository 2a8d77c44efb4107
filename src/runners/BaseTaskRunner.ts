import { injectable } from 'inversify';
import type { TriggerManager } from '../manager/TriggerManager';
import type { TaskConfig, TaskInstance } from '../model';
import type { ScriptedJob } from './ScriptedJob';

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
export abstract class BaseTaskRunner {
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

  /**
   * How a storage applying an operation as one server-side script (the
   * Redis backend) may enqueue instances of `task` itself, in the same
   * script that schedules them: atomic with the `scheduled` write and one
   * round trip fewer. Undefined (the default) means `run` is called for each
   * instance, as always. Only asked of runners that {@link defersExecution}.
   */
  scriptedJob(_manager: TriggerManager, _task: TaskConfig): ScriptedJob | undefined {
    return undefined;
  }

  /** Accepts `instance` for execution; throwing refuses it (the instance fails). */
  abstract run(manager: TriggerManager, instance: TaskInstance): Promise<void>;
}
