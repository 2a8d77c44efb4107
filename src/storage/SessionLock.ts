/**
 * A held lock on one session. Backends return one from `acquireLock`;
 * the framework releases it exactly once when the operation ends.
 */
export interface SessionLock {
  /** Gives the lock up (called once, also when the operation failed). */
  release(): Promise<void>;
}
