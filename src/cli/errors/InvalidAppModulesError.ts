import { TriggersError } from '../../errors/TriggersError';

/** Fields of {@link InvalidAppModulesError}. */
export interface InvalidAppModulesErrorFields {
  /** The application's package.json. */
  readonly packageJson: string;
  /** What is wrong with its `triggers.modules` field (or with one module it lists). */
  readonly problem: string;
}

/**
 * The application's package.json (the first one found from the current
 * directory upwards) has a `triggers.modules` field the CLI cannot use: not
 * an array of strings, a module that cannot be found, or one that fails to
 * load. The CLI exits 1 before doing anything else.
 */
export class InvalidAppModulesError extends TriggersError {
  readonly packageJson: string;
  readonly problem: string;

  constructor(fields: InvalidAppModulesErrorFields) {
    super(`${fields.packageJson}: "triggers.modules" ${fields.problem}`);
    this.packageJson = fields.packageJson;
    this.problem = fields.problem;
  }
}
