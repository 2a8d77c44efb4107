import { TriggersError } from './TriggersError';

/** What {@link MaxRetriesExceeded} knows. */
export interface MaxRetriesExceededFields {
  /** The instance that asked to retry. */
  instance: string;
  /** The task name (`@TriggerTask({ name })`) of the instance. */
  task: string;
  /** The instance's replay depth (0 for a first attempt). */
  depth: number;
  /** The task's `maxRetries`. */
  maxRetries: number;
  /** The error of the last attempt, if any; its message is appended and it becomes `cause`. */
  cause?: unknown;
}

/**
 * A task asked to retry although its instance already reached the task's
 * `maxRetries` replays; the instance fails with this error instead.
 */
export class MaxRetriesExceeded extends TriggersError {
  /** The instance that asked to retry. */
  readonly instance: string;
  /** The task name of the instance. */
  readonly task: string;
  /** The instance's replay depth. */
  readonly depth: number;
  /** The task's `maxRetries`. */
  readonly maxRetries: number;

  constructor(fields: MaxRetriesExceededFields) {
    const cause = fields.cause instanceof Error ? `: ${fields.cause.message}` : '';
    super(
      `Instance "${fields.instance}" cannot be retried: it is at depth ${fields.depth} and task ` +
        `"${fields.task}" allows ${fields.maxRetries} retries${cause}`,
      { cause: fields.cause },
    );
    this.instance = fields.instance;
    this.task = fields.task;
    this.depth = fields.depth;
    this.maxRetries = fields.maxRetries;
  }
}
