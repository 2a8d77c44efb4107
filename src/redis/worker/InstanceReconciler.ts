import type { Container } from 'inversify';
import type { Redis } from 'ioredis';
import { InvalidInstanceStateError, JobGoneError, UnknownInstanceError, WorkerLostError } from '../../errors';
import { failureMetadata } from '../../logging/failureMetadata';
import type { ManagerFactory } from '../../manager/ManagerFactory';
import type { TriggerManager } from '../../manager/TriggerManager';
import { TaskStatus } from '../../model';
import type { TaskInstance } from '../../model';
import { TRIGGERS } from '../../registry/tokens';
import { TriggerRegistry } from '../../registry/TriggerRegistry';
import type { ResolvedTaskOptions } from '../../registry/TaskOptions';
import { isNamedBound, resolveNamed } from '../../registry/resolveNamed';
import { BullMQTaskRunner } from '../bullmq/BullMQTaskRunner';
import type { RedisConnection } from '../connection/RedisConnection';
import { RedisDirectory } from '../storage/RedisDirectory';
import { WorkerHeartbeat } from './WorkerHeartbeat';
import type { WorkerBeat, WorkerBeats } from './WorkerHeartbeat';

/** Settings of an {@link InstanceReconciler}. */
export interface ReconcileSettings {
  /** Entries younger than this (ms since the instance was scheduled, by the server's clock) are left alone. */
  graceMs: number;
  /** At most this many entries of the unresolved index (scheduled and running) are read per pass. */
  batch: number;
  /** A worker whose last heartbeat is older than this (ms) is dead. */
  heartbeatTimeoutMs: number;
  /**
   * The heartbeat id of the worker that reconciles: while its own last beat
   * is missing or older than `heartbeatTimeoutMs`, the heartbeat record is
   * behind (see {@link InstanceReconciler}) and `running` instances are left
   * alone.
   */
  workerId?: string;
}

/** What one reconciliation pass did. */
export interface ReconcileReport {
  /** Index entries examined (scheduled and running ones, and those whose record is gone). */
  examined: number;
  /** `scheduled` instances whose job was missing or finished, enqueued again. */
  reenqueued: Array<{ uid: string; instance: string }>;
  /** `running` instances nothing would settle, failed (WorkerLostError or JobGoneError). */
  failed: Array<{ uid: string; instance: string; error: Error }>;
  /** `running` instances whose worker died, replayed because their task has `retryOnWorkerLoss`. */
  replayed: Array<{ uid: string; instance: string }>;
  /** Entries that could not be settled this time (the next pass retries them). */
  errors: Error[];
  /** Whether the `running` entries were left alone because the heartbeat record is behind this worker's own beats. */
  heartbeatsBehind?: boolean;
  /** Sessions whose keys were all gone (expired by TTL), dropped from the directory's sessions index this pass. */
  droppedSessions: string[];
  /** Failed instances whose record was gone (their session expired by TTL), dropped from the directory's failed index this pass. */
  droppedFailed: Array<{ uid: string; instance: string }>;
}

/** BullMQ job states in which the job will still run or is running. */
const LIVE_JOB_STATES: ReadonlySet<string> = new Set(['waiting', 'delayed', 'prioritized', 'active', 'waiting-children']);

/**
 * A worker's reconciliation pass (see docs/ARCHITECTURE.md,
 * "Reconciliation"): pages through the directory's `scheduled` and
 * `running` entries older than the grace period, for instances whose job
 * belongs to one of the worker's queues, and settles those nothing would
 * settle: a `scheduled` instance whose job is missing or finished is
 * enqueued again (by its deterministic id); a `running` one whose job is
 * missing or finished and that no live worker claims is failed
 * ({@link WorkerLostError} when a dead worker's heartbeat claimed it, else
 * {@link JobGoneError}), or replayed if its task has `retryOnWorkerLoss`.
 * Every action re-checks the instance and the job under the session lock,
 * so several workers reconciling at once act once. It acts through the
 * manager type the job's data names (the one that scheduled the instance),
 * so that type's hooks hear of it; a job that is gone names none, and the
 * default type acts then.
 *
 * The reconciling worker beats too. When its own beat is missing or stale,
 * the server has lost writes it acknowledged to this worker (a failover to
 * a replica that missed them, a restart without them) or this worker could
 * not reach it: other workers' silence and the jobs' states prove nothing
 * then, so `running` entries wait for a pass with a current record.
 */
export class InstanceReconciler {
  private readonly directory: RedisDirectory;
  private cursor: string | undefined;
  private sessionCursor: string | undefined;
  private failedCursor: string | undefined;

  constructor(
    private readonly container: Container,
    private readonly connection: RedisConnection,
    private readonly jobRedis: Redis,
    private readonly queues: readonly string[],
    private readonly settings: ReconcileSettings,
  ) {
    this.directory = new RedisDirectory(connection);
  }

  /** One bounded pass: at most `batch` entries of the unresolved index. */
  async pass(): Promise<ReconcileReport> {
    const report: ReconcileReport = { examined: 0, reenqueued: [], failed: [], replayed: [], errors: [], droppedSessions: [], droppedFailed: [] };
    const prefix = this.connection.settings.prefix;
    const beats = await WorkerHeartbeat.read(this.jobRedis, prefix);
    const before = new Date(beats.now - this.settings.graceMs);
    const own = beats.workers.find((beat) => beat.id === this.settings.workerId);
    const behind = this.settings.workerId !== undefined && (own === undefined || beats.now - own.at > this.settings.heartbeatTimeoutMs);
    if (behind) report.heartbeatsBehind = true;
    const page = await this.directory.unresolved({ before, limit: this.settings.batch, cursor: this.cursor });
    this.cursor = page.next;
    for (const entry of page.entries) {
      const { status, uid, instance } = entry;
      if (status !== undefined && status !== TaskStatus.Scheduled && status !== TaskStatus.Running) continue;
      if (behind && status === TaskStatus.Running) continue;
      report.examined += 1;
      try {
        // An entry whose record is gone (its session expired or was deleted by other means) is dropped.
        if (status === undefined) await this.directory.drop(TaskStatus.Scheduled, uid, instance);
        else await this.settle(status, uid, instance, beats, report);
      } catch (error) {
        // One entry's trouble (a lock timeout, an unknown name) does not stop the pass; the next pass retries it.
        if (error instanceof UnknownInstanceError) await this.directory.drop(TaskStatus.Scheduled, uid, instance);
        else report.errors.push(error instanceof Error ? error : new Error(String(error)));
      }
    }
    await this.sweepExpired(report);
    await this.pruneWorkers(beats);
    return report;
  }

  /**
   * One page of the sessions index and one of the failed index per pass (a
   * full sweep every so many passes): entries of sessions that expired by
   * TTL, and failed entries whose record went with them, go.
   */
  private async sweepExpired(report: ReconcileReport): Promise<void> {
    try {
      const sessions = await this.directory.sweepExpiredSessions(this.settings.batch, this.sessionCursor);
      this.sessionCursor = sessions.next;
      report.droppedSessions.push(...sessions.dropped);
      const failed = await this.directory.sweepGoneFailed(this.settings.batch, this.failedCursor);
      this.failedCursor = failed.next;
      report.droppedFailed.push(...failed.dropped.map(({ uid, instance }) => ({ uid, instance })));
    } catch (error) {
      report.errors.push(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private async settle(
    status: 'scheduled' | 'running',
    uid: string,
    name: string,
    beats: WorkerBeats,
    report: ReconcileReport,
  ): Promise<void> {
    const located = this.container.get<ManagerFactory>(TRIGGERS.ManagerFactory)(uid, { storage: 'redis' });
    const instance = await located.storage.getInstance(name);
    if (instance.status !== status) return;
    const target = this.jobOf(located, instance);
    if (target === undefined) return;
    const jobState = await target.runner.queue(target.queue, uid).getJobState(target.jobId);
    if (LIVE_JOB_STATES.has(jobState)) return;
    // Acted on through the manager type the job names, so its hooks (postStatusChange) hear of it.
    const manager = jobState === 'unknown' ? located : await this.managerOfJob(uid, target, located);
    if (status === TaskStatus.Scheduled) {
      const enqueued = await manager.storage.withLock(async (tx) => {
        const current = await tx.instance(name);
        if (current.status !== TaskStatus.Scheduled) return false;
        const queue = target.runner.queue(target.queue, uid);
        const state = await queue.getJobState(target.jobId);
        if (LIVE_JOB_STATES.has(state)) return false;
        // A finished job keeps its id: it must go before the instance can be enqueued again under that id.
        if (state !== 'unknown') await queue.remove(target.jobId);
        await target.runner.run(manager, current);
        return true;
      });
      if (enqueued) report.reenqueued.push({ uid, instance: name });
      return;
    }
    const claims = claimsOf(beats, target.jobId);
    if (claims.some((beat) => beats.now - beat.at <= this.settings.heartbeatTimeoutMs)) return;
    let lost: { error: JobGoneError | WorkerLostError; retry: boolean } | undefined;
    // Through the manager, so its postStatusChange hook hears of the failure.
    await manager.failInstanceWhen(name, async (current) => {
      if (current.status !== TaskStatus.Running) return undefined;
      const state = await target.runner.queue(target.queue, uid).getJobState(target.jobId);
      if (LIVE_JOB_STATES.has(state)) return undefined;
      const dead = claims[0];
      const error =
        dead === undefined
          ? new JobGoneError({ uid, instance: name, status: 'running', jobId: target.jobId, queue: target.queue, jobState: state === 'completed' || state === 'failed' ? state : 'missing' })
          : new WorkerLostError({ uid, instance: name, jobId: target.jobId, workerId: dead.id, lastHeartbeat: new Date(dead.at), heartbeatTimeoutMs: this.settings.heartbeatTimeoutMs });
      lost = { error, retry: retriesOnWorkerLoss(current) };
      return lost.retry ? undefined : failureMetadata(error);
    });
    if (lost === undefined) return;
    if (!lost.retry) {
      report.failed.push({ uid, instance: name, error: lost.error });
      return;
    }
    try {
      await manager.retryInstance(name, failureMetadata(lost.error), { onlyIf: TaskStatus.Running });
      report.replayed.push({ uid, instance: name });
    } catch (error) {
      if (!(error instanceof InvalidInstanceStateError)) throw error;
    }
  }

  /**
   * The manager of the registered type the job's data names (the type the
   * instance was scheduled by), or `fallback` (the default type) when the
   * job is gone or names a type not registered here.
   */
  private async managerOfJob(uid: string, target: { runner: BullMQTaskRunner; queue: string; jobId: string }, fallback: TriggerManager): Promise<TriggerManager> {
    const job = await target.runner.queue(target.queue, uid).getJob(target.jobId);
    const type: unknown = job?.data?.manager;
    if (typeof type !== 'string' || type === fallback.typeName || !isNamedBound(this.container, 'manager', type)) return fallback;
    return this.container.get<ManagerFactory>(TRIGGERS.ManagerFactory)(uid, { manager: type, storage: 'redis' });
  }

  /** The BullMQ queue and job of `instance`, when the BullMQ runner takes it and the queue is one of this worker's. */
  private jobOf(manager: TriggerManager, instance: TaskInstance): { runner: BullMQTaskRunner; queue: string; jobId: string } | undefined {
    const runner = resolveNamed<unknown>(this.container, 'runner', manager.runnerNameFor(instance));
    if (!(runner instanceof BullMQTaskRunner)) return undefined;
    const queue = runner.queueNameFor(manager, instance);
    if (!this.queues.includes(queue)) return undefined;
    return { runner, queue, jobId: BullMQTaskRunner.jobIdFor(this.connection.settings.prefix, manager.storage.uid, instance.name) };
  }

  /** Forgets the heartbeats of workers silent for a day (or ten timeouts, if longer): they hold nothing any more. */
  private async pruneWorkers(beats: WorkerBeats): Promise<void> {
    const bound = Math.max(86_400_000, 10 * this.settings.heartbeatTimeoutMs);
    const gone = beats.workers.filter((beat) => beats.now - beat.at > bound).map((beat) => beat.id);
    if (gone.length > 0) await this.jobRedis.hdel(WorkerHeartbeat.key(this.connection.settings.prefix), ...gone);
  }
}

/** The heartbeats that list `jobId`, latest first. */
export function claimsOf(beats: WorkerBeats, jobId: string): WorkerBeat[] {
  return beats.workers.filter((beat) => beat.jobs.includes(jobId)).sort((a, b) => b.at - a.at);
}

/** Whether `instance`'s task asks to be re-run after a lost worker and has a replay left (`maxRetries`). */
export function retriesOnWorkerLoss(instance: TaskInstance): boolean {
  const options = TriggerRegistry.global.get<ResolvedTaskOptions>('task', instance.config.run)?.options;
  return options?.retryOnWorkerLoss === true && instance.depth < options.maxRetries;
}
