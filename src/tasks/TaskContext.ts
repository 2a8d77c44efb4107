import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { ValidationError } from 'class-validator';
import { InvalidKwargsError, KwargsValidationError } from '../errors';
import type { TaskLogger } from '../logging';
import { assertJsonObject, describeValue } from '../model';
import type { TaskInstance, TaskProgress, TriggerKwargs } from '../model';
import type { TriggerManager } from '../manager/TriggerManager';

/**
 * What a running task gets: the manager of its session (to fire more
 * triggers), its kwargs per trigger (`withParams` deep-merged under the
 * trigger kwargs), a logger, and a validator for kwargs.
 */
export class TaskContext {
  constructor(
    readonly manager: TriggerManager,
    readonly instanceName: string,
    readonly triggerKwargs: TriggerKwargs,
    readonly logger: TaskLogger,
    private readonly reportProgress?: (progress: TaskProgress) => Promise<unknown> | void,
  ) {}

  /** The session's uid. */
  get uid(): string {
    return this.manager.storage.uid;
  }

  /** Fresh state of the running instance, read from storage. */
  instance(): Promise<TaskInstance> {
    return this.manager.storage.getInstance(this.instanceName);
  }

  /**
   * Records how far the task got, for operators (`triggers inspect`, the
   * dashboard): a number (a percentage, by convention) or a JSON object,
   * stored as the instance's `progress` metadata (with `progressAt`) and,
   * on a BullMQ worker, as the job's progress. Each call is one storage
   * write: report steps, not every item.
   *
   * @throws InvalidKwargsError when `progress` is neither a finite number nor a JSON object
   */
  async progress(progress: TaskProgress): Promise<void> {
    const what = `progress of instance "${this.instanceName}"`;
    if (typeof progress === 'number') {
      if (!Number.isFinite(progress)) throw new InvalidKwargsError({ what, reason: 'must be a finite number or a JSON object', found: String(progress) });
    } else if (typeof progress === 'object' && progress !== null && !Array.isArray(progress)) {
      assertJsonObject(progress, what);
    } else {
      throw new InvalidKwargsError({ what, reason: 'must be a finite number or a JSON object', found: describeValue(progress) });
    }
    const value = typeof progress === 'number' ? progress : structuredClone(progress);
    await this.manager.updateInstanceMetadata(this.instanceName, { progress: value, progressAt: new Date().toISOString() });
    await this.reportProgress?.(value);
  }

  /**
   * Turns the kwargs of `trigger` into a `dto` object and validates it with
   * class-validator. A nested DTO is validated only when its property has
   * both `@ValidateNested()` and class-transformer's `@Type(() => Nested)`
   * (see docs/tasks.md).
   *
   * @throws KwargsValidationError listing every failed property
   */
  async validate<T extends object>(trigger: string, dto: new () => T): Promise<T> {
    const kwargs = this.triggerKwargs[trigger];
    if (kwargs === undefined) {
      throw new KwargsValidationError({ instance: this.instanceName, trigger });
    }
    const value = plainToInstance(dto, kwargs);
    const errors = await validate(value, { forbidUnknownValues: false });
    if (errors.length > 0) {
      throw new KwargsValidationError({ instance: this.instanceName, trigger, problems: flatten(errors) });
    }
    return value;
  }
}

function flatten(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((error) => {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => `${path}: ${message}`);
    return [...own, ...flatten(error.children ?? [], path)];
  });
}
