import { TriggersError } from './TriggersError';

/** What {@link LockLostError} knows. */
export interface LockLostErrorFields {
  /** The session whose lock was not held. */
  uid: string;
  /** What was attempted (`write`, `delete`) when it was attempted without the lock ever being held; unset when a held lock was lost. */
  notHeldFor?: string;
}

/**
 * A session lock expired or was taken over by another process before the
 * operation holding it could write: the write was refused and nothing of it
 * was saved (the other holder's state stands). Usually means the holder was
 * paused longer than the lock's time-to-live. Also thrown when a write is
 * attempted without holding the lock at all (`notHeldFor`).
 */
export class LockLostError extends TriggersError {
  /** The session whose lock was not held. */
  readonly uid: string;
  /** What was attempted without the lock ever being held; unset when a held lock was lost. */
  readonly notHeldFor?: string;

  constructor(fields: LockLostErrorFields) {
    super(
      fields.notHeldFor !== undefined
        ? `Cannot ${fields.notHeldFor} session ${JSON.stringify(fields.uid)} without holding its lock (use storage.withLock)`
        : `The lock of session ${JSON.stringify(fields.uid)} expired or was taken over by another process before this operation wrote; nothing was written`,
    );
    this.uid = fields.uid;
    this.notHeldFor = fields.notHeldFor;
  }
}
