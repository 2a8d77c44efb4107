import type { SessionLock } from './SessionLock';

const RELEASED: Promise<void> = Promise.resolve();

/**
 * A held key of a `LocalMutex`. Releasing it is synchronous underneath
 * ({@link releaseNow}), so the storage base class frees an in-process lock
 * without a promise per operation; `release()` is the {@link SessionLock}
 * form every backend's lock has.
 */
export class LocalMutexLock implements SessionLock {
  private released = false;

  /** @param handOn gives the key to the next waiter or frees it */
  constructor(private readonly handOn: () => void) {}

  /** Hands the key on (once; later calls do nothing). */
  releaseNow(): void {
    if (this.released) return;
    this.released = true;
    this.handOn();
  }

  release(): Promise<void> {
    this.releaseNow();
    return RELEASED;
  }
}
