import { LocalMutexLock } from './LocalMutexLock';
import type { SessionLock } from './SessionLock';

/** One key's state: whether an operation holds it, and who waits for it (FIFO). */
interface KeyState {
  held: boolean;
  readonly waiters: Array<() => void>;
}

/** Free keys kept before they are dropped in one sweep. */
const MAX_IDLE_KEYS = 1_000;

/**
 * FIFO mutexes keyed by string, for serialising async operations on one
 * session inside one process.
 *
 * A freed key keeps its entry until {@link MAX_IDLE_KEYS} free keys piled
 * up, then every free key is dropped in one sweep: the map does not grow
 * with the number of sessions ever touched, and a session used over and
 * over does not delete and re-create its entry on every operation.
 */
export class LocalMutex {
  private readonly keys = new Map<string, KeyState>();
  private idle = 0;

  /** Waits for the key's turn and returns the lock that hands it on. */
  async acquire(key: string): Promise<SessionLock> {
    const now = this.tryAcquire(key);
    if (now !== undefined) return now;
    const state = this.keys.get(key) as KeyState;
    await new Promise<void>((resolve) => state.waiters.push(resolve));
    return this.lockOf(state);
  }

  /**
   * The key's lock if nobody holds it, without waiting (and without a
   * promise: the uncontended case is every embedded operation); undefined
   * when it is held.
   */
  tryAcquire(key: string): LocalMutexLock | undefined {
    let state = this.keys.get(key);
    if (state === undefined) {
      state = { held: true, waiters: [] };
      this.keys.set(key, state);
    } else if (state.held) {
      return undefined;
    } else {
      state.held = true;
      this.idle -= 1;
    }
    return this.lockOf(state);
  }

  /** Whether an operation holds `key` (or waits for it). */
  isLocked(key: string): boolean {
    return this.keys.get(key)?.held === true;
  }

  /** Whether an operation is queued behind the current holder of `key`. */
  hasWaiters(key: string): boolean {
    return (this.keys.get(key)?.waiters.length ?? 0) > 0;
  }

  private lockOf(state: KeyState): LocalMutexLock {
    return new LocalMutexLock(() => this.handOn(state));
  }

  /** Gives the key to its next waiter (it stays held), or frees it. */
  private handOn(state: KeyState): void {
    const next = state.waiters.shift();
    if (next !== undefined) {
      next();
      return;
    }
    state.held = false;
    this.idle += 1;
    if (this.idle > MAX_IDLE_KEYS) this.dropIdleKeys();
  }

  private dropIdleKeys(): void {
    for (const [key, state] of this.keys) if (!state.held) this.keys.delete(key);
    this.idle = 0;
  }

  /** The mutex shared by every backend of this process. */
  static readonly shared = new LocalMutex();
}
