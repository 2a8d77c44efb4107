import type { Container } from 'inversify';
import type { Span } from '@opentelemetry/api';
import { ConfigurationValidator } from '../config';
import { TriggerRegistry } from '../registry/TriggerRegistry';
import { isNamedBound, resolveNamed } from '../registry/resolveNamed';
import { TRIGGERS } from '../registry/tokens';
import { InvalidIdempotencyKeyError, InvalidInstanceStateError, InvalidKwargsError, InvalidTriggerNameError, StorageUnavailableError, UnknownInstanceError, UnknownManagerError } from '../errors';
import { ALL_TASK_STATUSES, TaskInstance, TaskStatus, assertJsonObject, isPlainObject, isReservedName, jsonCopy } from '../model';
import type { InstanceMetadata, Kwargs, TaskConfig, TriggerConfiguration, TriggerKwargs } from '../model';
import type { AtomicOperation, AtomicOutcome } from '../storage/AtomicOperation';
import type { StorageBackend } from '../storage/StorageBackend';
import type { SessionTransaction } from '../storage/SessionTransaction';
import { OperationId } from '../storage/OperationId';
import { failureMetadata } from '../logging/failureMetadata';
import type { ResolvedTaskOptions } from '../registry/TaskOptions';
import { Manager } from './Manager';
import { OperationScope } from './OperationScope';
import { callAsPromise } from '../context/callAsPromise';
import type { OperationEntry } from './OperationScope';
import { TriggersMetrics } from '../telemetry/TriggersMetrics';
import { TriggersTracer } from '../telemetry/TriggersTracer';

/** Options of {@link TriggerManager.updateInstanceStatus}. */
export interface UpdateStatusOptions {
  /** Merged into the instance's metadata (a JSON object; any object type is accepted, an application interface included). */
  metadata?: object;
  /** Fire the task's name afterwards (as a finished task does). */
  cascade?: boolean;
  /** Kwargs of that cascade (default `{}`). */
  cascadeKwargs?: Kwargs;
}

/** Options of {@link TriggerManager.fire}. */
export interface FireOptions {
  /**
   * Applies the fire at most once per session for this key, within the
   * storage's window (`createTriggersContainer({ idempotencyWindowSeconds })`,
   * default 24 hours), from any process: a repeat changes nothing (the first
   * fire's kwargs stand) and hands the instances the first one scheduled to
   * their runners again, which is harmless. A non-empty string of at most
   * 1,024 characters (see docs/firing.md, "Idempotency keys").
   */
  idempotencyKey?: string;
}

/** Options of {@link TriggerManager.skipFailedInstance}. */
export interface SkipOptions {
  /** Fire the task's name so dependent tasks run (default false). */
  cascade?: boolean;
  /** Kwargs of that cascade, recorded as the instance's `result` (default `{}`). */
  result?: Kwargs;
}

/**
 * What the manager needs of a task runner (`BaseTaskRunner` implements it;
 * runners are resolved by name from the container).
 */
export interface InstanceRunner {
  /** Whether `run` only accepts the instance and never executes the task before returning. */
  readonly defersExecution: boolean;
  /** Accepts `instance` for execution; throwing refuses it (the instance fails). */
  run(manager: TriggerManager, instance: TaskInstance): Promise<void>;
}

/** Internal options of a replay (what a task's `retry()` adds). */
interface ReplayOptions {
  replacementKwargs?: TriggerKwargs;
  metadata?: InstanceMetadata;
  /** Refuse (InvalidInstanceStateError) unless the instance is still in this status when the lock is held. */
  onlyIf?: TaskStatus;
  /** The operation's id, when the caller retries it (so a retry whose first attempt was applied applies nothing). */
  operationId?: string;
}

/**
 * The controller of one session: fires triggers, creates and schedules task
 * instances, changes their statuses, and replays or skips failures.
 *
 * Every mutation runs under the session lock through a transaction, so
 * concurrent operations on a session (from any number of processes, with a
 * cross-process storage) never lose an update, and a failed operation saves
 * nothing. Hooks (`postFire`, `postReplay`, `postSkip`) run after the lock
 * is released; subclass and register with `@Manager('name')` to use them.
 *
 * Build managers with `getManager(container, uid, { manager, storage })`.
 */
@Manager('default')
export class TriggerManager {
  private bindings?: { container: Container; storage: StorageBackend };

  /** @internal Called by the manager factory: attaches the container and the session's storage. */
  attach(container: Container, storage: StorageBackend): this {
    this.bindings = { container, storage };
    return this;
  }

  /** The storage backend of this manager's session (also the inspection API). */
  get storage(): StorageBackend {
    return this.attached.storage;
  }

  /** The container this manager resolves runners and tasks from. */
  get container(): Container {
    return this.attached.container;
  }

  /** The registered name of this manager's class (what job payloads carry). */
  get typeName(): string {
    const name = TriggerRegistry.nameOf('manager', this.constructor);
    if (name === undefined) {
      throw new UnknownManagerError({ managerClass: this.constructor.name, problem: 'unregistered' });
    }
    return name;
  }

  /**
   * The runner used when neither the task configuration nor the task class
   * says `using`. Read from `TRIGGERS.DefaultTaskRunnerName`; a subclass may
   * override this getter.
   */
  get defaultTaskRunnerName(): string {
    return this.container.get<string>(TRIGGERS.DefaultTaskRunnerName);
  }

  // ------------------------------------------------------------ configuration

  /**
   * Merges task entries into the session (an entry replaces the task of the
   * same name). Previously fired triggers are not replayed against new tasks.
   *
   * @throws InvalidConfigurationError naming each bad task and directive; nothing is saved
   */
  async updateConfiguration(config: TriggerConfiguration): Promise<void> {
    const tasks = new ConfigurationValidator({
      isKnownRunner: (name) => isNamedBound(this.container, 'runner', name),
    }).validate(config);
    await OperationScope.run(() =>
      this.locked(async (tx) => {
        for (const task of tasks) tx.putTask(task);
      }, OperationId.next()),
    );
  }

  // ------------------------------------------------------------------- firing

  /**
   * Fires `trigger` with `kwargs` into the session: applies it to the tasks
   * that mention it, creates instances, abandons or schedules them, records
   * the kwargs as the trigger's latest, then calls `postFire`. Settles once
   * the hook returned; it does not wait for scheduled tasks to run.
   *
   * Applied at most once however often the storage is asked: a write whose
   * reply was lost is re-sent under the same operation id and not applied
   * twice. With `options.idempotencyKey`, also across calls and processes.
   *
   * @throws InvalidTriggerNameError | InvalidKwargsError | UnknownRunnerError | InvalidIdempotencyKeyError — nothing is saved
   */
  fire(trigger: string, kwargs: Kwargs = {}, options?: FireOptions): Promise<void> {
    // Not async (every fire): what the checks throw becomes the rejection.
    return callAsPromise(() => this.checkedFire(trigger, kwargs, options));
  }

  private checkedFire(trigger: string, kwargs: Kwargs, options: FireOptions | undefined): Promise<void> {
    assertTriggerName(trigger);
    assertJsonObject(kwargs, `kwargs of trigger "${trigger}"`);
    const key = options?.idempotencyKey;
    const operationId = key === undefined ? OperationId.next() : OperationId.forKey(key);
    if (key !== undefined && !this.storage.remembersOperations) {
      throw new InvalidIdempotencyKeyError({ key, problem: 'unsupported', storageClass: this.storage.constructor.name });
    }
    // JSON data (checked above): copied as the JSON round trip the storage takes would copy it.
    const copy = jsonCopy(kwargs);
    return TriggersTracer.inFire(this.storage.uid, trigger, false, (span) =>
      OperationScope.runEntering(async (within) => {
        const atOnce = this.appliesAtomically ? await this.applyAtomically({ fire: { trigger, kwargs: copy }, operationId }, within) : undefined;
        const scheduled =
          atOnce?.scheduled ??
          (await within(() =>
            this.locked(
              (tx) => (key === undefined ? this.applyFire(tx, trigger, copy) : this.applyKeyedFire(tx, operationId, trigger, copy)),
              operationId,
            ),
          ));
        TriggersTracer.scheduled(span, scheduled);
        countScheduled(scheduled);
        // A hook that returns nothing costs no await (this runs on every fire).
        const hook = this.postFireWithin(within, trigger, scheduled);
        if (hook !== undefined) await hook;
      }),
    );
  }

  /**
   * Lets the storage apply an operation in one atomic step (no lock round
   * trips), then hands the instances it scheduled to their runners (but
   * those the storage already enqueued in that step). Only
   * runners that defer execution qualify (they are then called outside the
   * lock). A runner that refuses an instance fails it, under the lock, as
   * on the locked path. Undefined when the storage declined: the caller
   * runs the operation under the lock. The storage's step runs outside the
   * operation's frame; the hand-over, if any, inside it (`within`).
   */
  private async applyAtomically(operation: Pick<AtomicOperation, 'update' | 'fire' | 'operationId'>, within: OperationEntry): Promise<AtomicOutcome | undefined> {
    const runners = new Map<TaskConfig, InstanceRunner>();
    const outcome = await this.storage.applyAtomically({
      ...operation,
      now: new Date(),
      managerType: this.typeName,
      canHandOff: (task) => {
        let runner: InstanceRunner;
        try {
          runner = resolveNamed<InstanceRunner>(this.container, 'runner', this.runnerNameForTask(task), `for task "${task.name}"`);
        } catch {
          return false;
        }
        runners.set(task, runner);
        return runner.defersExecution;
      },
      runnerOf: (task) => runners.get(task),
    });
    if (outcome === undefined) return undefined;
    // Every scheduled instance already enqueued by the storage's step (a worker's cascade): nothing to hand over.
    let handOver = false;
    for (const instance of outcome.scheduled) handOver ||= outcome.enqueued?.has(instance.name) !== true;
    if (!handOver) return { updated: outcome.updated, scheduled: outcome.scheduled.slice() };
    return within(() => this.handOver(outcome, runners));
  }

  /** Hands the instances an atomic step scheduled (but those it enqueued) to their runners; fails those refused (see {@link unreachable}). */
  private async handOver(outcome: AtomicOutcome, runners: Map<TaskConfig, InstanceRunner>): Promise<AtomicOutcome> {
    const scheduled: TaskInstance[] = [];
    const refused: Array<[TaskInstance, unknown]> = [];
    for (const instance of outcome.scheduled) {
      if (outcome.enqueued?.has(instance.name) === true) {
        scheduled.push(instance);
        continue;
      }
      try {
        const runner = runners.get(instance.config) ?? this.runnerFor(instance);
        await runner.run(this, instance);
        scheduled.push(instance);
      } catch (error) {
        if (unreachable(error)) scheduled.push(instance);
        else refused.push([instance, error]);
      }
    }
    if (refused.length > 0) {
      await this.locked(async (tx) => {
        for (const [instance, error] of refused) {
          const target = await tx.instance(instance.name);
          if (target.status !== TaskStatus.Scheduled) continue;
          target.metadata = { ...target.metadata, ...failureMetadata(error) };
          target.setStatus(TaskStatus.Failed);
          tx.put(target);
        }
      }, OperationId.next());
    }
    return { updated: outcome.updated, scheduled };
  }

  /**
   * A fire under an idempotency key on the locked path: when the key was
   * applied before (by any process, on either path), nothing is written and
   * the instances that application scheduled are handed to their runners
   * again if still `scheduled` and not enqueued then (a runner that refuses
   * is ignored: the first application dealt with it).
   */
  private async applyKeyedFire(tx: SessionTransaction, operationId: string, trigger: string, kwargs: Kwargs): Promise<TaskInstance[]> {
    const applied = await tx.appliedOutcome(operationId);
    if (applied === undefined) return this.applyFire(tx, trigger, kwargs);
    const names = JSON.parse(applied) as string[];
    const scheduled: TaskInstance[] = [];
    for (let i = 1; i < names.length; i += 2) {
      let instance: TaskInstance;
      try {
        instance = await tx.instance(names[i]);
      } catch (error) {
        if (error instanceof UnknownInstanceError) continue;
        throw error;
      }
      scheduled.push(instance);
      if (names[i + 1] !== '0' || instance.status !== TaskStatus.Scheduled) continue;
      try {
        await this.runnerFor(instance).run(this, instance);
      } catch {
        // The first application handed it over already; this is only a second chance.
      }
    }
    return scheduled;
  }

  private async applyFire(tx: SessionTransaction, trigger: string, kwargs: Kwargs): Promise<TaskInstance[]> {
    const plan = await tx.prepareFire(trigger);
    const ready: TaskInstance[] = [];
    for (const task of plan.tasks) {
      const instances = plan.unstarted.get(task.name) ?? [];
      let applied = false;
      for (const instance of instances) {
        if (instance.applyTrigger(trigger, kwargs)) {
          applied = true;
          instance.touch();
          tx.put(instance);
        }
      }
      const count = await tx.instanceCount(task.name);
      if (count === 0 || (task.andEvery === trigger && !applied)) {
        const instance = await tx.createInstance(task);
        for (const other of task.after) {
          if (other !== trigger && Object.hasOwn(plan.latestKwargs, other)) instance.kwargs[other] = plan.latestKwargs[other];
        }
        for (const other of task.unless) {
          if (other !== trigger && Object.hasOwn(plan.latestKwargs, other)) instance.abandonState.add(other);
        }
        instance.applyTrigger(trigger, kwargs);
        tx.put(instance);
        instances.push(instance);
      }
      for (const instance of instances) {
        if (instance.canAbandon) {
          instance.setStatus(TaskStatus.Abandoned);
          tx.put(instance);
        } else if (instance.canRun) {
          ready.push(instance);
        }
      }
    }
    tx.setLatestKwargs(trigger, kwargs);
    return this.schedule(tx, ready);
  }

  /**
   * Marks each instance `scheduled`, saves the session (one write) while
   * handing each instance to its runner. Runners are resolved first, so an
   * unknown runner name fails the operation before any status changes. A
   * runner that refuses an instance fails that instance (it can then be
   * replayed), unless it only could not reach its queue ({@link unreachable});
   * the session lock is held throughout, so no other operation sees the
   * `scheduled` state of a refused instance.
   */
  private async schedule(tx: SessionTransaction, instances: TaskInstance[]): Promise<TaskInstance[]> {
    const runners = instances.map((instance) => [instance, this.runnerFor(instance)] as const);
    // Written as `scheduled` before any runner sees it, in the operation's one
    // write: a remote worker can only read it after the lock is released, and
    // the common path (every runner accepts) needs no second write. A refusal
    // rewrites that instance as `failed` in the closing flush.
    for (const [instance] of runners) {
      instance.setStatus(TaskStatus.Scheduled);
      tx.put(instance);
    }
    // Under an idempotency key, a repeat answers with the instances scheduled here (the outcome applyAtomically records).
    if (tx.operationId !== undefined && OperationId.isKeyed(tx.operationId)) {
      tx.noteOutcome(JSON.stringify(['', ...instances.flatMap((instance) => [instance.name, '0'])]));
    }
    // The write and the runners' hand-offs travel together (a BullMQ `add`
    // does not wait for the write's round trip): nobody else can act on a
    // handed-off instance before this operation releases the lock, by which
    // time the write has landed; if the write fails, the operation fails and
    // a worker finds the instance not `scheduled` and runs nothing.
    const written = tx.flush();
    written.catch(() => undefined);
    const scheduled: TaskInstance[] = [];
    for (const [instance, runner] of runners) {
      try {
        await runner.run(this, instance);
        scheduled.push(instance);
      } catch (error) {
        if (unreachable(error)) {
          scheduled.push(instance);
          continue;
        }
        instance.metadata = { ...instance.metadata, ...failureMetadata(error) };
        instance.setStatus(TaskStatus.Failed);
        tx.put(instance);
      }
    }
    await written;
    return scheduled;
  }

  /** The runner name for `instance`: config `using` > task class `using` > manager default. */
  runnerNameFor(instance: TaskInstance): string {
    return this.runnerNameForTask(instance.config);
  }

  /** The runner name for instances of `task`: config `using` > task class `using` > manager default. */
  runnerNameForTask(task: TaskConfig): string {
    const classOptions = TriggerRegistry.global.get<ResolvedTaskOptions>('task', task.run)?.options;
    return task.using ?? classOptions?.using ?? this.defaultTaskRunnerName;
  }

  private runnerFor(instance: TaskInstance): InstanceRunner {
    return resolveNamed<InstanceRunner>(this.container, 'runner', this.runnerNameFor(instance), `for instance "${instance.name}"`);
  }

  // --------------------------------------------------------------- recovery

  /**
   * Replays a failed instance: marks it `replayed`, schedules a clone (depth
   * + 1, `parent` set) with the same kwargs or, if given, `replacementKwargs`
   * (`{}` means no kwargs), then calls `postReplay`.
   *
   * @throws InvalidInstanceStateError if the instance is not `failed`
   */
  async replayFailedInstance(instance: string | TaskInstance, replacementKwargs?: TriggerKwargs): Promise<void> {
    await this.replay(nameOf(instance), { replacementKwargs });
  }

  private async replay(name: string, options: ReplayOptions, before?: (instance: TaskInstance) => void): Promise<void> {
    if (options.replacementKwargs !== undefined) assertTriggerKwargs(options.replacementKwargs, `replacement kwargs for "${name}"`);
    // The clone's job is a child of this span, wherever it runs.
    await TriggersTracer.inReplay(this.storage.uid, name, (span) => OperationScope.run(async () => {
      const failed = await this.locked(async (tx) => {
        const target = await tx.instance(name);
        if (before !== undefined) {
          before(target);
          tx.put(target);
        }
        assertStatus(target, 'replayed', target.canReplay);
        target.setStatus(TaskStatus.Replayed);
        tx.put(target);
        const clone = await tx.createInstance(target.config, {
          ...options.metadata,
          depth: target.depth + 1,
          parent: target.name,
        });
        clone.kwargs = structuredClone(options.replacementKwargs ?? target.kwargs);
        clone.abandonState = new Set(target.abandonState);
        tx.put(clone);
        await this.schedule(tx, [clone]);
        TriggersTracer.scheduled(span, [clone]);
        return target;
      }, options.operationId ?? OperationId.next());
      TriggersMetrics.statusReached(failed.taskName, TaskStatus.Replayed);
      TriggersMetrics.statusReached(failed.taskName, TaskStatus.Scheduled);
      await this.postReplay(failed);
    }));
  }

  /**
   * Marks a failed instance `skipped` (metadata `{ cascade, result }`); with
   * `cascade`, fires the task's name with `result` so dependents run, in the
   * same transaction (a cascade that cannot be scheduled leaves the instance
   * `failed`). Calls `postSkip` last (after the cascade's `postFire`).
   *
   * @throws InvalidInstanceStateError if the instance is not `failed`
   */
  async skipFailedInstance(instance: string | TaskInstance, options: SkipOptions = {}): Promise<void> {
    const cascade = options.cascade ?? false;
    const result = options.result ?? {};
    const name = nameOf(instance);
    assertJsonObject(result, `skip result for "${name}"`);
    const task = TaskInstance.parseName(name)?.task;
    const skip = (span?: Span): Promise<void> => OperationScope.run(async () => {
      // The skip and its cascade are one transaction: if the cascade cannot
      // be scheduled (an unknown runner), the instance stays `failed`.
      const { skipped, scheduled } = await this.locked(async (tx) => {
        const target = await tx.instance(name);
        assertStatus(target, 'skipped', target.canSkip);
        target.metadata = { ...target.metadata, cascade, result: structuredClone(result) };
        target.setStatus(TaskStatus.Skipped);
        tx.put(target);
        const cascaded = cascade ? await this.applyFire(tx, target.taskName, structuredClone(result)) : [];
        return { skipped: target, scheduled: cascaded };
      }, OperationId.next());
      TriggersMetrics.statusReached(skipped.taskName, TaskStatus.Skipped);
      if (span !== undefined) TriggersTracer.scheduled(span, scheduled);
      countScheduled(scheduled);
      if (cascade) await this.postFire(skipped.taskName, scheduled);
      await this.postSkip(skipped, cascade);
    });
    // A skip's cascade is a fire of the task's name, like a finished task's.
    await (cascade && task !== undefined ? TriggersTracer.inFire(this.storage.uid, task, true, skip) : skip());
  }

  // ------------------------------------------------------------ manual tools

  /**
   * Sets any status (a manual tool: no transition rules), merges `metadata`,
   * and optionally cascades. Returns the updated instance.
   */
  updateInstanceStatus(
    instance: string | TaskInstance,
    status: TaskStatus,
    options: UpdateStatusOptions = {},
    /** @internal The operation's id when the caller may retry the same change (a worker recording an outcome). */
    attempt?: { operationId: string },
  ): Promise<TaskInstance> {
    // Not async (every finished task comes through here): what the checks throw becomes the rejection.
    return callAsPromise(() => this.checkedStatusChange(nameOf(instance), status, options, attempt));
  }

  private checkedStatusChange(name: string, status: TaskStatus, options: UpdateStatusOptions, attempt: { operationId: string } | undefined): Promise<TaskInstance> {
    if (!ALL_TASK_STATUSES.includes(status)) {
      throw new InvalidInstanceStateError({ instance: name, status, action: 'set' });
    }
    if (options.metadata !== undefined) assertJsonObject(options.metadata, `metadata for "${name}"`);
    const cascadeKwargs = options.cascadeKwargs ?? {};
    if (options.cascade) assertJsonObject(cascadeKwargs, `cascade kwargs of "${name}"`);
    const task = TaskInstance.parseName(name)?.task;
    if (!options.cascade || task === undefined) return this.changeStatus(name, task, status, options, cascadeKwargs, attempt);
    // The cascade is a fire of the task's name: its span is the parent of the jobs it schedules.
    return TriggersTracer.inFire(this.storage.uid, task, true, (span) => this.changeStatus(name, task, status, options, cascadeKwargs, attempt, span));
  }

  private changeStatus(
    name: string,
    task: string | undefined,
    status: TaskStatus,
    options: UpdateStatusOptions,
    cascadeKwargs: Kwargs,
    attempt: { operationId: string } | undefined,
    span?: Span,
  ): Promise<TaskInstance> {
    return OperationScope.runEntering(async (within) => {
      const operationId = attempt?.operationId ?? OperationId.next();
      const atOnce = this.appliesAtomically
        ? await this.applyAtomically(
            {
              update: { name, status, metadata: (options.metadata ?? {}) as Record<string, unknown> },
              fire: options.cascade && task !== undefined ? { trigger: task, kwargs: cascadeKwargs } : undefined,
              operationId,
            },
            within,
          )
        : undefined;
      if (atOnce?.updated !== undefined) {
        TriggersMetrics.statusReached(atOnce.updated.taskName, status);
        if (options.cascade) {
          if (span !== undefined) TriggersTracer.scheduled(span, atOnce.scheduled);
          countScheduled(atOnce.scheduled);
          const hook = this.postFireWithin(within, atOnce.updated.taskName, atOnce.scheduled);
          if (hook !== undefined) await hook;
        }
        return atOnce.updated;
      }
      return within(() => this.changeStatusLocked(name, task, status, options, cascadeKwargs, operationId, span));
    });
  }

  /** {@link changeStatus} under the lock: the change, and its cascade in the same transaction. */
  private async changeStatusLocked(
    name: string,
    task: string | undefined,
    status: TaskStatus,
    options: UpdateStatusOptions,
    cascadeKwargs: Kwargs,
    operationId: string,
    span: Span | undefined,
  ): Promise<TaskInstance> {
    const change = async (tx: SessionTransaction): Promise<TaskInstance> => {
      const target = await tx.instance(name);
      target.changeStatus(status, (options.metadata ?? {}) as Record<string, unknown>);
      tx.put(target);
      return target;
    };
    if (!options.cascade) {
      const updated = await this.locked(change, operationId);
      TriggersMetrics.statusReached(updated.taskName, status);
      return updated;
    }
    let outcome: { updated: TaskInstance; scheduled: TaskInstance[] };
    try {
      // The change and its cascade in one transaction (one lock, one write:
      // what a finished task costs on every hop of a workflow).
      outcome = await this.locked(async (tx) => {
        // The cascade's read rides with the instance read (`<task>#<n>` names its task).
        if (task !== undefined) tx.prefetchFire(task);
        const updated = await change(tx);
        return { updated, scheduled: await this.applyFire(tx, updated.taskName, structuredClone(cascadeKwargs)) };
      }, operationId);
    } catch {
      // The cascade could not be applied (an unknown runner...): the status
      // change still stands on its own, then the cascade fires separately
      // and reports its own error (saving nothing of itself).
      const updated = await this.locked(change, OperationId.next());
      TriggersMetrics.statusReached(updated.taskName, status);
      await this.fire(updated.taskName, cascadeKwargs);
      return updated;
    }
    TriggersMetrics.statusReached(outcome.updated.taskName, status);
    if (span !== undefined) TriggersTracer.scheduled(span, outcome.scheduled);
    countScheduled(outcome.scheduled);
    await this.postFire(outcome.updated.taskName, outcome.scheduled);
    return outcome.updated;
  }

  /** Merges `metadata` into the instance's metadata. */
  async updateInstanceMetadata(instance: string | TaskInstance, metadata: object): Promise<void> {
    const name = nameOf(instance);
    assertJsonObject(metadata, `metadata for "${name}"`);
    await this.mutate(name, (target) => {
      target.metadata = { ...target.metadata, ...structuredClone(metadata) };
    });
  }

  /** Records that an operator looked at the instance's logs. */
  async markInstanceLogsResolved(instance: string | TaskInstance): Promise<void> {
    await this.mutate(nameOf(instance), (target) => {
      target.metadata = { ...target.metadata, logsResolved: true };
    });
  }

  private async mutate(name: string, change: (instance: TaskInstance) => void): Promise<TaskInstance> {
    return OperationScope.run(() =>
      this.locked(async (tx) => {
        const target = await tx.instance(name);
        change(target);
        target.touch();
        tx.put(target);
        return target;
      }, OperationId.next()),
    );
  }

  // ------------------------------------------------- runner-side lifecycle

  /**
   * @internal Moves a `scheduled` instance to `running` and records the
   * kwargs it runs with. Returns undefined when the instance is not
   * `scheduled` (already run, abandoned, replayed...), so a job delivered
   * twice never runs a task twice.
   *
   * A backend that can do this transition in one step without the lock
   * round trips (`startScheduledInstance`, the Redis backend when nobody
   * holds or waits for the session) does it; otherwise, and whenever it
   * declines, the transition below runs under the lock.
   */
  startInstance(name: string, startId?: string): Promise<TaskInstance | undefined> {
    return OperationScope.runEntering(async (within) => {
      // One id for the whole start (given by a caller that retries it): a start whose reply was lost is
      // recognised, when re-sent, as made by this call.
      const operationId = startId ?? OperationId.next();
      const quick = await this.storage.startScheduledInstance(name, new Date(), operationId);
      if (quick === 'not-scheduled') return undefined;
      const started = quick === undefined ? await within(() => this.startLocked(name, operationId)) : quick;
      if (started !== undefined) TriggersMetrics.statusReached(started.taskName, TaskStatus.Running);
      if (quick !== undefined && this.observesStatusChanges) await within(() => this.postStatusChange(quick, TaskStatus.Scheduled));
      return started;
    });
  }

  private startLocked(name: string, operationId: string): Promise<TaskInstance | undefined> {
    return this.locked(async (tx) => {
      const target = await tx.instance(name);
      if (target.status !== TaskStatus.Scheduled) return undefined;
      target.start();
      tx.put(target);
      return target;
    }, operationId);
  }

  /**
   * @internal Fails instance `name` under the lock when `decide`, given its
   * current state, answers with failure metadata (undefined: leave it): what
   * a worker does for an instance whose worker or job was lost. Goes
   * through this manager so `postStatusChange` sees it. Whether it failed.
   */
  async failInstanceWhen(name: string, decide: (instance: TaskInstance) => Promise<InstanceMetadata | undefined> | InstanceMetadata | undefined): Promise<boolean> {
    return OperationScope.run(() =>
      this.locked(async (tx) => {
        const target = await tx.instance(name);
        const failure = await decide(target);
        if (failure === undefined) return false;
        target.metadata = { ...target.metadata, ...failure };
        target.setStatus(TaskStatus.Failed);
        tx.put(target);
        return true;
      }, OperationId.next()).then((failed) => {
        if (failed) TriggersMetrics.statusReached(TaskInstance.parseName(name)?.task ?? name, TaskStatus.Failed);
        return failed;
      }),
    );
  }

  /**
   * @internal Fails an instance with `metadata`, then replays it — what a
   * task's `retry()` asks for.
   */
  async retryInstance(name: string, failure: InstanceMetadata, options: ReplayOptions): Promise<void> {
    await this.replay(name, options, (target) => {
      if (options.onlyIf !== undefined && target.status !== options.onlyIf) {
        throw new InvalidInstanceStateError({ instance: target.name, status: target.status, action: 'replayed' });
      }
      target.metadata = { ...target.metadata, ...failure };
      target.setStatus(TaskStatus.Failed);
    });
  }

  // --------------------------------------------------------------------- hooks

  /** Called after every `fire` (cascades included), outside the lock, with the instances it scheduled. */
  protected postFire(_trigger: string, _scheduled: TaskInstance[]): Promise<void> | void {}

  /** Called after a failed instance was replayed, with the (now `replayed`) instance. */
  protected postReplay(_failed: TaskInstance): Promise<void> | void {}

  /** Called after a failed instance was skipped (after the cascade's `postFire`). */
  protected postSkip(_skipped: TaskInstance, _cascade: boolean): Promise<void> | void {}

  /**
   * Called for every status change of an instance through this manager
   * (scheduled, running, finished, failed, abandoned, replayed, skipped and
   * manual changes), outside the lock, in the order they happened and before
   * the operation's other hooks; `instance` is as it was written. Override
   * it to alert on failures. Overriding it makes this manager's operations
   * take the locked path (one lock round trip more on Redis).
   */
  protected postStatusChange(_instance: TaskInstance, _previous: TaskStatus): Promise<void> | void {}

  /**
   * Whether this manager's class overrides {@link postStatusChange}: then
   * every change goes through the locked path (where each one is seen),
   * never through the storage's one-step fast paths (which do not report
   * what they abandoned or what a status was before).
   */
  private get observesStatusChanges(): boolean {
    return this.postStatusChange !== TriggerManager.prototype.postStatusChange;
  }

  /**
   * `postFire(trigger, scheduled)` inside the operation (`within`), or
   * nothing when this class does not override it (the fast paths then
   * enter no frame for it).
   */
  private postFireWithin(within: OperationEntry, trigger: string, scheduled: TaskInstance[]): Promise<void> | void {
    if (this.postFire === TriggerManager.prototype.postFire) return undefined;
    return within(() => this.postFire(trigger, scheduled));
  }

  /** Whether an operation may be tried as one atomic step of the storage (see {@link applyAtomically}). */
  private get appliesAtomically(): boolean {
    return this.storage.appliesAtomically && !this.observesStatusChanges;
  }

  /**
   * `storage.withLock(fn)`, then — once the lock is released, when this
   * class observes status changes — `postStatusChange` for every change the
   * operation made, in order. A nested call (the lock still held here)
   * leaves them to the outermost one.
   */
  private locked<T>(fn: (tx: SessionTransaction) => Promise<T>, operationId?: string): Promise<T> {
    if (!this.observesStatusChanges) return this.storage.withLock(fn, operationId);
    let transaction: SessionTransaction | undefined;
    const nested = this.storage.isLockedHere;
    return this.storage
      .withLock((tx) => {
        transaction = tx;
        tx.trackStatusChanges();
        return fn(tx);
      }, operationId)
      .then(async (result) => {
        if (!nested && transaction !== undefined) {
          for (const change of transaction.takeStatusChanges()) await this.postStatusChange(change.instance, change.previous);
        }
        return result;
      });
  }

  private get attached(): { container: Container; storage: StorageBackend } {
    if (this.bindings === undefined) {
      throw new UnknownManagerError({ managerClass: this.constructor.name, problem: 'unattached' });
    }
    return this.bindings;
  }
}

/** Counts each instance a fire scheduled as reaching `scheduled`. */
function countScheduled(scheduled: readonly TaskInstance[]): void {
  for (const instance of scheduled) TriggersMetrics.statusReached(instance.taskName, TaskStatus.Scheduled);
}

function nameOf(instance: string | TaskInstance): string {
  return typeof instance === 'string' ? instance : instance.name;
}

function assertTriggerName(trigger: unknown): asserts trigger is string {
  if (typeof trigger !== 'string' || trigger.length === 0) {
    throw new InvalidTriggerNameError({ trigger, reserved: false });
  }
  if (isReservedName(trigger)) {
    throw new InvalidTriggerNameError({ trigger, reserved: true });
  }
}

function assertStatus(instance: TaskInstance, action: 'replayed' | 'skipped', allowed: boolean): void {
  if (!allowed) {
    throw new InvalidInstanceStateError({ instance: instance.name, status: instance.status, action });
  }
}

function assertTriggerKwargs(value: unknown, what: string): asserts value is TriggerKwargs {
  assertJsonObject(value, what);
  for (const [trigger, kwargs] of Object.entries(value)) {
    if (!isPlainObject(kwargs)) throw new InvalidKwargsError({ what, trigger, reason: 'must be an object' });
  }
}

/**
 * Whether a runner's refusal is only its queue's server being unreachable
 * (a BullMQ add that timed out during a Redis restart): no fault of the
 * instance, which stays `scheduled`. Its job is added once Redis answers
 * (the job id makes it one), or the worker's reconciliation enqueues it
 * (docs/guarantees.md).
 */
function unreachable(error: unknown): boolean {
  return error instanceof StorageUnavailableError;
}
