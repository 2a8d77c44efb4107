import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { InvalidConfigurationError, InvalidKwargsError } from '../errors';
import { TaskConfig, assertJsonObject, isPlainObject, isReservedName } from '../model';
import type { TaskConfigEntry } from '../model';
import { TaskConfigDto } from './TaskConfigDto';

/** What the validator may check beyond the entry's shape. */
export interface ConfigurationChecks {
  /** Returns false for runner names nothing is registered under (checked for `using`). */
  isKnownRunner?: (name: string) => boolean;
}

/**
 * Turns a user configuration into task configs, or refuses it whole with an
 * {@link InvalidConfigurationError} naming every bad task and directive, so
 * nothing of an invalid configuration is ever saved.
 */
export class ConfigurationValidator {
  constructor(private readonly checks: ConfigurationChecks = {}) {}

  /** Validates every entry; returns them as {@link TaskConfig}s. */
  validate(config: unknown): TaskConfig[] {
    const { tasks, problems } = this.inspect(config);
    if (problems.length > 0) {
      throw new InvalidConfigurationError(
        isPlainObject(config) ? `Invalid configuration: ${problems.join('; ')}` : problems[0],
      );
    }
    return tasks;
  }

  /**
   * Checks every entry without throwing: the valid entries as task configs
   * and every problem found, one string each (what `triggers validate`
   * lists line by line).
   */
  inspect(config: unknown): { tasks: TaskConfig[]; problems: string[] } {
    if (!isPlainObject(config)) {
      return { tasks: [], problems: ['Configuration must be an object mapping task names to task entries'] };
    }
    const problems: string[] = [];
    const tasks: TaskConfig[] = [];
    for (const [name, entry] of Object.entries(config)) {
      const before = problems.length;
      this.check(name, entry, problems);
      if (problems.length === before) tasks.push(TaskConfig.fromEntry(name, entry as TaskConfigEntry));
    }
    return { tasks, problems };
  }

  private check(name: string, entry: unknown, problems: string[]): void {
    const where = `task "${name}"`;
    if (name.length === 0) {
      problems.push('a task name must not be empty');
      return;
    }
    if (isReservedName(name)) {
      problems.push(`${where}: the name "${name}" is reserved`);
      return;
    }
    if (!isPlainObject(entry)) {
      problems.push(`${where} must be an object with "after" and "run"`);
      return;
    }
    // JSON first: class-transformer recurses forever on a cyclic entry.
    try {
      assertJsonObject(entry, `${where}`);
    } catch (error) {
      if (!(error instanceof InvalidKwargsError)) throw error;
      problems.push(error.message);
      return;
    }
    const dto = plainToInstance(TaskConfigDto, entry);
    for (const error of validateSync(dto, { forbidUnknownValues: false })) {
      const message = Object.values(error.constraints ?? {})[0] ?? 'is invalid';
      problems.push(`${where}: directive "${error.property}" ${message}`);
    }
    if (Array.isArray(entry.after) && entry.after.length === 0 && entry.andEvery === undefined) {
      problems.push(`${where}: directive "after" must not be empty unless "andEvery" is set`);
    }
    for (const directive of ['after', 'unless', 'andEvery'] as const) {
      const value = entry[directive];
      const names = Array.isArray(value) ? value : [value];
      if (names.some((item) => typeof item === 'string' && isReservedName(item))) {
        problems.push(`${where}: directive "${directive}" uses the reserved trigger name "__proto__"`);
      }
    }
    const using = entry.using;
    if (typeof using === 'string' && using && this.checks.isKnownRunner && !this.checks.isKnownRunner(using)) {
      problems.push(`${where}: directive "using" names runner "${using}", which is not registered`);
    }
  }
}
