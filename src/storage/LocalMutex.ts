import { LocalMutexLock } from './LocalMutexLock';
import type { SessionLock } from './SessionLock';

/**
 * FIFO mutexes keyed by string, for serialising async operations on one
 * session inside one process. Keys with no holder and no waiter are dropped,
 * so the map does not grow with the number of sessions ever touched.
 */
export class LocalMutex {
  private readonly queues = new Map<string, Array<() => void>>();

  /** Waits for the key's turn and returns the lock that hands it on. */
  async acquire(key: string): Promise<SessionLock> {
    const now = this.tryAcquire(key);
    if (now !== undefined) return now;
    const queue = this.queues.get(key) as Array<() => void>;
    await new Promise<void>((resolve) => queue.push(resolve));
    return this.lockOf(key);
  }

  /**
   * The key's lock if nobody holds it, without waiting (and without a
   * promise: the uncontended case is every embedded operation); undefined
   * when it is held.
   */
  tryAcquire(key: string): LocalMutexLock | undefined {
    if (this.queues.has(key)) return undefined;
    this.queues.set(key, []);
    return this.lockOf(key);
  }

  /** Whether an operation holds `key` (or waits for it). */
  isLocked(key: string): boolean {
    return this.queues.has(key);
  }

  /** Whether an operation is queued behind the current holder of `key`. */
  hasWaiters(key: string): boolean {
    return (this.queues.get(key)?.length ?? 0) > 0;
  }

  private lockOf(key: string): LocalMutexLock {
    return new LocalMutexLock(() => this.handOn(key));
  }

  private handOn(key: string): void {
    const queue = this.queues.get(key);
    const next = queue?.shift();
    if (next === undefined) this.queues.delete(key);
    else next();
  }

  /** The mutex shared by every backend of this process. */
  static readonly shared = new LocalMutex();
}
