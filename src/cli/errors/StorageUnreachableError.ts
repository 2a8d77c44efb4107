import { TriggersError } from '../../errors/TriggersError';

/** Fields of {@link StorageUnreachableError}. */
export interface StorageUnreachableErrorFields {
  /** The storage URL, password removed. */
  readonly url: string;
  /** How long the command waited for an answer. */
  readonly timeoutMs: number;
  /** The last connection error seen, if any. */
  readonly reason?: string;
}

/**
 * A `triggers` command could not reach its storage (no answer to a ping
 * within `--connect-timeout`). The CLI exits 3, before reading or changing
 * anything.
 */
export class StorageUnreachableError extends TriggersError {
  readonly url: string;
  readonly timeoutMs: number;
  readonly reason?: string;

  constructor(fields: StorageUnreachableErrorFields) {
    super(`Cannot reach Redis at ${fields.url} within ${fields.timeoutMs} ms${fields.reason === undefined ? '' : ` (${fields.reason})`}`);
    this.url = fields.url;
    this.timeoutMs = fields.timeoutMs;
    this.reason = fields.reason;
  }
}
