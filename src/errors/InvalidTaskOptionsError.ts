import { TriggersError } from './TriggersError';
import { quote } from './quote';

/** What {@link InvalidTaskOptionsError} knows. */
export interface InvalidTaskOptionsErrorFields {
  /** The decorated class. */
  className: string;
  /** The task name from the options, once it is known to be valid. */
  task?: string;
  /** The option at fault (`name`, `maxRetries`, `using`, `queue`). */
  option: string;
  /** The value refused. */
  value: unknown;
  /** What the option must be, as a phrase (`must be a non-negative integer`). */
  reason: string;
}

/**
 * `@TriggerTask(options)` got options that cannot work (a negative or
 * fractional `maxRetries`, an empty `name`, `using` or `queue`). Thrown when
 * the decorated class is defined, naming the class and the option, so a bad
 * task never reaches a container.
 */
export class InvalidTaskOptionsError extends TriggersError {
  /** The decorated class. */
  readonly className: string;
  /** The task name from the options, when valid. */
  readonly task?: string;
  /** The option at fault. */
  readonly option: string;
  /** The value refused. */
  readonly value: unknown;
  /** What the option must be. */
  readonly reason: string;

  constructor(fields: InvalidTaskOptionsErrorFields) {
    const task = fields.task !== undefined ? ` (task "${fields.task}")` : '';
    const shown = typeof fields.value === 'number' ? String(fields.value) : quote(fields.value);
    super(`@TriggerTask on class ${fields.className}${task}: ${fields.option} ${fields.reason}, got ${shown}`);
    this.className = fields.className;
    this.task = fields.task;
    this.option = fields.option;
    this.value = fields.value;
    this.reason = fields.reason;
  }
}
