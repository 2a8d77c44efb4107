import { TriggersError } from './TriggersError';

/** What {@link InstanceFailedError} reports. */
export interface InstanceFailedErrorFields {
  /** The session of the instance. */
  uid: string;
  /** The instance whose task failed. */
  instance: string;
  /** Class name of the error the task threw (`TypeError`, `UnknownTaskError`...). */
  exceptionType: string;
  /** Message of that error. */
  exceptionMessage: string;
  /** Stack of that error, when it had one. */
  exceptionStack?: string;
}

/**
 * The error a BullMQ job fails with once its instance's task failed and the
 * failure is recorded: its message, which BullMQ keeps as the job's
 * `failedReason`, is the task's exception type and message
 * (`TypeError: boom`), so bull-board and BullMQ's metrics count the job as
 * failed. The framework owns retries: BullMQ never retries such a job (the
 * task's `retry()` or an operator's replay makes a new instance instead).
 */
export class InstanceFailedError extends TriggersError {
  readonly uid: string;
  readonly instance: string;
  readonly exceptionType: string;
  readonly exceptionMessage: string;
  readonly exceptionStack?: string;

  constructor(fields: InstanceFailedErrorFields) {
    super(`${fields.exceptionType}: ${fields.exceptionMessage}`);
    this.uid = fields.uid;
    this.instance = fields.instance;
    this.exceptionType = fields.exceptionType;
    this.exceptionMessage = fields.exceptionMessage;
    if (fields.exceptionStack !== undefined) {
      this.exceptionStack = fields.exceptionStack;
      // Where the task failed, not where this error was made: what BullMQ stores as the job's stack trace.
      this.stack = fields.exceptionStack;
    }
  }
}
