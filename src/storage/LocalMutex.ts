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
    const queue = this.queues.get(key);
    if (queue === undefined) {
      this.queues.set(key, []);
    } else {
      await new Promise<void>((resolve) => queue.push(resolve));
    }
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        this.handOn(key);
      },
    };
  }

  /** Whether an operation holds `key` (or waits for it). */
  isLocked(key: string): boolean {
    return this.queues.has(key);
  }

  /** Whether an operation is queued behind the current holder of `key`. */
  hasWaiters(key: string): boolean {
    return (this.queues.get(key)?.length ?? 0) > 0;
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
