import { TriggersError } from './TriggersError';

/** What a {@link StorageUnavailableError} reports. */
export interface StorageUnavailableFields {
  /** Session the operation was for. */
  readonly uid: string;
  /** The storage step that gave up (`readForFire`, `writeChanges`, `acquireLock`...). */
  readonly operation: string;
  /** Milliseconds waited before giving up. */
  readonly waitedMs: number;
  /** Where the storage connects (`host:port`). */
  readonly target: string;
  /**
   * Whether the command had been sent when it gave up: then the server may
   * have applied it and only the reply was lost. False: nothing was sent.
   */
  readonly maybeApplied: boolean;
  /** The connection error, when there was one (none for a plain timeout). */
  readonly cause?: unknown;
}

/**
 * The storage's server could not be reached in time (no connection, or no
 * reply within `operationTimeoutMs`). Retrying later is the expected
 * reaction; when `maybeApplied` is true the operation may already have
 * taken effect (see docs/guarantees.md, "Redis connection problems").
 */
export class StorageUnavailableError extends TriggersError implements StorageUnavailableFields {
  readonly uid: string;
  readonly operation: string;
  readonly waitedMs: number;
  readonly target: string;
  readonly maybeApplied: boolean;

  constructor(fields: StorageUnavailableFields) {
    super(StorageUnavailableError.format(fields), fields.cause === undefined ? undefined : { cause: fields.cause });
    this.uid = fields.uid;
    this.operation = fields.operation;
    this.waitedMs = fields.waitedMs;
    this.target = fields.target;
    this.maybeApplied = fields.maybeApplied;
  }

  private static format(fields: StorageUnavailableFields): string {
    const reason = fields.cause instanceof Error ? fields.cause.message : fields.cause === undefined ? 'no reply' : String(fields.cause);
    const applied = fields.maybeApplied
      ? 'it was sent, so it may have been applied'
      : 'nothing was sent';
    return (
      `Redis at ${fields.target} is unavailable: ${fields.operation}${fields.uid === '' ? '' : ` of session ${JSON.stringify(fields.uid)}`} ` +
      `gave up after ${fields.waitedMs} ms (${reason}); ${applied}`
    );
  }
}
