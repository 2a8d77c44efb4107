import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { InvalidConfigurationError, InvalidKwargsError } from '../errors';
import type { ConfigurationProblem } from '../errors';
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
    if (problems.length > 0) throw new InvalidConfigurationError({ problems });
    return tasks;
  }

  /**
   * Checks every entry without throwing: the valid entries as task configs
   * and every problem found (what `triggers validate` lists line by line).
   */
  inspect(config: unknown): { tasks: TaskConfig[]; problems: ConfigurationProblem[] } {
    if (!isPlainObject(config)) {
      return { tasks: [], problems: [{ reason: 'must be an object mapping task names to task entries' }] };
    }
    const problems: ConfigurationProblem[] = [];
    const tasks: TaskConfig[] = [];
    for (const [name, entry] of Object.entries(config)) {
      const before = problems.length;
      this.check(name, entry, problems);
      if (problems.length === before) tasks.push(TaskConfig.fromEntry(name, entry as TaskConfigEntry));
    }
    return { tasks, problems };
  }

  private check(task: string, entry: unknown, problems: ConfigurationProblem[]): void {
    if (task.length === 0) {
      problems.push({ task, reason: 'must have a non-empty name' });
      return;
    }
    if (isReservedName(task)) {
      problems.push({ task, reason: 'uses a reserved name' });
      return;
    }
    if (!isPlainObject(entry)) {
      problems.push({ task, reason: 'must be an object with "after" and "run"' });
      return;
    }
    // JSON first: class-transformer recurses forever on a cyclic entry.
    const where = `task "${task}"`;
    try {
      assertJsonObject(entry, where);
    } catch (error) {
      if (!(error instanceof InvalidKwargsError)) throw error;
      problems.push({ task, reason: error.message.slice(where.length + 1) });
      return;
    }
    const dto = plainToInstance(TaskConfigDto, entry);
    for (const error of validateSync(dto, { forbidUnknownValues: false })) {
      const reason = Object.values(error.constraints ?? {})[0] ?? 'is invalid';
      problems.push({ task, directive: error.property, reason });
    }
    if (Array.isArray(entry.after) && entry.after.length === 0 && entry.andEvery === undefined) {
      problems.push({ task, directive: 'after', reason: 'must not be empty unless "andEvery" is set' });
    }
    for (const directive of ['after', 'unless', 'andEvery'] as const) {
      const value = entry[directive];
      const names = Array.isArray(value) ? value : [value];
      if (names.some((item) => typeof item === 'string' && isReservedName(item))) {
        problems.push({ task, directive, reason: 'uses the reserved trigger name "__proto__"' });
      }
    }
    const using = entry.using;
    if (typeof using === 'string' && using && this.checks.isKnownRunner && !this.checks.isKnownRunner(using)) {
      problems.push({ task, directive: 'using', reason: `names runner "${using}", which is not registered` });
    }
  }
}
