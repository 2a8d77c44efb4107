import { TriggersError } from './TriggersError';

/** What {@link UnknownInstanceError} knows. */
export interface UnknownInstanceErrorFields {
  /** The session that was searched. */
  uid: string;
  /** The instance name the session has no instance of. */
  instance: string;
}

/** No task instance with that name exists in the session. */
export class UnknownInstanceError extends TriggersError {
  /** The session that was searched. */
  readonly uid: string;
  /** The instance name the session has no instance of. */
  readonly instance: string;

  constructor(fields: UnknownInstanceErrorFields) {
    super(`Session "${fields.uid}" has no task instance named "${fields.instance}"`);
    this.uid = fields.uid;
    this.instance = fields.instance;
  }
}
