import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { UnrecoverableError, Worker } from 'bullmq';
import type { Job } from 'bullmq';
import type { Container } from 'inversify';
import { isNamedBound, resolveNamed } from '../../registry/resolveNamed';
import { TRIGGERS, runnerToken } from '../../registry/tokens';
import type { RedisSettings } from '../connection/RedisSettings';
import { ForgedJobError, InstanceFailedError, InvalidInstanceStateError, RunnerConfigurationError, StorageUnavailableError, UnknownInstanceError, UnknownManagerError, UnknownStorageError, WorkerLostError } from '../../errors';
import { ConnectionHealth, isConnectionError, stderrConnectionLog } from '../connection/ConnectionHealth';
import { BullMQTaskRunner } from '../bullmq/BullMQTaskRunner';
import { TaskInstance, TaskStatus, isPlainObject } from '../../model';
import type { InstanceRecord } from '../../model';
import { RedisSessionKeys } from '../storage/RedisSessionKeys';
import { DEFAULT_QUEUE } from '../bullmq/BullMQRunnerOptions';
import { bullmqClient, bullmqPrefix } from '../connection/bullmqConnection';
import { parseBullMQJobData, recordHintText } from '../bullmq/BullMQJobData';
import type { BullMQJobData } from '../bullmq/BullMQJobData';
import type { TaskJobPayload } from '../../runners/TaskJobPayload';
import type { PipelinedFinish } from './PipelinedFinish';
import type { RedisConnection } from '../connection/RedisConnection';
import { RedisScript } from '../storage/RedisScript';
import { RedisScripts } from '../storage/RedisScripts';
import type { StorageBackend } from '../../storage/StorageBackend';
import { errorTypeName, failureMetadata } from '../../logging/failureMetadata';
import type { TaskExecutor } from '../../tasks/TaskExecutor';
import { StartOnFetch } from './StartOnFetch';
import { WorkerHeartbeat } from './WorkerHeartbeat';
import { InstanceReconciler, claimsOf, retriesOnWorkerLoss } from './InstanceReconciler';
import type { ReconcileReport } from './InstanceReconciler';
import type { ManagerFactory } from '../../manager/ManagerFactory';
import type { FetchedStart } from './StartOnFetchScript';
import type { SessionShards } from '../storage/SessionShards';
import { JobGate } from './JobGate';

/** Options of {@link TriggerWorker}. */
export interface TriggerWorkerOptions {
  /** Queue names to consume (default `['triggers']`), without the prefix. */
  queues?: string[];
  /** Jobs run in parallel per queue (default 1). */
  concurrency?: number;
  /**
   * Milliseconds a job's lock lasts without renewal (BullMQ `lockDuration`,
   * default 30 000). A worker that dies stops renewing; after this long its
   * job counts as stalled and is re-delivered (see {@link WorkerLostError}).
   */
  lockDurationMs?: number;
  /** Milliseconds between checks for stalled jobs (BullMQ `stalledInterval`, default 30 000). */
  stalledIntervalMs?: number;
  /**
   * Milliseconds {@link TriggerWorker.close} waits for in-flight jobs and
   * for the connections to close (default 10 000); then it closes them
   * forcibly, so a worker stops in bounded time even while Redis is
   * unreachable. A job cut off this way is re-delivered by BullMQ's stalled
   * check (its instance then fails with `WorkerLostError` if it had started).
   */
  closeTimeoutMs?: number;
  /** Milliseconds between this worker's heartbeats (default 5 000; see {@link WorkerLostError}). */
  heartbeatIntervalMs?: number;
  /**
   * Milliseconds without a heartbeat after which a worker counts as dead
   * (default three intervals). A re-delivered job whose instance is
   * `running` waits for at least this long for a live worker to claim it
   * before failing it with {@link WorkerLostError}.
   */
  heartbeatTimeoutMs?: number;
  /** Milliseconds between reconciliation passes (default 60 000; 0 turns them off). */
  reconcileIntervalMs?: number;
  /** Milliseconds an instance must have been `scheduled` or `running` (counted from its scheduling) before a pass looks at it (default 30 000). */
  reconcileGraceMs?: number;
  /** Entries of the directory's scheduled and running instances one pass reads at most (default 100). */
  reconcileBatch?: number;
}

/** What a {@link TriggerWorker} reports for each job (its `'completed'` event). */
export interface JobCompletedEvent {
  queue: string;
  jobId: string;
  payload: TaskJobPayload;
  /** The status the job left its instance in (`finished`, `failed`, `skipped`, `replayed`); undefined when nothing ran (already started, resolved or settled). */
  outcome?: TaskStatus;
  /** Milliseconds from the job's start to its outcome recorded. */
  durationMs: number;
}

/** What a {@link TriggerWorker} reports for a job it could not run (its `'failed'` event). */
export interface JobFailedEvent {
  queue: string;
  jobId: string | undefined;
  /** The job data as received (possibly malformed). */
  data: unknown;
  error: Error;
  /** Instance that was marked `failed` because of it, if it could be identified. */
  failedInstance?: { uid: string; instance: string };
}

/** The events of a {@link TriggerWorker}. */
export interface TriggerWorkerEvents {
  /**
   * The job's instance ran through its lifecycle (finished, failed, skipped or retried: see `outcome`). For a
   * failed instance the BullMQ job itself is failed (`failedReason`: the task's error type and message), not retried.
   */
  completed: [JobCompletedEvent];
  /** The job could not be run (malformed payload, unknown names, lost worker...); the BullMQ job is failed, not retried. */
  failed: [JobFailedEvent];
  /** A worker-level error; the worker keeps running. Connection trouble goes to the container's connection log instead. */
  error: [Error];
  /** Every queue's BullMQ worker is connected and consuming. */
  ready: [];
  /** A reconciliation pass ended (see {@link TriggerWorker.reconcile}). */
  reconciled: [ReconcileReport];
}

/**
 * Consumes the BullMQ jobs the `bullmq` runner adds and runs their task
 * lifecycle: parse the payload (names only), rebuild the manager of the
 * payload's **registered** manager type over its registered storage and
 * session, start the instance if it is still `scheduled`, run the task,
 * record the outcome and cascade (through `TaskExecutor`).
 *
 * Bad jobs never crash the worker and never run anything unregistered. A
 * job acts on an instance only if it is that instance's own: its id is
 * {@link BullMQTaskRunner.jobIdFor} of the uid and instance it names, its
 * payload is well formed, its names resolve here and the instance exists.
 * Any other job fails in BullMQ without retry (`ForgedJobError`,
 * `MalformedJobError`, `Unknown*Error`) and touches no session. For a
 * genuine job, an unknown task name fails the instance with
 * `UnknownTaskError`.
 *
 * A task that throws fails its instance, then its BullMQ job: the job's
 * `failedReason` is the task's exception type and message
 * ({@link InstanceFailedError}) and BullMQ never retries it (the framework
 * owns retries: replay, `retry()`). Skipped and retried outcomes complete it.
 *
 * A job re-delivered after its worker died mid-run finds its instance
 * `running`: the task is not run again (it may have had side effects); the
 * instance is failed with {@link WorkerLostError} so an operator can replay it.
 * A job delivered as if for the first time to an instance another worker
 * started (its BullMQ state went back in time, e.g. after a failover) is
 * judged the same way: held while that worker's heartbeat claims it.
 *
 * **One round trip to finish a job.** BullMQ completes jobs on a connection
 * this worker owns, and a job whose instance lives in this container's
 * Redis storage sends its finish (outcome, cascade, next jobs: one script)
 * on that same connection, right before BullMQ's `moveToFinished`, without
 * waiting for the reply in between ({@link PipelinedFinish}): Redis runs
 * them in that order, in one round trip. The rest of the outcome handling
 * (hooks, runners for jobs the script could not enqueue) goes on after the
 * processor returned; the `'completed'` event still comes once it is all
 * recorded, and {@link close} waits for it. When the finish script declines
 * (the session lock is held elsewhere at that instant) it deletes the job's
 * BullMQ lock, so BullMQ cannot complete the job; the outcome is recorded
 * under the lock instead, and BullMQ's stalled check re-delivers the job
 * later to a worker that finds the instance resolved and does nothing.
 *
 * ```ts
 * const worker = new TriggerWorker(createTriggersContainer({ redis, prefix }), { queues: ['triggers'], concurrency: 4 });
 * await worker.start();
 * process.once('SIGTERM', () => worker.close());
 * ```
 */
export class TriggerWorker extends EventEmitter<TriggerWorkerEvents> {
  private readonly settings: RedisSettings;
  /** The shards of the prefix: one BullMQ worker per queue and shard. */
  private readonly shards: SessionShards;
  private queueNames: string[] = [];
  private options: TriggerWorkerOptions = {};
  private workers: Array<Worker<unknown, void>> = [];
  private closing?: Promise<void>;
  private readonly completedPayloads = new WeakMap<Job<unknown, void>, Omit<JobCompletedEvent, 'queue' | 'jobId'>>();
  /** The connection BullMQ's workers use for everything but blocking waits, and that pipelined finishes travel on. */
  private jobConnection?: ReturnType<typeof bullmqClient>;
  /** Outcome handling still running after its processor returned (pipelined finishes), by job id. */
  private readonly finishing = new Map<string, Promise<void>>();
  /** The container's Redis storage connection, when it has one: where finishes are offered and fetched starts noted. */
  private storageConnection?: RedisConnection;
  /** Starts of fetched jobs' instances made by BullMQ's fetch itself (with Redis storage). */
  private startOnFetch?: StartOnFetch;
  /** Jobs whose pipelined finish declined: BullMQ's "Missing lock" errors for them are expected. */
  private readonly handedBack = new Set<string>();
  /** Whether the last {@link close} hit `closeTimeoutMs` and closed the connections forcibly. */
  forcedClose = false;
  /** This worker's liveness record (see {@link WorkerHeartbeat}). */
  private heartbeat?: WorkerHeartbeat;
  /** The outcome handling of each job this process runs, by job id (a re-delivery to this process waits for it). */
  private readonly executing = new Map<string, Promise<unknown>>();
  private reconciler?: InstanceReconciler;
  private reconcileTimer?: NodeJS.Timeout;
  private reconciling?: Promise<ReconcileReport>;

  constructor(
    private readonly container: Container,
    options: TriggerWorkerOptions = {},
  ) {
    super();
    if (!container.isBound(TRIGGERS.RedisSettings)) {
      throw new RunnerConfigurationError({
        runner: 'TriggerWorker',
        reason: 'TriggerWorker needs Redis: create its container with createTriggersContainer({ redis: "redis://host:port", prefix })',
      });
    }
    this.settings = container.get<RedisSettings>(TRIGGERS.RedisSettings);
    this.shards = this.settings.endpoint.shardsOf(this.settings.prefix);
    this.configure(options);
  }

  /** Validates and adopts `options` (queue names without ':', positive integer concurrency and timings). */
  private configure(options: TriggerWorkerOptions): void {
    const queueNames = [...new Set(options.queues?.length ? options.queues : [DEFAULT_QUEUE])];
    for (const name of queueNames) {
      if (name.length === 0 || name.includes(':')) {
        throw new RunnerConfigurationError({
          runner: 'TriggerWorker',
          option: 'queues',
          value: name,
          reason: `Queue name ${JSON.stringify(name)} must be non-empty and must not contain ":"`,
        });
      }
    }
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RunnerConfigurationError({
        runner: 'TriggerWorker',
        option: 'concurrency',
        value: options.concurrency,
        reason: `Worker concurrency must be a positive integer, got ${String(options.concurrency)}`,
      });
    }
    for (const key of ['lockDurationMs', 'stalledIntervalMs', 'closeTimeoutMs', 'heartbeatIntervalMs', 'heartbeatTimeoutMs', 'reconcileIntervalMs', 'reconcileGraceMs', 'reconcileBatch'] as const) {
      const value = options[key];
      const least = key === 'reconcileIntervalMs' || key === 'reconcileGraceMs' ? 0 : 1;
      if (value !== undefined && (!Number.isInteger(value) || value < least)) {
        throw new RunnerConfigurationError({
          runner: 'TriggerWorker',
          option: key,
          value,
          reason: `Worker ${key} must be a ${least === 0 ? 'non-negative' : 'positive'} integer${key === 'reconcileBatch' ? '' : ' of milliseconds'}, got ${String(value)}`,
        });
      }
    }
    const interval = options.heartbeatIntervalMs ?? 5_000;
    const lock = options.lockDurationMs ?? 30_000;
    if (interval >= lock) {
      // A job is re-delivered once its lock expired: a beat listing it must come before that.
      throw new RunnerConfigurationError({
        runner: 'TriggerWorker',
        option: 'heartbeatIntervalMs',
        value: interval,
        reason: `Worker heartbeatIntervalMs (${interval}) must be shorter than lockDurationMs (${lock}): a live worker's beat must list its job before the job's lock can expire`,
      });
    }
    this.queueNames = queueNames;
    this.options = options;
  }

  /** This worker's id, as its heartbeats and {@link WorkerLostError} name it (set once started). */
  get workerId(): string | undefined {
    return this.heartbeat?.id;
  }

  private get heartbeatIntervalMs(): number {
    return this.options.heartbeatIntervalMs ?? 5_000;
  }

  private get heartbeatTimeoutMs(): number {
    return this.options.heartbeatTimeoutMs ?? 3 * this.heartbeatIntervalMs;
  }

  /** The queues this worker consumes. */
  get queues(): readonly string[] {
    return this.queueNames;
  }

  /**
   * Starts consuming every queue; resolves once each is connected. Options
   * given here are merged over the constructor's (API: `start(opts?)`).
   */
  async start(options?: TriggerWorkerOptions): Promise<void> {
    if (this.workers.length > 0) return;
    if (this.closing !== undefined) throw new RunnerConfigurationError({ runner: 'TriggerWorker', reason: 'TriggerWorker was closed; create a new one' });
    if (options !== undefined) this.configure({ ...this.options, ...options });
    if (this.container.isBound(TRIGGERS.RedisConnection)) {
      this.storageConnection = this.container.get<RedisConnection>(TRIGGERS.RedisConnection);
      // A worker of another shard count would wait on queues nobody fills. Unreachable storage: start anyway (as on
      // one server), the check is for the misconfiguration, not for the outage.
      await this.storageConnection.assertShardLayout().catch((error: unknown) => {
        if (!(error instanceof StorageUnavailableError)) throw error;
      });
    }
    const health =
      this.storageConnection?.health ??
      new ConnectionHealth(this.settings.endpoint.target, this.settings.connectionLog ?? stderrConnectionLog);
    const connection = bullmqClient(this.settings, health);
    this.jobConnection = connection;
    // With replication waits, every storage write goes through the storage's own connection (where it is WAITed):
    // no start inside BullMQ's fetch, no finish sent on BullMQ's connection.
    const pipelinedFinish = this.storageConnection !== undefined && this.settings.replication === undefined;
    // On a Cluster both work as on one server: a job's finish, its completion and the fetch of the shard's next job
    // are keys of one slot, so one node connection, in the order issued (see docs/ARCHITECTURE.md, "Cluster shards").
    if (pipelinedFinish) {
      this.startOnFetch = new StartOnFetch(this.settings);
      this.startOnFetch.install(connection);
    }
    try {
      // Loaded ahead (on every node of a Cluster), so a pipelined finish is not re-sent as EVAL behind BullMQ's completion.
      if (pipelinedFinish) await RedisScripts.applyAtomically.preload(connection);
    } catch (error) {
      if (this.closing !== undefined) return; // closed while waiting for Redis
      throw error;
    }
    if (this.closing !== undefined) return;
    this.heartbeat = new WorkerHeartbeat(connection, this.settings.prefix, this.heartbeatIntervalMs);
    await this.heartbeat.start();
    if (this.closing !== undefined) return;
    const concurrency = this.options.concurrency ?? 1;
    // On a Cluster each queue has one BullMQ worker per shard; the queue's gate keeps `concurrency` per queue.
    const consumed = this.queueNames.flatMap((queue) => {
      const gate = this.shards.sharded ? new JobGate(concurrency) : undefined;
      return this.shards.all.map((shard) => ({ queue, shard, gate }));
    });
    this.workers = consumed.map(({ queue, shard, gate }) => {
      const processor = (job: Job<unknown, void>): Promise<void> => this.process(queue, shard, job);
      const worker = new Worker<unknown, void>(queue, gate === undefined ? processor : (job) => gate.run(() => processor(job)), {
        connection,
        prefix: bullmqPrefix(this.settings, shard),
        concurrency,
        ...(this.options.lockDurationMs === undefined ? {} : { lockDuration: this.options.lockDurationMs }),
        ...(this.options.stalledIntervalMs === undefined ? {} : { stalledInterval: this.options.stalledIntervalMs }),
        // A stalled job is always re-delivered, never failed by BullMQ behind the instance's back: the re-delivery
        // decides, from the heartbeats, whether its worker is alive (let it finish) or dead (WorkerLostError or a re-run).
        maxStalledCount: Number.MAX_SAFE_INTEGER,
        autorun: true,
      });
      worker.on('error', (error) => {
        if (this.isHandedBackError(error)) return;
        // Connection trouble is reported once per outage by the clients' health listener.
        if (isConnectionError(error)) return;
        this.emit('error', error);
      });
      worker.on('completed', (job) => {
        const completed = this.completedPayloads.get(job);
        this.completedPayloads.delete(job);
        if (completed !== undefined) this.emit('completed', { queue, jobId: job.id ?? '', ...completed });
      });
      worker.on('failed', (job, error) => {
        if (error instanceof FailedOutcome) {
          // The task failed and its failure is recorded: the job failed as it should; the event says the outcome.
          const completed = job === undefined ? undefined : this.completedPayloads.get(job);
          if (job !== undefined) this.completedPayloads.delete(job);
          if (completed !== undefined) this.emit('completed', { queue, jobId: job?.id ?? '', ...completed });
          return;
        }
        const rejection = error instanceof JobRejection ? error : undefined;
        this.emit('failed', {
          queue,
          jobId: job?.id,
          data: job?.data,
          error: rejection?.original ?? error,
          failedInstance: rejection?.failedInstance,
        });
      });
      return worker;
    });
    try {
      await Promise.all(this.workers.map((worker) => worker.waitUntilReady()));
    } catch (error) {
      if (this.closing !== undefined) return;
      throw error;
    }
    if (this.closing !== undefined) return;
    const interval = this.options.reconcileIntervalMs ?? 60_000;
    if (this.storageConnection !== undefined) {
      this.reconciler = new InstanceReconciler(this.container, this.storageConnection, connection, this.queueNames, {
        graceMs: this.options.reconcileGraceMs ?? 30_000,
        batch: this.options.reconcileBatch ?? 100,
        heartbeatTimeoutMs: this.heartbeatTimeoutMs,
        workerId: this.heartbeat.id,
      });
      if (interval > 0) {
        this.reconcileTimer = setInterval(() => void this.reconcile().catch(() => undefined), interval);
        this.reconcileTimer.unref();
      }
    }
    this.emit('ready');
  }

  /**
   * Runs one reconciliation pass now (see {@link InstanceReconciler}) and
   * emits `'reconciled'`; a pass already running is joined. Passes also run
   * every `reconcileIntervalMs`. Needs the container's Redis storage.
   */
  reconcile(): Promise<ReconcileReport> {
    const reconciler = this.reconciler;
    if (reconciler === undefined || this.closing !== undefined) {
      return Promise.resolve({ examined: 0, reenqueued: [], failed: [], replayed: [], errors: [], droppedSessions: [], droppedFailed: [] });
    }
    this.reconciling ??= reconciler
      .pass()
      .then((report) => {
        this.emit('reconciled', report);
        return report;
      })
      .finally(() => (this.reconciling = undefined));
    return this.reconciling;
  }

  /**
   * Stops taking jobs, waits for the in-flight ones to finish (their status
   * and cascades recorded), then closes the queues this process used for
   * cascades. Takes at most `closeTimeoutMs` (then closes everything
   * forcibly and sets {@link forcedClose}), also while Redis is unreachable
   * or before the worker ever connected. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), this.options.closeTimeoutMs ?? 10_000)));
      const outcome = await Promise.race([this.closeGracefully().then(() => 'closed' as const), timedOut]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        this.forcedClose = true;
        await this.closeForcibly();
      }
    })();
    return this.closing;
  }

  private async closeGracefully(): Promise<void> {
    const connection = this.jobConnection;
    // Never connected (Redis unreachable since start): nothing is in flight, and a graceful close would wait for Redis.
    if (connection !== undefined && connection.status !== 'ready' && this.workers.length === 0) return this.closeForcibly();
    clearInterval(this.reconcileTimer);
    await this.reconciling?.catch(() => undefined);
    await Promise.all(this.workers.map((worker) => worker.close()));
    while (this.finishing.size > 0) await Promise.all([...this.finishing.values()]);
    await this.heartbeat?.stop();
    await connection?.quit().catch(() => connection.disconnect());
    await this.runner()?.close();
  }

  /** Drops every connection at once; jobs still active are re-delivered by BullMQ's stalled check. */
  private async closeForcibly(): Promise<void> {
    clearInterval(this.reconcileTimer);
    void this.heartbeat?.stop();
    this.jobConnection?.disconnect();
    this.runner()?.disconnect();
    // Not awaited: with the connections gone, BullMQ's own close may still wait for replies that never come.
    for (const worker of this.workers) worker.close(true).catch(() => undefined);
  }

  private runner(): BullMQTaskRunner | undefined {
    const token = runnerToken('bullmq');
    return this.container.isBound(token) ? this.container.get<BullMQTaskRunner>(token) : undefined;
  }

  private async process(queue: string, shard: number, job: Job<unknown, void>): Promise<void> {
    // Taken first, so that no job leaves its fetched start behind, whatever happens below.
    const fetched = job.id === undefined ? undefined : this.startOnFetch?.take(job.id);
    if (job.id !== undefined) {
      this.handedBack.delete(job.id);
      // A job handed back by this process: its outcome may still be being recorded here; let it land first.
      const finishing = this.finishing.get(job.id);
      if (finishing !== undefined) await finishing;
    }
    let payload: BullMQJobData;
    try {
      payload = parseBullMQJobData(job.data);
    } catch (error) {
      return this.refuse(job, error, fetched);
    }
    // The fetch that started the instance checked the job id against the uid and instance its data spells
    // (StartOnFetchScript): a payload that parses to those needs no second SHA-1.
    const checkedByFetch = fetched !== undefined && fetched.instance === payload.instance && fetched.uidJson === JSON.stringify(payload.uid);
    if (job.id === undefined || !checkedByFetch) {
      const expectedJobId = BullMQTaskRunner.jobIdFor(this.settings.prefix, payload.uid, payload.instance);
      if (job.id !== expectedJobId) {
        const forged = new ForgedJobError({
          jobId: job.id,
          expectedJobId,
          uid: payload.uid,
          instance: payload.instance,
          reason: `its id is not the job id of that instance under prefix "${this.settings.prefix}" (${expectedJobId})`,
        });
        return this.refuse(job, forged, fetched);
      }
    }
    const home = this.shards.shardOf(payload.uid);
    if (home !== shard) {
      const forged = new ForgedJobError({
        jobId: job.id,
        uid: payload.uid,
        instance: payload.instance,
        reason: `it was queued in shard ${shard} of queue "${queue}", but its session belongs to shard ${home}`,
      });
      return this.refuse(job, forged, fetched);
    }
    if (payload.session !== undefined && this.storageConnection !== undefined && payload.session !== this.storageConnection.keysFor(payload.uid).base) {
      const forged = new ForgedJobError({
        jobId: job.id,
        uid: payload.uid,
        instance: payload.instance,
        reason: 'its "session" hint names the keys of another session',
      });
      return this.refuse(job, forged, fetched);
    }
    const local = this.executing.get(job.id);
    if (local !== undefined) {
      // This process still runs the job (a re-delivery after its lock expired during an outage, or a delivery whose
      // state went back in time after a failover): that run records the outcome.
      await local.catch(() => undefined);
      return;
    }
    const redelivered = job.attemptsStarted > 1 || job.stalledCounter > 0;
    if (redelivered && (await this.settleRedelivery(job, payload)) === 'settled') return;
    if (fetched !== undefined && fetched.instance !== payload.instance) {
      const forged = new ForgedJobError({ jobId: job.id, uid: payload.uid, instance: payload.instance, reason: `its "record" hint names another instance (${fetched.instance})` });
      return this.refuse(job, forged, fetched);
    }
    if (fetched !== undefined) {
      // BullMQ's fetch of this job already started the instance: the storage takes that start instead of making one.
      this.storageConnection?.handoffs.noteFetchedStart(payload.uid, fetched);
    } else {
      // The record text the scheduling script wrote: the storage may compute the start from it.
      const record = recordHintText(payload.record);
      if (record !== undefined) this.storageConnection?.handoffs.noteScheduledRecord(payload.uid, payload.instance, record);
    }
    const pipelined = this.offerPipelinedFinish(queue, shard, job, payload);
    const startedAt = Date.now();
    let outcome: TaskStatus | undefined;
    // What the job fails with if its task fails (set before the failure is recorded).
    let failure: InstanceFailedError | undefined;
    try {
      const execution = this.container.get<TaskExecutor>(TRIGGERS.TaskExecutor).execute(payload, {
        progress: (progress) => job.updateProgress(progress),
        failed: (error) => (failure = instanceFailure(payload, error)),
        queue,
      });
      this.track(job.id, execution);
      if (pipelined !== undefined) {
        execution.then(pipelined.executionSettled, pipelined.executionSettled);
        const sent = await pipelined.sentFirst;
        if (sent !== false) {
          // The finish is on its way, ahead of BullMQ's completion (or failure): let BullMQ finish the job, record the rest meanwhile.
          this.finishInBackground(queue, shard, job, payload, execution, startedAt, pipelined.withdraw, () => failure);
          if (sent === TaskStatus.Failed) throw new FailedOutcome(failure ?? instanceFailure(payload, undefined));
          return;
        }
      }
      pipelined?.withdraw();
      outcome = await execution;
    } catch (error) {
      if (error instanceof FailedOutcome) throw error;
      pipelined?.withdraw();
      // Names this process cannot resolve, or an instance that does not exist: the job does not match a stored
      // instance this worker can reach, so it touches none (a fetched start is put back).
      if (error instanceof UnknownManagerError || error instanceof UnknownStorageError || error instanceof UnknownInstanceError) {
        return this.refuse(job, error, fetched);
      }
      return this.reject(job, error, [TaskStatus.Scheduled, TaskStatus.Running]);
    }
    if (outcome === undefined && !redelivered && (await this.startedElsewhere(payload))) {
      // A first delivery, by BullMQ's count, of a job whose instance another worker started: the job's state went
      // back in time (after a failover, BullMQ's fetch, which nothing waits for, was lost with the old primary while
      // the start, which waits for the replicas, survived). Settled as the re-delivery it is: the job stays active
      // while that worker lives (so nothing takes its instance for abandoned), WorkerLostError once it is silent.
      await this.settleRedelivery(job, payload);
      if (this.completedPayloads.has(job)) return; // replayed
    }
    this.completedPayloads.set(job, { payload, outcome, durationMs: Date.now() - startedAt });
    // Recorded failed: BullMQ fails the job (without retry), its failedReason the task's error type and message.
    if (outcome === TaskStatus.Failed) throw new FailedOutcome(failure ?? instanceFailure(payload, undefined));
  }

  /**
   * Handles a re-delivered job before (or instead of) running it, judging
   * it ({@link judgeRedelivery}):
   * `'settled'` when there is nothing left to do (the instance left
   * `running`, was replayed, or was failed with {@link WorkerLostError},
   * which then rejects the job); `'run'` when the usual path decides.
   */
  private async settleRedelivery(job: Job<unknown, void>, payload: BullMQJobData): Promise<'run' | 'settled'> {
    const jobId = job.id as string;
    let verdict: 'run' | 'settled' | WorkerLostError;
    try {
      verdict = await this.judgeRedelivery(jobId, payload);
    } catch (error) {
      // Unable to tell a live worker from a dead one: touch nothing (the reconciliation looks again later).
      throw new JobRejection(asError(error), undefined);
    }
    if (verdict instanceof WorkerLostError) {
      let replayed: boolean;
      try {
        replayed = await this.replayLost(payload, verdict);
      } catch (error) {
        // The re-run could not be recorded (the storage away, its lock not granted): touch nothing, so that this
        // failure is not taken for the task's own; the reconciliation looks again later.
        throw new JobRejection(asError(error), undefined);
      }
      if (replayed) {
        this.completedPayloads.set(job, { payload, outcome: TaskStatus.Replayed, durationMs: 0 });
        return 'settled';
      }
      const failed = await this.failInstance(payload, verdict, [TaskStatus.Running]).catch(() => false);
      if (failed) return this.reject(job, verdict, [], payload);
      return 'run';
    }
    return verdict;
  }

  /** Whether the job's instance is `running` without this process running it (read from its storage; false when unreadable). */
  private async startedElsewhere(payload: BullMQJobData): Promise<boolean> {
    try {
      const storage = resolveNamed<StorageBackend>(this.container, 'storage', payload.storage).open(payload.uid);
      return (await storage.getInstance(payload.instance)).status === TaskStatus.Running;
    } catch {
      return false;
    }
  }

  /** Lists the job in this worker's heartbeats and in {@link executing} until its outcome is recorded. */
  private track(jobId: string, execution: Promise<unknown>): void {
    const heartbeat = this.heartbeat;
    heartbeat?.add(jobId);
    this.executing.set(jobId, execution);
    const done = (): void => {
      if (this.executing.get(jobId) === execution) {
        this.executing.delete(jobId);
        heartbeat?.remove(jobId);
      }
    };
    execution.then(done, done);
  }

  /**
   * Decides what a re-delivered job does: `'run'` when its instance is not
   * `running` (the usual path then runs it or nothing); while it is
   * `running` and another worker's heartbeat claims the job within
   * `heartbeatTimeoutMs`, that worker is alive (its lock expired during a
   * connection loss, say): wait, and answer `'settled'` once the instance
   * left `running`. After `heartbeatTimeoutMs` of watching with no live
   * claim, the {@link WorkerLostError} naming the last claimant. While the
   * storage is unavailable it keeps watching (the watch starts again once
   * it answers), for at most {@link JUDGE_THROUGH_OUTAGE_MS}.
   */
  private async judgeRedelivery(jobId: string, payload: BullMQJobData): Promise<'run' | 'settled' | WorkerLostError> {
    const redis = this.jobConnection;
    const heartbeat = this.heartbeat;
    if (redis === undefined || heartbeat === undefined) return 'run';
    const storage = resolveNamed<StorageBackend>(this.container, 'storage', payload.storage).open(payload.uid);
    const timeout = this.heartbeatTimeoutMs;
    let watchedSince: number | undefined;
    let sawRunning = false;
    const pauseMs = Math.max(10, Math.min(this.heartbeatIntervalMs, Math.floor(timeout / 4)));
    const giveUpAt = Date.now() + JUDGE_THROUGH_OUTAGE_MS;
    for (;;) {
      let status: TaskStatus;
      try {
        status = (await storage.getInstance(payload.instance)).status;
      } catch (error) {
        if (error instanceof UnknownInstanceError) return 'run';
        if (!(error instanceof StorageUnavailableError) || Date.now() > giveUpAt) throw error;
        // The storage is away (a restart, a failover): watch again from scratch once it answers, since the heartbeat
        // record may then be behind the workers' beats for a while.
        watchedSince = undefined;
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
        continue;
      }
      if (status !== TaskStatus.Running) return sawRunning ? 'settled' : 'run';
      sawRunning = true;
      const beats = await WorkerHeartbeat.read(redis, this.settings.prefix);
      watchedSince ??= beats.now;
      const claims = claimsOf(beats, jobId).filter((beat) => beat.id !== heartbeat.id);
      const alive = claims.some((beat) => beats.now - beat.at <= timeout);
      if (!alive && beats.now - watchedSince >= timeout) {
        const last = claims[0];
        return new WorkerLostError({
          uid: payload.uid,
          instance: payload.instance,
          jobId,
          heartbeatTimeoutMs: timeout,
          ...(last === undefined ? {} : { workerId: last.id, lastHeartbeat: new Date(last.at) }),
        });
      }
      if (this.forcedClose) throw new RunnerConfigurationError({ runner: 'TriggerWorker', reason: 'TriggerWorker was closed while waiting for a live worker' });
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }

  /**
   * Replays an instance whose worker died when its task has
   * `retryOnWorkerLoss` and a replay left: marked `failed` with `lost`, then
   * replayed as a task's `retry()` does (depth + 1). Whether it did; throws
   * when that could not be told or recorded (the storage away).
   */
  private async replayLost(payload: BullMQJobData, lost: WorkerLostError): Promise<boolean> {
    const manager = this.container.get<ManagerFactory>(TRIGGERS.ManagerFactory)(payload.uid, { manager: payload.manager, storage: payload.storage });
    let instance: TaskInstance;
    try {
      instance = await manager.storage.getInstance(payload.instance);
    } catch (error) {
      if (error instanceof UnknownInstanceError) return false;
      throw error;
    }
    if (instance.status !== TaskStatus.Running || !retriesOnWorkerLoss(instance)) return false;
    try {
      await manager.retryInstance(payload.instance, failureMetadata(lost), { onlyIf: TaskStatus.Running });
      return true;
    } catch (error) {
      // No longer running: settled meanwhile, nothing to re-run. Anything else is no reason to fail the instance.
      if (error instanceof InvalidInstanceStateError) return false;
      throw error;
    }
  }

  /**
   * Fails a job that does not match the instance it names (malformed,
   * forged, or naming what this process cannot resolve) without touching
   * any session: if BullMQ's fetch already started an instance from the
   * job's hints, that start is put back first.
   */
  private async refuse(job: Job<unknown, void>, error: unknown, fetched: FetchedStart | undefined): Promise<never> {
    if (fetched !== undefined) await this.putBackFetchedStart(job.data, fetched).catch(() => undefined);
    throw new JobRejection(asError(error), undefined);
  }

  /**
   * Restores the `scheduled` record a fetched start replaced (the text the
   * job's `record` hint carried, which the fetch compared with the stored
   * one), under the session's lock and only while the stored record is
   * still the start's.
   */
  private async putBackFetchedStart(data: unknown, fetched: FetchedStart): Promise<void> {
    const connection = this.storageConnection;
    if (connection === undefined || !isPlainObject(data)) return;
    const { session } = data;
    const record = recordHintText(data.record);
    const head = RedisSessionKeys.keyHead(this.settings.prefix);
    if (typeof session !== 'string' || record === undefined || !session.startsWith(head) || !session.endsWith('}:')) return;
    const uid = Buffer.from(session.slice(head.length, -2), 'base64url').toString('utf16le');
    if (connection.keysFor(uid).base !== session) return;
    const storage = resolveNamed<StorageBackend>(this.container, 'storage', 'redis').open(uid);
    await storage.withLock(async (tx) => {
      const current = await tx.instance(fetched.instance);
      if (JSON.stringify(current.toRecord()) !== fetched.record) return;
      tx.put(TaskInstance.fromRecord(JSON.parse(record) as InstanceRecord, current.config));
    });
  }

  /**
   * Offers to send the finish of the job's instance on {@link jobConnection}
   * (see the class comment); undefined when this container has no Redis
   * storage connection to offer it through.
   */
  private offerPipelinedFinish(
    queue: string,
    shard: number,
    job: Job<unknown, void>,
    payload: BullMQJobData,
  ): { sentFirst: Promise<TaskStatus | false>; executionSettled: () => void; withdraw: () => void } | undefined {
    const redis = this.jobConnection;
    const storage = this.storageConnection;
    // Not on a connection that is down: the storage's own, bounded path records the finish instead.
    if (redis === undefined || storage === undefined || job.id === undefined || redis.status !== 'ready') return undefined;
    if (this.settings.replication !== undefined) return undefined; // its finish must be WAITed on the storage connection
    const jobId = job.id;
    // The status the finish records if it was sent before the execution settled, else false (the first call decides).
    let decide!: (sentFirst: TaskStatus | false) => void;
    const sentFirst = new Promise<TaskStatus | false>((resolve) => (decide = resolve));
    const finish: PipelinedFinish = {
      jobLockKey: this.queueKey(queue, shard, `${jobId}:lock`),
      send: (command, status) => {
        try {
          // BullMQ's `moveToFinished`, issued a few microtasks after the processor returns, and the finishes of
          // other jobs settling in this turn leave in the same socket write.
          return RedisScript.corkedUntilMicrotasksRan(redis, command);
        } finally {
          decide(status);
        }
      },
      declined: () => this.handBack(jobId),
    };
    const withdraw = storage.handoffs.offerPipelinedFinish(payload.uid, payload.instance, finish);
    return { sentFirst, executionSettled: () => decide(false), withdraw };
  }

  /** Emits `'completed'` (or `'failed'`) once the outcome of a job whose processor already returned is recorded. */
  private finishInBackground(
    queue: string,
    shard: number,
    job: Job<unknown, void>,
    payload: BullMQJobData,
    execution: Promise<TaskStatus | undefined>,
    startedAt: number,
    withdraw: () => void,
    failure: () => InstanceFailedError | undefined,
  ): void {
    const key = job.id ?? `${queue}\u0000${payload.uid}\u0000${payload.instance}`;
    const settled: Promise<void> = execution
      .then(
        async (outcome) => {
          if (job.id !== undefined && this.handedBack.has(job.id)) {
            // The outcome is recorded whatever happens here; a job left active is re-delivered by the stalled check.
            const failed = outcome === TaskStatus.Failed ? (failure() ?? instanceFailure(payload, undefined)) : undefined;
            await this.completeHandedBack(queue, shard, job, failed).catch((error: unknown) => {
              if (this.listenerCount('error') > 0) this.emit('error', asError(error));
            });
          }
          this.emit('completed', { queue, jobId: job.id ?? '', payload, outcome, durationMs: Date.now() - startedAt });
        },
        async (error: unknown) => {
          const cause = asError(error);
          const failedInstance = await this.failIfReachable(payload, cause, [TaskStatus.Scheduled, TaskStatus.Running]);
          this.emit('failed', { queue, jobId: job.id, data: job.data, error: cause, failedInstance });
        },
      )
      // A throwing 'completed'/'failed' listener must not become an unhandled rejection of the worker.
      .catch((error: unknown) => {
        if (this.listenerCount('error') > 0) this.emit('error', asError(error));
      })
      .finally(() => {
        withdraw();
        if (this.finishing.get(key) === settled) this.finishing.delete(key);
      });
    this.finishing.set(key, settled);
  }

  /** Notes a job whose pipelined finish declined (bounded: BullMQ re-delivers it within its stalled interval). */
  private handBack(jobId: string): void {
    if (this.handedBack.size >= 10_000) this.handedBack.clear();
    this.handedBack.add(jobId);
  }

  /**
   * Completes a job whose pipelined finish declined, once its outcome is
   * recorded (under the lock): without this, the job would stay `active`
   * until BullMQ's stalled check re-delivered it (`--stalled-interval`,
   * 30 s by default) only to find the instance resolved. The job's lock
   * was deleted by the declining script; it is set again under a token of
   * this method's own — only if the job is still active and nobody locked
   * it since — so BullMQ's own attempts for that job, which use the old
   * token, keep failing, and the completion goes through BullMQ's
   * `moveToCompleted` as usual. If the stalled check moved the job first,
   * the re-delivery completes it as before. A failed outcome fails the
   * job instead (`failed`, BullMQ's `moveToFailed`).
   */
  private async completeHandedBack(queue: string, shard: number, job: Job<unknown, void>, failed: InstanceFailedError | undefined): Promise<void> {
    const redis = this.jobConnection;
    if (redis === undefined || job.id === undefined) return;
    const token = `${randomUUID()}:handed-back`;
    const relocked = await RELOCK_HANDED_BACK.run(
      redis,
      [this.queueKey(queue, shard, `${job.id}:lock`), this.queueKey(queue, shard, 'active')],
      [job.id, token, this.options.lockDurationMs ?? 30_000],
    );
    if (relocked !== 1) return;
    if (failed === undefined) await job.moveToCompleted(undefined, token, false);
    else await job.moveToFailed(new FailedOutcome(failed), token, false);
  }

  /** BullMQ's key `part` of `queue` in `shard` (`<prefix>:bull:<queue>:<part>`: a job's lock, the active list...). */
  private queueKey(queue: string, shard: number, part: string): string {
    return `${bullmqPrefix(this.settings, shard)}:${queue}:${part}`;
  }

  /** Whether `error` is BullMQ failing to complete or fail a handed-back job (its lock was deleted, or replaced, on purpose). */
  private isHandedBackError(error: Error): boolean {
    if (this.handedBack.size === 0) return false;
    const jobId = /^(?:Missing lock|Lock mismatch) for job (\S+?)\.? /.exec(error.message)?.[1];
    return jobId !== undefined && this.handedBack.has(jobId);
  }

  /**
   * Fails the instance the job names (when identifiable and in one of
   * `statuses`), then throws an unrecoverable error so BullMQ fails the job
   * without retrying it (the worker's `'failed'` event follows).
   */
  private async reject(
    job: Job<unknown, void>,
    error: unknown,
    statuses: TaskStatus[],
    alreadyFailed?: Identity,
  ): Promise<never> {
    const cause = asError(error);
    const failedInstance =
      alreadyFailed !== undefined
        ? { uid: alreadyFailed.uid, instance: alreadyFailed.instance }
        : await this.failIfReachable(identify(job.data), cause, statuses);
    throw new JobRejection(cause, failedInstance);
  }

  /**
   * Fails the instance `identity` names with `cause` when it is in one of
   * `statuses`, and says which instance was failed (for the `'failed'`
   * event); undefined when none was (no identity, another status, or an
   * unreachable instance: then only the job records the error).
   */
  private async failIfReachable(
    identity: Identity | undefined,
    cause: Error,
    statuses: TaskStatus[],
  ): Promise<JobFailedEvent['failedInstance']> {
    if (identity === undefined || statuses.length === 0) return undefined;
    // Unreachable storage is no fault of the instance: it is left for the re-delivery or the reconciliation.
    if (cause instanceof StorageUnavailableError) return undefined;
    try {
      return (await this.failInstance(identity, cause, statuses)) ? { uid: identity.uid, instance: identity.instance } : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Marks the instance `failed` with `error` if its status is one of
   * `statuses`, under the session lock, through the payload's registered
   * storage only (no manager, no task code). Returns whether it did.
   */
  private async failInstance(identity: Identity, error: Error, statuses: TaskStatus[]): Promise<boolean> {
    if (identity.manager !== undefined && isNamedBound(this.container, 'manager', identity.manager)) {
      // Through the job's own manager type, so its postStatusChange hook hears of the failure.
      const manager = this.container.get<ManagerFactory>(TRIGGERS.ManagerFactory)(identity.uid, { manager: identity.manager, storage: identity.storage });
      return manager.failInstanceWhen(identity.instance, (target) => (statuses.includes(target.status) ? failureMetadata(error) : undefined));
    }
    const storage = resolveNamed<StorageBackend>(this.container, 'storage', identity.storage).open(identity.uid);
    return storage.withLock(async (tx) => {
      const target = await tx.instance(identity.instance);
      if (!statuses.includes(target.status)) return false;
      target.metadata = { ...target.metadata, ...failureMetadata(error) };
      target.setStatus(TaskStatus.Failed);
      tx.put(target);
      return true;
    });
  }
}

/**
 * What the processor throws for a job it will not run: unrecoverable (BullMQ
 * fails the job without retry), carrying the original error and the
 * instance it failed for the worker's `'failed'` event.
 */
class JobRejection extends UnrecoverableError {
  constructor(
    readonly original: Error,
    readonly failedInstance: JobFailedEvent['failedInstance'],
  ) {
    super(`${original.name}: ${original.message}`);
  }
}

/**
 * What the processor throws for a job whose task failed, once that failure
 * is recorded: unrecoverable (BullMQ fails the job and never retries it;
 * the framework owns retries), its message the job's `failedReason` (the
 * task's exception type and message) and its stack the task's.
 */
class FailedOutcome extends UnrecoverableError {
  constructor(readonly failure: InstanceFailedError) {
    super(failure.message);
    this.stack = failure.stack;
  }
}

/** The {@link InstanceFailedError} of the instance `payload` names, whose task threw `error`. */
function instanceFailure(payload: BullMQJobData, error: unknown): InstanceFailedError {
  const stack = error instanceof Error ? error.stack : undefined;
  return new InstanceFailedError({
    uid: payload.uid,
    instance: payload.instance,
    exceptionType: error === undefined ? 'Error' : errorTypeName(error),
    exceptionMessage: error === undefined ? 'the task failed' : error instanceof Error ? error.message : String(error),
    ...(stack === undefined ? {} : { exceptionStack: stack }),
  });
}

/** The part of a job payload that locates an instance. */
interface Identity {
  uid: string;
  instance: string;
  storage: string;
  /** The registered manager type the job names, when it is a string. */
  manager?: string;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function identify(data: unknown): Identity | undefined {
  if (!isPlainObject(data)) return undefined;
  const { uid, instance, storage, manager } = data;
  if (typeof uid !== 'string' || typeof instance !== 'string' || typeof storage !== 'string') return undefined;
  if (uid.length === 0 || instance.length === 0 || storage.length === 0) return undefined;
  return typeof manager === 'string' && manager.length > 0 ? { uid, instance, storage, manager } : { uid, instance, storage };
}

/** How long judging a re-delivered job keeps going while its storage is unavailable (as long as a worker keeps recording an outcome). */
const JUDGE_THROUGH_OUTAGE_MS = 5 * 60_000;

/** Sets a handed-back job's lock to a new token if it is unlocked and still active (`relockHandedBack-2.lua`). */
const RELOCK_HANDED_BACK = RedisScript.load<number>('relockHandedBack');
