import { TriggersError } from './TriggersError';
import { unknownNameMessage } from './unknownNameMessage';

/** What {@link UnknownRunnerError} knows. */
export interface UnknownRunnerErrorFields {
  /** The runner name asked for (not necessarily a string: it may come from a configuration or a job). */
  runner: unknown;
  /** The runner names that are registered. */
  known: readonly string[];
  /** Where the name came from, when the caller knows (appended to the message). */
  context?: string;
}

/** No task runner is registered under that name. */
export class UnknownRunnerError extends TriggersError {
  /** The runner name asked for. */
  readonly runner: unknown;
  /** The runner names that are registered. */
  readonly known: readonly string[];
  /** Where the name came from, when the caller knew. */
  readonly context?: string;

  constructor(fields: UnknownRunnerErrorFields) {
    super(unknownNameMessage('task runner', fields.runner, fields.known, fields.context));
    this.runner = fields.runner;
    this.known = fields.known;
    this.context = fields.context;
  }
}
