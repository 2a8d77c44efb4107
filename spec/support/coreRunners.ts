import { inject } from 'inversify';
import { BaseTaskRunner, Runner, TRIGGERS, payloadFor, runnerToken } from '../../src';
import type { TaskExecutor, TaskInstance, TriggerKwargs, TriggerManager } from '../../src';

/**
 * Custom runners shared by the core specs (registered once per process, so
 * every spec file imports them from here instead of declaring its own).
 * Runners are container singletons: read their state with
 * `container.get(runnerToken('coreSpec...'))`.
 */

/** Records every instance it accepts, then hands it to the in-process runner. */
@Runner('coreSpecRecording')
export class CoreSpecRecordingRunner extends BaseTaskRunner {
  /** `uid/instance` of every instance accepted, in order. */
  readonly accepted: string[] = [];
  /** What each call received: the manager's session and type, and the instance as handed over. */
  readonly received: Array<{ uid: string; managerType: string; instance: string; status: string; kwargs: TriggerKwargs }> = [];

  constructor(@inject(runnerToken('threading')) private readonly threading: BaseTaskRunner) {
    super();
  }

  override async run(manager: TriggerManager, instance: TaskInstance): Promise<void> {
    this.accepted.push(`${manager.storage.uid}/${instance.name}`);
    this.received.push({
      uid: manager.storage.uid,
      managerType: manager.typeName,
      instance: instance.name,
      status: instance.status,
      kwargs: structuredClone(instance.kwargs),
    });
    await this.threading.run(manager, instance);
  }
}

/**
 * Executes instances itself through `TRIGGERS.TaskExecutor` on a later turn
 * of the event loop, the way a user would write a runner for another queue.
 * Deliberately naive about the framework's async contexts: it neither leaves
 * the session lock nor the operation scope explicitly.
 */
@Runner('coreSpecExecutor')
export class CoreSpecExecutorRunner extends BaseTaskRunner {
  private readonly running = new Set<Promise<void>>();
  /** Instances it executed. */
  readonly executed: string[] = [];

  constructor(@inject(TRIGGERS.TaskExecutor) private readonly executor: TaskExecutor) {
    super();
  }

  override async run(manager: TriggerManager, instance: TaskInstance): Promise<void> {
    const payload = payloadFor(manager, instance);
    const done = new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        this.executed.push(payload.instance);
        this.executor.execute(payload).then(() => resolve(), reject);
      });
    });
    this.running.add(done);
  }

  /** Waits for every execution it started (rejects with the first framework error). */
  async settled(): Promise<void> {
    while (this.running.size > 0) {
      const batch = [...this.running];
      this.running.clear();
      await Promise.all(batch);
    }
  }
}

/** Executes the task right inside `run()`, i.e. inside the session lock: a broken runner. */
@Runner('coreSpecInsideLock')
export class CoreSpecInsideLockRunner extends BaseTaskRunner {
  constructor(@inject(TRIGGERS.TaskExecutor) private readonly executor: TaskExecutor) {
    super();
  }

  override async run(manager: TriggerManager, instance: TaskInstance): Promise<void> {
    await this.executor.execute(payloadFor(manager, instance));
  }
}

/** Accepts instances and never runs them (they stay `scheduled`). */
@Runner('coreSpecParking')
export class CoreSpecParkingRunner extends BaseTaskRunner {
  readonly parked: string[] = [];

  override async run(_manager: TriggerManager, instance: TaskInstance): Promise<void> {
    this.parked.push(instance.name);
  }
}

/** The error {@link CoreSpecRefusingRunner} refuses with. */
export class CoreSpecRunnerDown extends Error {
  constructor() {
    super('the queue is down');
    this.name = 'CoreSpecRunnerDown';
  }
}

/** Refuses every instance (its `run` throws). */
@Runner('coreSpecRefusing')
export class CoreSpecRefusingRunner extends BaseTaskRunner {
  override async run(): Promise<void> {
    throw new CoreSpecRunnerDown();
  }
}


/** Parks instances, recording whether the session lock was held when each was handed over. */
@Runner('coreSpecLockProbe')
export class CoreSpecLockProbeRunner extends BaseTaskRunner {
  /** `instance:locked|unlocked` per hand-off, in order. */
  readonly handOffs: string[] = [];

  override async run(manager: TriggerManager, instance: TaskInstance): Promise<void> {
    this.handOffs.push(`${instance.name}:${manager.storage.isLockedHere ? 'locked' : 'unlocked'}`);
  }
}

/** As {@link CoreSpecLockProbeRunner}, declaring that it defers execution (so an atomic fire may hand over outside the lock). */
@Runner('coreSpecDeferringProbe')
export class CoreSpecDeferringProbeRunner extends CoreSpecLockProbeRunner {
  override get defersExecution(): boolean {
    return true;
  }
}

/** Declares that it defers execution, then refuses every instance. */
@Runner('coreSpecDeferringRefusing')
export class CoreSpecDeferringRefusingRunner extends CoreSpecRefusingRunner {
  override get defersExecution(): boolean {
    return true;
  }
}
