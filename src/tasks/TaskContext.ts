import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { ValidationError } from 'class-validator';
import { KwargsValidationError } from '../errors';
import type { TaskLogger } from '../logging';
import type { TaskInstance, TriggerKwargs } from '../model';
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
