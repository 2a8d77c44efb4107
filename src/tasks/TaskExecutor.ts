import { callAsPromise } from '../context/callAsPromise';
import { inject, injectable } from 'inversify';
import type { Container } from 'inversify';
import { resolveNamed } from '../registry/resolveNamed';
import { TRIGGERS } from '../registry/tokens';
import { RunnerConfigurationError, StorageUnavailableError, TaskResultError } from '../errors';
import { OperationId } from '../storage/OperationId';
import { TaskLogger } from '../logging';
import type { LogSink } from '../logging';
import type { ManagerFactory } from '../manager/ManagerFactory';
import type { TriggerManager } from '../manager/TriggerManager';
import { TaskStatus, assertJsonObject, describeValue, isPlainObject, jsonCopy } from '../model';
import type { InstanceMetadata, Kwargs, TaskInstance, TaskProgress } from '../model';
import type { TaskJobPayload } from '../runners/TaskJobPayload';
import { RetryRequest } from './RetryRequest';
import { SkipRequest } from './SkipRequest';
import type { Task } from './Task';
import { TaskContext } from './TaskContext';
import { errorTypeName, failureMetadata } from '../logging/failureMetadata';
import { errorContext } from '../logging/withContext';
import { TriggersMetrics } from '../telemetry/TriggersMetrics';
import { TriggersTracer } from '../telemetry/TriggersTracer';

/** How long a worker keeps trying to start an instance, or to record the outcome of a task that ran, while the storage is unavailable. */
const OUTCOME_RETRY_MS = 5 * 60_000;
/** Pause between those attempts (each attempt itself waits up to the operation timeout for a connection). */
const OUTCOME_RETRY_PAUSE_MS = 200;

/**
 * Runs `attempt` again while it fails with {@link StorageUnavailableError}
 * (a Redis restart or failover), for at most {@link OUTCOME_RETRY_MS}; the
 * caller makes each attempt safe to repeat (one operation id).
 */
function whileStorageUnavailable<T>(attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + OUTCOME_RETRY_MS;
  // Not async: a first attempt that succeeds (every job's start and finish) costs one `then`, no async frame.
  const again = (error: unknown): Promise<T> => {
    if (!(error instanceof StorageUnavailableError) || Date.now() >= deadline) throw error;
    return new Promise((resolve) => setTimeout(resolve, OUTCOME_RETRY_PAUSE_MS)).then(() => callAsPromise(attempt).then(undefined, again));
  };
  return callAsPromise(attempt).then(undefined, again);
}

/** The status each outcome leaves the instance in (a retry: `replayed`). */
const OUTCOME_STATUS = { finished: TaskStatus.Finished, skipped: TaskStatus.Skipped, failed: TaskStatus.Failed, retry: TaskStatus.Replayed } as const;

/** What the runner executing a payload wants to hear about while the task runs. */
export interface ExecutionHooks {
  /** The task reported progress (`ctx.progress`), already recorded on the instance: e.g. a BullMQ worker sets the job's progress. */
  progress?: (progress: TaskProgress) => Promise<unknown> | void;
  /** The task threw: called with the error before the failure is recorded (e.g. a BullMQ worker then fails the job with it). */
  failed?: (error: unknown) => void;
  /** The queue the job came from, for its trace span. */
  queue?: string;
}

/**
 * Runs the task lifecycle for one job payload, wherever the runner runs it:
 * rebuild the manager of the payload's registered type over the payload's
 * storage and session, move the instance to `running`, call the task with a
 * fresh object from the container, then record `finished` (and cascade),
 * `skipped`, `failed`, or fail-and-replay for a retry.
 */
@injectable()
export class TaskExecutor {
  constructor(@inject(TRIGGERS.Container) private readonly container: Container) {}

  /**
   * Executes the instance a payload names. Resolves once its status and
   * cascade are recorded. Rejects only when the instance could not be
   * reached (unknown manager/storage type or instance) or the cascade failed.
   *
   * @throws RunnerConfigurationError when called while the session's lock is
   *   held in this async context (a runner executing inside its `run()`):
   *   the run would silently see a not-yet-scheduled instance or deadlock.
   */
  execute(payload: TaskJobPayload, hooks: ExecutionHooks = {}): Promise<TaskStatus | undefined> {
    // Not async (once per job): what resolving the manager throws becomes the rejection.
    return callAsPromise(() => this.executeJob(payload, hooks));
  }

  private executeJob(payload: TaskJobPayload, hooks: ExecutionHooks): Promise<TaskStatus | undefined> {
    const factory = this.container.get<ManagerFactory>(TRIGGERS.ManagerFactory);
    const manager = factory(payload.uid, { manager: payload.manager, storage: payload.storage });
    if (manager.storage.isLockedHere) {
      throw new RunnerConfigurationError({
        uid: payload.uid,
        instance: payload.instance,
        reason:
          `Instance "${payload.instance}" of session "${payload.uid}" was executed inside the session lock ` +
          '(a runner ran the task from its run() method); a runner must only accept the instance there and ' +
          'execute it once the scheduling operation returned, outside the lock (see StorageBackend.outsideLocks)',
      });
    }
    // The job's span: a child of the fire that scheduled it (through the trace context the payload carries).
    return TriggersTracer.inJob({ uid: payload.uid, instance: payload.instance, queue: hooks.queue, carrier: payload.trace }, async () => {
      // Started under one id, retried through a storage outage: a start applied whose reply was lost is ours.
      const startId = OperationId.next();
      const instance = await whileStorageUnavailable(() => manager.startInstance(payload.instance, startId));
      if (instance === undefined) return undefined;
      return TriggersTracer.inTask(payload.uid, instance.name, instance.taskName, async (span) => {
        const logger = new TaskLogger(this.container.get<LogSink>(TRIGGERS.LogSink), payload.uid, instance.name);
        const startedAt = performance.now();
        const outcome = await this.runTask(manager, instance, logger, hooks);
        const status = OUTCOME_STATUS[outcome.kind];
        TriggersMetrics.taskRan(instance.taskName, status, performance.now() - startedAt);
        if (outcome.kind === 'failed') {
          // The failure also reaches the log sink, with the context attached to the error.
          const error = outcome.error;
          logger.error(`${errorTypeName(error)}: ${error instanceof Error ? error.message : String(error)}`, errorContext(error));
          TriggersTracer.outcome(span, status, error);
          hooks.failed?.(error);
        } else {
          TriggersTracer.outcome(span, status);
        }
        // Within the task's span: the fires its outcome causes (the cascade) are its children.
        await this.record(manager, instance, logger, outcome);
        return status;
      });
    });
  }

  private async runTask(manager: TriggerManager, instance: TaskInstance, logger: TaskLogger, hooks: ExecutionHooks): Promise<Outcome> {
    try {
      const task = resolveNamed<Task>(this.container, 'task', instance.config.run, `(run by instance "${instance.name}")`);
      task.bindInstance(instance);
      const context = new TaskContext(manager, instance.name, jsonCopy(instance.metadata.actualKwargs ?? {}), logger, hooks.progress);
      const result = (await task.run(context)) ?? {};
      if (!isPlainObject(result)) {
        throw new TaskResultError({ task: instance.config.run, instance: instance.name, returned: describeValue(result) });
      }
      assertJsonObject(result, `result of task "${instance.config.run}" (instance "${instance.name}")`);
      return { kind: 'finished', result };
    } catch (error) {
      if (error instanceof SkipRequest) return { kind: 'skipped', metadata: error.metadata };
      if (error instanceof RetryRequest) return { kind: 'retry', request: error };
      return { kind: 'failed', error };
    }
  }

  /**
   * Records the outcome of a task that ran, retrying while the storage is
   * unavailable (a Redis restart or failover), for at most
   * {@link OUTCOME_RETRY_MS}, under one operation id: the task's side
   * effects happened, so its outcome must land, and a retry whose first
   * attempt was applied after all applies nothing.
   */
  private record(manager: TriggerManager, instance: TaskInstance, logger: TaskLogger, outcome: Outcome): Promise<unknown> {
    const attempt = { operationId: OperationId.next() };
    let retry = false;
    return whileStorageUnavailable(() => {
      if (!retry || !manager.storage.remembersOperations) {
        retry = true;
        return this.recordOnce(manager, instance, logger, outcome, attempt);
      }
      // A retry whose first attempt was applied after all (its reply was lost) has nothing left to do.
      return manager.storage
        .readAppliedOutcome(attempt.operationId)
        .then((applied) => (applied !== undefined ? undefined : this.recordOnce(manager, instance, logger, outcome, attempt)));
    });
  }

  /** One attempt at recording `outcome` (not async: the manager's promise is returned as is). */
  private recordOnce(
    manager: TriggerManager,
    instance: TaskInstance,
    logger: TaskLogger,
    outcome: Outcome,
    attempt: { operationId: string },
  ): Promise<unknown> {
    const logLevel = logger.maxLevel;
    const level: InstanceMetadata = logLevel === undefined ? {} : { logLevel };
    switch (outcome.kind) {
      case 'finished':
        return manager.updateInstanceStatus(instance.name, TaskStatus.Finished, {
          metadata: { result: outcome.result, ...level },
          cascade: true,
          cascadeKwargs: outcome.result,
        }, attempt);
      case 'skipped':
        return manager.updateInstanceStatus(instance.name, TaskStatus.Skipped, { metadata: { ...outcome.metadata, ...level } }, attempt);
      case 'failed':
        return manager.updateInstanceStatus(instance.name, TaskStatus.Failed, { metadata: failureMetadata(outcome.error, logLevel) }, attempt);
      case 'retry': {
        const { error, metadata, replacementKwargs, cooldown } = outcome.request.options;
        const failure = { ...(error === undefined ? level : failureMetadata(error, logLevel)), ...metadata };
        return manager.retryInstance(instance.name, failure, {
          replacementKwargs,
          metadata: cooldown === undefined ? {} : { cooldown },
          operationId: attempt.operationId,
        });
      }
    }
  }
}

type Outcome =
  | { kind: 'finished'; result: Kwargs }
  | { kind: 'skipped'; metadata: Record<string, unknown> }
  | { kind: 'retry'; request: RetryRequest }
  | { kind: 'failed'; error: unknown };
