import { hash } from 'node:crypto';
import { Queue } from 'bullmq';
import type { JobsOptions } from 'bullmq';
import { inject, optional } from 'inversify';
import { TRIGGERS } from '../container/tokens';
import { TriggerRegistry } from '../container/TriggerRegistry';
import type { RedisSettings } from '../container/RedisSettings';
import { RunnerConfigurationError } from '../errors';
import type { TriggerManager } from '../manager/TriggerManager';
import type { TaskInstance } from '../model';
import type { ResolvedTaskOptions } from '../tasks/TriggerTask';
import { BaseTaskRunner } from './BaseTaskRunner';
import { DEFAULT_QUEUE } from './BullMQRunnerOptions';
import type { BullMQRunnerOptions } from './BullMQRunnerOptions';
import type { QueueRouter } from './QueueRouter';
import { Runner } from './Runner';
import { bullmqConnection, bullmqPrefix } from './bullmqConnection';
import { payloadFor } from './TaskJobPayload';
import type { TaskJobPayload } from './TaskJobPayload';

const ONE_DAY_SECONDS = 24 * 3600;

/**
 * The production runner: adds one BullMQ job per scheduled instance, which
 * a `TriggerWorker` in any process consumes (`triggers worker` CLI).
 *
 * - **Job id**: deterministic, {@link BullMQTaskRunner.jobIdFor}(prefix, uid,
 *   instance). BullMQ ignores an `add` whose id already exists, so scheduling
 *   the same instance twice queues one job; the worker only starts an
 *   instance that is still `scheduled`, so even a re-added job never runs a
 *   task twice.
 * - **Delay**: the instance's `cooldown` seconds.
 * - **Attempts**: one. Retries are the framework's replays (a new instance,
 *   a new job, `depth` + 1, carried in the job data as `depth`).
 * - **Queue**: the configuration's `queue` directive, else the router bound
 *   to `TRIGGERS.QueueRouter`, else the task class's `@TriggerTask({ queue })`,
 *   else the default queue (`triggers`). Queues live under the BullMQ prefix
 *   `<prefix>:bull`.
 * - **Refused modes**: it never runs a task synchronously inside the
 *   session lock it is called under; asking for it (`inline`,
 *   `waitForCompletion`) throws {@link RunnerConfigurationError} when the
 *   runner is resolved, so `fire` fails before any status changes.
 *
 * One runner (and one cached `Queue` per queue name) per container; call
 * {@link close} when the application shuts down.
 */
@Runner('bullmq')
export class BullMQTaskRunner extends BaseTaskRunner {
  private readonly queues = new Map<string, Queue<TaskJobPayload>>();
  private readonly options: BullMQRunnerOptions;
  private closed = false;

  constructor(
    @inject(TRIGGERS.RedisSettings) @optional() private readonly settings: RedisSettings | undefined,
    @inject(TRIGGERS.QueueRouter) @optional() private readonly router: QueueRouter | undefined,
    @inject(TRIGGERS.BullMQOptions) @optional() options: BullMQRunnerOptions | undefined,
  ) {
    super();
    this.options = options ?? {};
    BullMQTaskRunner.refuseSynchronousModes(this.options);
  }

  /**
   * The job id of `instance` of session `uid` under `prefix`: `i-` and the
   * SHA-256 of the JSON triple. Safe for any uid (colons, unicode, lone
   * surrogates, kilobytes): it never contains `:` (which BullMQ forbids),
   * is never an integer, and never equals a BullMQ key name.
   *
   * One-shot `crypto.hash` (same digest as `createHash().update().digest()`):
   * it skips building a Hash object, ~1.2 us instead of ~3.4 us per job.
   */
  static jobIdFor(prefix: string, uid: string, instance: string): string {
    return `i-${hash('sha256', JSON.stringify([prefix, uid, instance]), 'hex')}`;
  }

  /** Execution always starts later: after the operation (in-process) or on a worker (BullMQ). */
  override get defersExecution(): boolean {
    return true;
  }

  override async run(manager: TriggerManager, instance: TaskInstance): Promise<void> {
    const settings = this.redisSettings();
    const payload = payloadFor(manager, instance);
    const queue = this.queue(this.queueNameFor(manager, instance));
    const options: JobsOptions = {
      jobId: BullMQTaskRunner.jobIdFor(settings.prefix, payload.uid, payload.instance),
      delay: Math.max(0, Math.round(instance.cooldown * 1000)) || 0,
      attempts: 1,
      removeOnComplete: this.options.removeOnComplete ?? { age: ONE_DAY_SECONDS },
      removeOnFail: this.options.removeOnFail ?? { age: 7 * ONE_DAY_SECONDS },
    };
    await queue.add(instance.config.run, payload, options);
  }

  /**
   * The queue `instance` goes to: configuration `queue` directive > router >
   * task class `queue` option > default queue.
   *
   * @throws RunnerConfigurationError for an empty name or one containing `:` (BullMQ refuses those)
   */
  queueNameFor(manager: TriggerManager, instance: TaskInstance): string {
    const fromConfig = instance.config.extras.queue;
    if (fromConfig !== undefined) return checkQueueName(fromConfig, `the "queue" directive of task "${instance.taskName}"`);
    const fromRouter = this.router?.(instance, manager);
    if (fromRouter !== undefined) return checkQueueName(fromRouter, `the queue router (for instance "${instance.name}")`);
    const classOptions = TriggerRegistry.global.get<ResolvedTaskOptions>('task', instance.config.run)?.options;
    if (classOptions?.queue !== undefined) return checkQueueName(classOptions.queue, `@TriggerTask({ queue }) of "${instance.config.run}"`);
    return checkQueueName(this.options.defaultQueue ?? DEFAULT_QUEUE, 'the default queue option');
  }

  /** The (cached) BullMQ queue called `name` under this container's prefix. */
  queue(name: string): Queue<TaskJobPayload> {
    if (this.closed) throw new RunnerConfigurationError('The BullMQ runner was closed: it cannot enqueue more jobs');
    let queue = this.queues.get(name);
    if (queue === undefined) {
      const settings = this.redisSettings();
      queue = new Queue<TaskJobPayload>(name, { connection: bullmqConnection(settings), prefix: bullmqPrefix(settings) });
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Closes every queue this runner opened (their Redis connections). Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    const queues = [...this.queues.values()];
    this.queues.clear();
    await Promise.all(queues.map((queue) => queue.close()));
  }

  private redisSettings(): RedisSettings {
    if (this.settings === undefined) {
      throw new RunnerConfigurationError(
        'The "bullmq" runner needs Redis: create the container with createTriggersContainer({ redis: "redis://host:port" })',
      );
    }
    return this.settings;
  }

  private static refuseSynchronousModes(options: BullMQRunnerOptions): void {
    if (options.inline === true) {
      throw new RunnerConfigurationError(
        'BullMQTaskRunner refuses "inline": it would run the task synchronously inside the session lock held by ' +
          'fire/replay, and the task immediately needs that lock to start: a deadlock. Use the "threading" runner ' +
          'to run tasks in this process, or run a TriggerWorker.',
      );
    }
    if (options.waitForCompletion === true) {
      throw new RunnerConfigurationError(
        'BullMQTaskRunner refuses "waitForCompletion": fire/replay would wait for the job while holding the session ' +
          'lock, and the worker must take that lock to start the task: a deadlock until the lock times out. ' +
          'Put follow-up logic in a task triggered by the cascade instead.',
      );
    }
  }
}

function checkQueueName(name: unknown, source: string): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new RunnerConfigurationError(`Queue name from ${source} must be a non-empty string, got ${JSON.stringify(name)}`);
  }
  if (name.includes(':')) {
    throw new RunnerConfigurationError(`Queue name ${JSON.stringify(name)} from ${source} must not contain ":" (BullMQ forbids it)`);
  }
  return name;
}
