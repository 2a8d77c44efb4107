import { TriggersError } from './TriggersError';

/** What {@link TaskResultError} knows. */
export interface TaskResultErrorFields {
  /** The task class name (`run`) of the instance. */
  task: string;
  /** The instance whose task returned the value. */
  instance: string;
  /** A description of what it returned (`a number`, `an array`). */
  returned: string;
}

/** A task returned something other than an object (a number, string, array...). */
export class TaskResultError extends TriggersError {
  /** The task class name of the instance. */
  readonly task: string;
  /** The instance whose task returned the value. */
  readonly instance: string;
  /** A description of what it returned. */
  readonly returned: string;

  constructor(fields: TaskResultErrorFields) {
    super(`Task "${fields.task}" (instance "${fields.instance}") must return an object or nothing, got ${fields.returned}`);
    this.task = fields.task;
    this.instance = fields.instance;
    this.returned = fields.returned;
  }
}
