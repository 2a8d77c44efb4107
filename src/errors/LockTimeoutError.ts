import { TriggersError } from './TriggersError';

/** What {@link LockTimeoutError} knows. */
export interface LockTimeoutErrorFields {
  /** The session whose lock was not acquired. */
  uid: string;
  /** How long the operation waited for the lock, in milliseconds. */
  waitedMs: number;
  /** The configured wait limit (`lockTimeoutMs`) that ran out; unset when the wait was abandoned. */
  timeoutMs?: number;
  /** The Redis key prefix of the session's keys, when known. */
  prefix?: string;
  /** True when waiting stopped because the operation that waited ended, not because time ran out. */
  abandoned?: boolean;
}

/** A session lock could not be acquired in time (or the operation waiting for it ended first). */
export class LockTimeoutError extends TriggersError {
  /** The session whose lock was not acquired. */
  readonly uid: string;
  /** How long the operation waited for the lock, in milliseconds. */
  readonly waitedMs: number;
  /** The configured wait limit that ran out, when one did. */
  readonly timeoutMs?: number;
  /** The Redis key prefix of the session's keys, when known. */
  readonly prefix?: string;
  /** True when waiting stopped because the operation that waited ended. */
  readonly abandoned: boolean;

  constructor(fields: LockTimeoutErrorFields) {
    super(LockTimeoutError.describe(fields));
    this.uid = fields.uid;
    this.waitedMs = fields.waitedMs;
    this.timeoutMs = fields.timeoutMs;
    this.prefix = fields.prefix;
    this.abandoned = fields.abandoned ?? false;
  }

  private static describe(fields: LockTimeoutErrorFields): string {
    const session = `the lock of session ${JSON.stringify(fields.uid)}`;
    if (fields.abandoned) return `Stopped waiting for ${session}: the operation ended`;
    const prefix = fields.prefix !== undefined ? ` (prefix "${fields.prefix}")` : '';
    return `Timed out after ${fields.timeoutMs ?? fields.waitedMs} ms waiting for ${session}${prefix}: another process holds it`;
  }
}
