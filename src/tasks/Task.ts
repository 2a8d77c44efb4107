import { injectable } from 'inversify';
import { TriggerRegistry } from '../registry/TriggerRegistry';
import { InvalidKwargsError, MaxRetriesExceeded } from '../errors';
import { errorContext, withContext } from '../logging';
import { assertJsonObject, isPlainObject } from '../model';
import type { Kwargs, TaskInstance } from '../model';
import type { TaskContext } from './TaskContext';
import { RetryRequest } from './RetryRequest';
import type { RetryOptions } from './RetryRequest';
import { SkipRequest } from './SkipRequest';
import { DEFAULT_MAX_RETRIES } from '../registry/TaskOptions';
import type { ResolvedTaskOptions } from '../registry/TaskOptions';

/**
 * Base class of trigger tasks: the code a configuration's `run` names.
 *
 * A fresh object is resolved from the container for every run, so tasks may
 * take constructor-injected services and keep per-run state in fields. The
 * object knows the instance it runs for, which is what `retry()` consults.
 */
@injectable()
export abstract class Task {
  private current?: TaskInstance;

  /** Does the work. Return an object (the result, fired as the cascade's kwargs) or nothing. */
  abstract run(ctx: TaskContext): Promise<Kwargs | void> | Kwargs | void;

  /** Options recorded by `@TriggerTask` (defaults when the class is not registered). */
  get taskOptions(): ResolvedTaskOptions {
    const name = TriggerRegistry.nameOf('task', this.constructor) ?? this.constructor.name;
    const registered = TriggerRegistry.global.get<ResolvedTaskOptions>('task', name);
    return registered?.options ?? { name, maxRetries: DEFAULT_MAX_RETRIES, retryOnWorkerLoss: false };
  }

  /** How many replays `retry()` may cause (from `@TriggerTask({ maxRetries })`, default 3). */
  get maxRetries(): number {
    return this.taskOptions.maxRetries;
  }

  /** The instance this object is running for (set by the framework before `run`). */
  get instance(): TaskInstance | undefined {
    return this.current;
  }

  /** @internal Called by the executor before `run`. */
  bindInstance(instance: TaskInstance): void {
    this.current = instance;
  }

  /**
   * Returns the error to throw to mark this instance `skipped` with `metadata`.
   * @throws InvalidKwargsError when `metadata` is not JSON-serializable (the instance then fails with it)
   */
  skip(metadata: object = {}): Error {
    assertJsonObject(metadata, `skip metadata of ${this.describeRun()}`);
    return new SkipRequest(metadata);
  }

  /**
   * Returns the error to throw to fail this instance and replay it.
   * @throws MaxRetriesExceeded when the instance's depth already reached `maxRetries`
   * @throws InvalidKwargsError when `metadata` or `replacementKwargs` is not JSON-serializable
   *   (checked first, so nothing unstorable reaches the instance; it fails with this error)
   */
  retry(options: RetryOptions = {}): Error {
    if (options.metadata !== undefined) assertJsonObject(options.metadata, `retry metadata of ${this.describeRun()}`);
    if (options.replacementKwargs !== undefined) {
      const what = `replacement kwargs given to retry() by ${this.describeRun()}`;
      assertJsonObject(options.replacementKwargs, what);
      for (const [trigger, kwargs] of Object.entries(options.replacementKwargs)) {
        if (!isPlainObject(kwargs)) throw new InvalidKwargsError({ what, trigger, reason: 'must be an object' });
      }
    }
    const depth = this.current?.depth ?? 0;
    if (depth >= this.maxRetries) {
      const exceeded = new MaxRetriesExceeded({
        instance: this.current?.name ?? '?',
        task: this.taskOptions.name,
        depth,
        maxRetries: this.maxRetries,
        cause: options.error,
      });
      // Keep what the last attempt knew: its context and the metadata it asked to record.
      throw withContext(exceeded, { ...errorContext(options.error), ...options.metadata });
    }
    return new RetryRequest(options);
  }

  private describeRun(): string {
    return `task "${this.taskOptions.name}" (instance "${this.current?.name ?? '?'}")`;
  }
}
