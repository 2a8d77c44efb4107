import { hash } from 'node:crypto';
import { Queue } from 'bullmq';
import type { JobsOptions } from 'bullmq';
import { inject, optional } from 'inversify';
import { TRIGGERS } from '../../registry/tokens';
import { TriggerRegistry } from '../../registry/TriggerRegistry';
import type { RedisSettings } from '../connection/RedisSettings';
import { RunnerConfigurationError, StorageUnavailableError } from '../../errors';
import { ConnectionHealth, stderrConnectionLog } from '../connection/ConnectionHealth';
import type { RedisConnection } from '../connection/RedisConnection';
import type { Redis } from 'ioredis';
import type { TriggerManager } from '../../manager/TriggerManager';
import type { TaskConfig, TaskInstance } from '../../model';
import type { ResolvedTaskOptions } from '../../registry/TaskOptions';
import { BaseTaskRunner } from '../../runners/BaseTaskRunner';
import { DEFAULT_QUEUE } from './BullMQRunnerOptions';
import type { BullMQRunnerOptions } from './BullMQRunnerOptions';
import type { QueueRouter } from './QueueRouter';
import { Runner } from '../../runners/Runner';
import { bullmqClient, bullmqPrefix } from '../connection/bullmqConnection';
import type { SessionShards } from '../storage/SessionShards';
import { payloadFor } from '../../runners/TaskJobPayload';
import { TriggersTracer } from '../../telemetry/TriggersTracer';
import type { ScriptedJob } from './ScriptedJob';
import { BullMQInternals } from './BullMQInternals';
import { LuaScriptLoader } from '../lua/LuaScriptLoader';
import type { TaskJobPayload } from '../../runners/TaskJobPayload';

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
 * - **Enqueued by the storage**: with Redis storage on the same server, the
 *   storage's script adds the job itself, through BullMQ's own add script,
 *   in the step that marks the instance `scheduled` ({@link scriptedJob});
 *   `run` is called only for what that cannot cover (delays, routers...).
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
  /** {@link jobOptions} without a cooldown, as JSON text, made once for {@link scriptedJob}. */
  private jobOptionsJson?: string;
  private closed = false;
  /** The queues' clients (owned here, watched by the container's connection health). */
  private readonly clients: Redis[] = [];
  private ownHealth?: ConnectionHealth;
  private shards?: SessionShards;

  constructor(
    @inject(TRIGGERS.RedisSettings) @optional() private readonly settings: RedisSettings | undefined,
    @inject(TRIGGERS.QueueRouter) @optional() private readonly router: QueueRouter | undefined,
    @inject(TRIGGERS.BullMQOptions) @optional() options: BullMQRunnerOptions | undefined,
    @inject(TRIGGERS.RedisConnection) @optional() private readonly connection?: RedisConnection,
  ) {
    super();
    this.options = options ?? {};
    BullMQTaskRunner.refuseSynchronousModes(this.options);
  }

  /**
   * The job id of `instance` of session `uid` under `prefix`: `i-` and the
   * SHA-1 of the JSON triple. Safe for any uid (colons, unicode, lone
   * surrogates, kilobytes): it never contains `:` (which BullMQ forbids),
   * is never an integer, and never equals a BullMQ key name. SHA-1 because a
   * Redis script computes the same id (`redis.sha1hex`) when it enqueues
   * the job itself ({@link scriptedJob}); the id only has to be
   * deterministic and distinct, not secret.
   */
  static jobIdFor(prefix: string, uid: string, instance: string): string {
    return `i-${hash('sha1', JSON.stringify([prefix, uid, instance]), 'hex')}`;
  }

  /** Execution always starts later: after the operation (in-process) or on a worker (BullMQ). */
  override get defersExecution(): boolean {
    return true;
  }

  override async run(manager: TriggerManager, instance: TaskInstance): Promise<void> {
    const settings = this.redisSettings();
    const payload = payloadFor(manager, instance);
    const queue = this.queue(this.queueNameFor(manager, instance), payload.uid);
    const jobId = BullMQTaskRunner.jobIdFor(settings.prefix, payload.uid, payload.instance);
    await this.bounded(payload.uid, queue.add(instance.config.run, payload, { jobId, ...this.jobOptions(instance.cooldown) }));
    if (instance.depth > 0) {
      // The job's attempt counter (docs/runners.md) reflects the depth (BullMQ's add cannot set it; BullMQ adds the run itself).
      await this.bounded(payload.uid, BullMQInternals.runOnQueueClient(queue, ATTEMPTS_FROM_DEPTH, [queue.toKey(jobId), instance.depth]));
    }
  }

  /**
   * `sent`, or a {@link StorageUnavailableError} after `operationTimeoutMs`
   * (BullMQ waits for its connection as long as an outage lasts). The add
   * may still happen once Redis is back; the job id makes that the one job
   * of the instance.
   */
  private bounded<T>(uid: string, sent: Promise<T>): Promise<T> {
    const timeoutMs = this.connection?.operationTimeoutMs ?? this.settings?.operationTimeoutMs ?? 10_000;
    const startedAt = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new StorageUnavailableError({ uid, operation: 'enqueue', waitedMs: Date.now() - startedAt, target: this.health().target, maybeApplied: true })),
        timeoutMs,
      );
    });
    return Promise.race([sent, timeout]).finally(() => clearTimeout(timer));
  }

  /** The container's connection health (or this runner's own, for a container without a storage connection). */
  private health(): ConnectionHealth {
    if (this.connection !== undefined) return this.connection.health;
    const settings = this.redisSettings();
    this.ownHealth ??= new ConnectionHealth(settings.endpoint.target, settings.connectionLog ?? stderrConnectionLog);
    return this.ownHealth;
  }

  /**
   * Lets the Redis storage's script enqueue the instances of `task` itself
   * (same job id, data and options as {@link run}, through BullMQ's own add
   * script): when BullMQ's script is available, the queue does not depend
   * on the instance (no router bound), and the runner is open. The storage
   * also checks that it talks to the same Redis server.
   */
  scriptedJob(session: { uid: string; manager: string; storage: string }, task: TaskConfig): ScriptedJob | undefined {
    if (BullMQInternals.installed().addStandardJobLua === undefined || this.closed || this.router !== undefined || this.settings === undefined) return undefined;
    const settings = this.settings;
    const uidJson = JSON.stringify(session.uid);
    return {
      endpoint: settings.endpoint,
      queueKeyPrefix: `${bullmqPrefix(settings, this.shardsOf(settings).shardOf(session.uid))}:${this.taskQueueName(task)}:`,
      jobName: task.run,
      optionsJson: (this.jobOptionsJson ??= JSON.stringify(this.jobOptions(0))),
      jobIdHead: `[${JSON.stringify(settings.prefix)},${uidJson},`,
      payloadHead: `{"uid":${uidJson},"instance":`,
      payloadMiddle: `,"manager":${JSON.stringify(session.manager)},"storage":${JSON.stringify(session.storage)},"kwargs":`,
      payloadTail: traceTail(',"depth":0'),
    };
  }

  /** The options of every job but its id: `cooldown` seconds of delay, one attempt, retention. */
  private jobOptions(cooldown: number): Omit<JobsOptions, 'jobId'> {
    return {
      delay: Math.max(0, Math.round(cooldown * 1000)) || 0,
      attempts: 1,
      removeOnComplete: this.options.removeOnComplete ?? { age: ONE_DAY_SECONDS },
      removeOnFail: this.options.removeOnFail ?? { age: 7 * ONE_DAY_SECONDS },
    };
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
    return this.taskQueueName(instance.config);
  }

  /** The queue of `task` when no router decides: configuration `queue` directive > task class `queue` option > default queue. */
  private taskQueueName(task: TaskConfig): string {
    const fromConfig = task.extras.queue;
    if (fromConfig !== undefined) return checkQueueName(fromConfig, `the "queue" directive of task "${task.name}"`);
    const classOptions = TriggerRegistry.global.get<ResolvedTaskOptions>('task', task.run)?.options;
    if (classOptions?.queue !== undefined) return checkQueueName(classOptions.queue, `@TriggerTask({ queue }) of "${task.run}"`);
    return checkQueueName(this.options.defaultQueue ?? DEFAULT_QUEUE, 'the default queue option');
  }

  /**
   * The (cached) BullMQ queue called `name` under this container's prefix
   * that holds the jobs of session `uid`: on a Redis Cluster each queue
   * exists once per shard, and `uid` picks the session's shard (required
   * there); on a single server there is one.
   */
  queue(name: string, uid?: string): Queue<TaskJobPayload> {
    const shards = this.shardsOf(this.redisSettings());
    if (uid === undefined && shards.sharded) {
      throw new RunnerConfigurationError({ runner: 'bullmq', reason: `On a Redis Cluster, queue "${name}" exists once per shard: name the session (queue(name, uid))` });
    }
    return this.shardQueue(name, uid === undefined ? 0 : shards.shardOf(uid));
  }

  /** Every shard's queue called `name` (one on a single server), e.g. to count a queue's jobs across a Cluster. */
  queuesNamed(name: string): Array<Queue<TaskJobPayload>> {
    return this.shardsOf(this.redisSettings()).all.map((shard) => this.shardQueue(name, shard));
  }

  /** The (cached) queue called `name` in shard `shard`. */
  private shardQueue(name: string, shard: number): Queue<TaskJobPayload> {
    if (this.closed) throw new RunnerConfigurationError({ runner: 'bullmq', reason: 'The BullMQ runner was closed: it cannot enqueue more jobs' });
    const settings = this.redisSettings();
    const cacheKey = `${shard}:${name}`;
    let queue = this.queues.get(cacheKey);
    if (queue === undefined) {
      const health = this.health();
      // One client for every queue of the runner on a Cluster (each would otherwise connect to every master).
      const client = this.shardsOf(settings).sharded ? (this.clients[0] ?? bullmqClient(settings, health)) : bullmqClient(settings, health);
      if (!this.clients.includes(client)) this.clients.push(client);
      queue = new Queue<TaskJobPayload>(name, { connection: client, prefix: bullmqPrefix(settings, shard) });
      queue.on('error', (error) => health.report(error));
      this.queues.set(cacheKey, queue);
    }
    return queue;
  }

  private shardsOf(settings: RedisSettings): SessionShards {
    this.shards ??= settings.endpoint.shardsOf(settings.prefix);
    return this.shards;
  }

  /** Drops the queues' connections at once, without waiting for anything (a worker's forced close). */
  disconnect(): void {
    this.closed = true;
    this.queues.clear();
    for (const client of this.clients.splice(0)) client.disconnect();
  }

  /** Closes every queue this runner opened (their Redis connections). Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    const queues = [...this.queues.values()];
    this.queues.clear();
    await Promise.all(queues.map((queue) => queue.close().catch(() => undefined)));
    const clients = this.clients.splice(0);
    await Promise.all(
      clients.map(async (client) => {
        if (client.status !== 'ready') return client.disconnect();
        await client.quit().catch(() => client.disconnect());
      }),
    );
  }

  private redisSettings(): RedisSettings {
    if (this.settings === undefined) {
      throw new RunnerConfigurationError({
        runner: 'bullmq',
        reason: 'The "bullmq" runner needs Redis: create the container with createTriggersContainer({ redis: "redis://host:port" })',
      });
    }
    return this.settings;
  }

  private static refuseSynchronousModes(options: BullMQRunnerOptions): void {
    if (options.inline === true) {
      throw new RunnerConfigurationError({
        runner: 'bullmq',
        option: 'inline',
        value: true,
        reason:
          'BullMQTaskRunner refuses "inline": it would run the task synchronously inside the session lock held by ' +
          'fire/replay, and the task immediately needs that lock to start: a deadlock. Use the "threading" runner ' +
          'to run tasks in this process, or run a TriggerWorker.',
      });
    }
    if (options.waitForCompletion === true) {
      throw new RunnerConfigurationError({
        runner: 'bullmq',
        option: 'waitForCompletion',
        value: true,
        reason:
          'BullMQTaskRunner refuses "waitForCompletion": fire/replay would wait for the job while holding the session ' +
          'lock, and the worker must take that lock to start the task: a deadlock until the lock times out. ' +
          'Put follow-up logic in a task triggered by the cascade instead.',
      });
    }
  }
}

function checkQueueName(name: unknown, source: string): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new RunnerConfigurationError({
      runner: 'bullmq',
      option: 'queue',
      value: name,
      reason: `Queue name from ${source} must be a non-empty string, got ${JSON.stringify(name)}`,
    });
  }
  if (name.includes(':')) {
    throw new RunnerConfigurationError({
      runner: 'bullmq',
      option: 'queue',
      value: name,
      reason: `Queue name ${JSON.stringify(name)} from ${source} must not contain ":" (BullMQ forbids it)`,
    });
  }
  return name;
}

/** Counts an instance's replay ancestors as attempts already made on its job (`attemptsFromDepth-1.lua`). */
const ATTEMPTS_FROM_DEPTH = LuaScriptLoader.shared.compose('attemptsFromDepth');

/** `tail`, followed by the trace context of the active span when it records (see {@link TaskJobPayload.trace}). */
function traceTail(tail: string): string {
  const carrier = TriggersTracer.carrier();
  return carrier === undefined ? tail : `${tail},"trace":${JSON.stringify(carrier)}`;
}
