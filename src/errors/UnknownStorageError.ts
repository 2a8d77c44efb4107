import { TriggersError } from './TriggersError';
import { unknownNameMessage } from './unknownNameMessage';

/** What {@link UnknownStorageError} knows. */
export interface UnknownStorageErrorFields {
  /** The storage name asked for (not necessarily a string: it may come from a job payload). */
  storage: unknown;
  /** The storage names that are registered. */
  known: readonly string[];
  /** Where the name came from, when the caller knows (appended to the message). */
  context?: string;
}

/** No storage backend is registered under that name. */
export class UnknownStorageError extends TriggersError {
  /** The storage name asked for. */
  readonly storage: unknown;
  /** The storage names that are registered. */
  readonly known: readonly string[];
  /** Where the name came from, when the caller knew. */
  readonly context?: string;

  constructor(fields: UnknownStorageErrorFields) {
    super(unknownNameMessage('storage backend', fields.storage, fields.known, fields.context));
    this.storage = fields.storage;
    this.known = fields.known;
    this.context = fields.context;
  }
}
