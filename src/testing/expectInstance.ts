import { AssertionError } from 'node:assert';
import { UnknownInstanceError } from '../errors';
import type { TriggerManager } from '../manager/TriggerManager';
import { TaskStatus } from '../model';
import type { Kwargs, TaskInstance } from '../model';
import { isDeepStrictEqual } from 'node:util';

/**
 * Assertions about one instance, reading fresh state from storage each time.
 * Failure messages show the instance's status and metadata.
 *
 * ```ts
 * await expectInstance(manager, 't_import#0').finished({ rows: 3 });
 * await expectInstance(manager, 't_fail#0').failed('TypeError');
 * ```
 */
export class InstanceExpectation {
  constructor(
    private readonly manager: TriggerManager,
    private readonly name: string,
  ) {}

  /** The instance is `finished` (and returned exactly `result`, if given). */
  async finished(result?: Kwargs): Promise<TaskInstance> {
    const instance = await this.status(TaskStatus.Finished);
    if (result !== undefined && !isDeepStrictEqual(instance.metadata.result, result)) {
      this.fail(instance, `to have result ${JSON.stringify(result)}`);
    }
    return instance;
  }

  /** The instance is `failed` (with that error class or class name, if given). */
  async failed(errorType?: string | (new (...args: never[]) => Error)): Promise<TaskInstance> {
    const instance = await this.status(TaskStatus.Failed);
    const expected = typeof errorType === 'function' ? errorType.name : errorType;
    if (expected !== undefined && instance.metadata.exceptionType !== expected) {
      this.fail(instance, `to have failed with ${expected}`);
    }
    return instance;
  }

  /** The instance is `abandoned`. */
  abandoned(): Promise<TaskInstance> {
    return this.status(TaskStatus.Abandoned);
  }

  /** The instance is `replayed`. */
  replayed(): Promise<TaskInstance> {
    return this.status(TaskStatus.Replayed);
  }

  /** The instance is `skipped`. */
  skipped(): Promise<TaskInstance> {
    return this.status(TaskStatus.Skipped);
  }

  /** The instance is `unstarted`. */
  unstarted(): Promise<TaskInstance> {
    return this.status(TaskStatus.Unstarted);
  }

  /** The instance is `scheduled`. */
  scheduled(): Promise<TaskInstance> {
    return this.status(TaskStatus.Scheduled);
  }

  /** No instance of that name exists. */
  async missing(): Promise<void> {
    const instance = await this.load();
    if (instance !== undefined) this.fail(instance, 'not to exist');
  }

  /** The instance has `status`. */
  async status(status: TaskStatus): Promise<TaskInstance> {
    const instance = await this.load();
    if (instance === undefined) {
      throw new AssertionError({ message: `Expected instance "${this.name}" to be ${status}, but it does not exist` });
    }
    if (instance.status !== status) this.fail(instance, `to be ${status}`);
    return instance;
  }

  private async load(): Promise<TaskInstance | undefined> {
    try {
      return await this.manager.storage.getInstance(this.name);
    } catch (error) {
      if (error instanceof UnknownInstanceError) return undefined;
      throw error;
    }
  }

  private fail(instance: TaskInstance, expectation: string): never {
    throw new AssertionError({
      message:
        `Expected instance "${this.name}" ${expectation}, but it is ${instance.status} ` +
        `with metadata ${JSON.stringify(instance.metadata, null, 2)}`,
    });
  }
}

/** Starts assertions about instance `name` of `manager`'s session. */
export function expectInstance(manager: TriggerManager, name: string): InstanceExpectation {
  return new InstanceExpectation(manager, name);
}

/** Asserts the sorted names of the session's unresolved tasks. */
export async function expectUnresolvedTasks(manager: TriggerManager, expected: string[]): Promise<void> {
  const actual = (await manager.storage.getUnresolvedTasks()).map((task) => task.name).sort();
  assertNames('unresolved tasks', actual, expected);
}

/** Asserts the sorted names of the session's unresolved instances. */
export async function expectUnresolvedInstances(manager: TriggerManager, expected: string[]): Promise<void> {
  const instances = await manager.storage.getUnresolvedInstances();
  const actual = instances.map((instance) => instance.name).sort();
  assertNames('unresolved instances', actual, expected, instances);
}

function assertNames(what: string, actual: string[], expected: string[], instances: TaskInstance[] = []): void {
  const want = [...expected].sort();
  if (isDeepStrictEqual(actual, want)) return;
  const detail = instances.map((i) => `  ${i.name}: ${i.status}`).join('\n');
  throw new AssertionError({
    message: `Expected ${what} ${JSON.stringify(want)}, got ${JSON.stringify(actual)}${detail ? `\n${detail}` : ''}`,
    actual,
    expected: want,
  });
}
