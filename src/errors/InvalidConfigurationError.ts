import { TriggersError } from './TriggersError';

/** One thing wrong with a configuration. */
export interface ConfigurationProblem {
  /** The task entry at fault; unset when the configuration as a whole is. */
  task?: string;
  /** The directive of that entry at fault (`after`, `run`, `using`...), when one is. */
  directive?: string;
  /** What is wrong, as a phrase following the task or directive (`must be an array of non-empty strings`). */
  reason: string;
}

/** What {@link InvalidConfigurationError} knows. */
export interface InvalidConfigurationErrorFields {
  /** Every problem found, in configuration order (at least one). */
  problems: readonly ConfigurationProblem[];
}

/** `task "t": directive "after" must be...`, `task "t" must be...`, or `the configuration must be...`. */
export function describeConfigurationProblem(problem: ConfigurationProblem): string {
  if (problem.task === undefined) return `the configuration ${problem.reason}`;
  const where = `task "${problem.task}"`;
  return problem.directive !== undefined ? `${where}: directive "${problem.directive}" ${problem.reason}` : `${where} ${problem.reason}`;
}

/** A configuration passed to `updateConfiguration` is invalid; `problems` names every bad task and directive. Nothing was saved. */
export class InvalidConfigurationError extends TriggersError {
  /** Every problem found, in configuration order. */
  readonly problems: readonly ConfigurationProblem[];

  constructor(fields: InvalidConfigurationErrorFields) {
    super(`Invalid configuration: ${fields.problems.map(describeConfigurationProblem).join('; ')}`);
    this.problems = fields.problems;
  }
}
