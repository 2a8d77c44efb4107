import { TriggersError } from './TriggersError';

/** What {@link StorageNotImplementedError} knows. */
export interface StorageNotImplementedErrorFields {
  /** The custom backend's class name. */
  storageClass: string;
  /** The method it lacks (`loadSnapshot`, `saveSnapshot`). */
  method: string;
  /** What it may implement instead (`writeChanges()`), when anything. */
  alternative?: string;
}

/** A custom storage backend did not implement the snapshot methods it relies on. */
export class StorageNotImplementedError extends TriggersError {
  /** The custom backend's class name. */
  readonly storageClass: string;
  /** The method it lacks. */
  readonly method: string;
  /** What it may implement instead, when anything. */
  readonly alternative?: string;

  constructor(fields: StorageNotImplementedErrorFields) {
    const instead = fields.alternative !== undefined ? ` (or ${fields.alternative})` : '';
    super(`${fields.storageClass} must implement ${fields.method}()${instead}`);
    this.storageClass = fields.storageClass;
    this.method = fields.method;
    this.alternative = fields.alternative;
  }
}
