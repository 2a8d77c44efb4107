import { inject } from 'inversify';
import { ExecutionContext } from '../context/ExecutionContext';
import { TRIGGERS } from '../registry/tokens';
import { JoinFromTaskError } from '../errors';
import type { TriggerManager } from '../manager/TriggerManager';
import { OperationScope } from '../manager/OperationScope';
import type { TaskInstance } from '../model';
import type { TaskExecutor } from '../tasks/TaskExecutor';
import { BaseTaskRunner } from './BaseTaskRunner';
import { Runner } from './Runner';
import { payloadFor } from './TaskJobPayload';

/**
 * Runs instances asynchronously in this process, with no Redis or BullMQ:
 * the runner of tests and of the embedded demo.
 *
 * An instance starts only after the operation that scheduled it (the whole
 * `fire`, replay or skip, hooks included) returned, so statuses and hooks
 * happen in a fixed order. It goes through the same `TaskExecutor` path a
 * remote worker uses (manager rebuilt by registered type name). Cooldowns
 * are ignored unless `honourCooldown` is set.
 */
@Runner('threading')
export class ThreadingTaskRunner extends BaseTaskRunner {
  private static readonly inFlight = new Set<Promise<void>>();
  private static readonly failures: unknown[] = [];

  /** Wait `instance.cooldown` seconds before starting (off by default, for fast tests). */
  honourCooldown = false;

  constructor(@inject(TRIGGERS.TaskExecutor) private readonly executor: TaskExecutor) {
    super();
  }

  /** Execution always starts later: after the operation (in-process) or on a worker (BullMQ). */
  override get defersExecution(): boolean {
    return true;
  }

  override async run(manager: TriggerManager, instance: TaskInstance): Promise<void> {
    const payload = payloadFor(manager, instance);
    const delayMs = this.honourCooldown ? instance.cooldown * 1000 : 0;
    let resolve!: () => void;
    const done = new Promise<void>((settle) => (resolve = settle));
    ThreadingTaskRunner.inFlight.add(done);
    // Leaves the in-flight set before `done` settles, so a joinAll() woken by
    // it never waits for it again (one callback, no extra promise per task).
    const finish = (): void => {
      ThreadingTaskRunner.inFlight.delete(done);
      resolve();
    };
    const fail = (error: unknown): void => {
      ThreadingTaskRunner.failures.push(error);
      finish();
    };
    OperationScope.defer(() => {
      // The task's own context: no operation, no lock of the operation that
      // scheduled it, and its instance name for joinAll()'s self-wait check.
      const start = (): void => {
        ExecutionContext.runTask(payload.instance, () => this.executor.execute(payload)).then(finish, fail);
      };
      if (delayMs > 0) setTimeout(start, delayMs);
      else setImmediate(start);
    });
  }

  /**
   * Waits until every instance this runner accepted, and every cascade they
   * cause, has finished. Rejects with the framework errors raised while
   * running them (an unknown runner in a cascade, an unreachable instance);
   * task failures are not errors here, they are recorded on the instances.
   *
   * @throws JoinFromTaskError when called from inside a task it would wait for
   */
  static async joinAll(): Promise<void> {
    const current = ExecutionContext.current().task;
    if (current !== undefined) {
      throw new JoinFromTaskError({ instance: current });
    }
    while (ThreadingTaskRunner.inFlight.size > 0) {
      await Promise.all([...ThreadingTaskRunner.inFlight]);
    }
    const failures = ThreadingTaskRunner.failures.splice(0);
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, `${failures.length} errors while running tasks in process`);
  }

  /** Number of instances accepted and not yet finished. */
  static get pendingCount(): number {
    return ThreadingTaskRunner.inFlight.size;
  }
}
