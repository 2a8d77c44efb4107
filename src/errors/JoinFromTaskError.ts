import { TriggersError } from './TriggersError';

/** What {@link JoinFromTaskError} knows. */
export interface JoinFromTaskErrorFields {
  /** The task instance `joinAll()` was called from. */
  instance: string;
}

/** `ThreadingTaskRunner.joinAll()` was called from inside a task it would wait for (it would wait for itself forever). */
export class JoinFromTaskError extends TriggersError {
  /** The task instance `joinAll()` was called from. */
  readonly instance: string;

  constructor(fields: JoinFromTaskErrorFields) {
    super(`ThreadingTaskRunner.joinAll() called from inside task instance "${fields.instance}", which it would wait for`);
    this.instance = fields.instance;
  }
}
