import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { LockTimeoutError } from '../../errors';
import { LocalMutex } from '../../storage/LocalMutex';
import type { RedisSessionKeys } from './RedisSessionKeys';
import { RedisScripts } from './RedisScripts';
import type { SessionLock } from '../../storage/SessionLock';

/**
 * Sends the commands `command` issues for `operation` of session `uid`,
 * bounded in time (`RedisConnection.call`).
 */
export type BoundedCall = <T>(uid: string, operation: string, command: (redis: Redis) => Promise<T>) => Promise<T>;

/** Timings of one lock acquisition. */
export interface RedisLockOptions {
  /** Milliseconds the Redis lock lives unless renewed. */
  ttlMs: number;
  /** Renewal period in ms while held (0: never renew, as a holder that died). */
  renewMs: number;
  /** Milliseconds to wait for the lock before {@link LockTimeoutError}. */
  timeoutMs: number;
}

/** A session lock held (or being taken) in Redis by this process. */
export interface RedisHeldLock {
  /** The owner token stored in the lock key; writes are fenced on it. */
  readonly token: string;
  /** Set when a renewal found the lock gone or owned by someone else. */
  readonly lost: boolean;
}

/**
 * A {@link SessionLock} taken through {@link RedisSessionLocks}. The Redis
 * lock may still be in flight when it is returned (see `ensure`).
 */
export interface RedisSessionLock extends SessionLock {
  readonly held: RedisHeldLock;
  /**
   * Resolves once the Redis lock is really ours: at once when the first,
   * optimistic attempt succeeded, else after polling.
   * @throws LockTimeoutError naming the session
   */
  ensure(): Promise<void>;
  /** Whether the first attempt is known to have succeeded (commands already sent after it saw locked state). */
  readonly confirmed: boolean;
  /**
   * Resolves to whether commands sent after `acquire` returned (and before
   * this resolved) ran under the lock: the first attempt took it.
   */
  readonly firstAttempt: Promise<boolean>;
}

class HeldLock implements RedisHeldLock {
  lost = false;
  confirmed = false;
  released = false;
  /** Another process marked itself as the next waiter: do not hand the lock on locally. */
  contended = false;
  handoffs = 0;
  /** The last refused attempt found this waiter marked as the next one. */
  isNext = false;
  acquiredAt = Date.now();
  expiresAt = 0;
  firstAttempt: Promise<boolean> = Promise.resolve(false);
  firstError?: unknown;
  polling?: Promise<void>;
  private timer?: NodeJS.Timeout;

  constructor(
    readonly token: string,
    readonly keys: RedisSessionKeys,
    readonly options: RedisLockOptions,
  ) {}

  confirm(startedAt: number, renew: (lock: HeldLock) => void): void {
    this.confirmed = true;
    this.acquiredAt = Date.now();
    this.expiresAt = startedAt + this.options.ttlMs;
    if (this.options.renewMs > 0 && !this.released) {
      this.timer = setInterval(() => renew(this), this.options.renewMs);
      this.timer.unref();
    }
  }

  stopRenewal(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Still safely ours for a while, by the local clock. */
  get fresh(): boolean {
    return this.confirmed && !this.lost && Date.now() < this.expiresAt - Math.min(1000, this.options.ttlMs / 4);
  }
}

/** Consecutive local hand-offs of one Redis lock before it is released anyway. */
const MAX_HANDOFFS = 200;
/** Longest time one Redis lock is handed on locally before it is released anyway. */
const MAX_HANDOFF_HOLD_MS = 200;
/** Longest pause between two attempts to take a held lock. */
const MAX_POLL_MS = 20;
/** Pause between two attempts of the waiter marked next. */
const NEXT_POLL_MS = 1;

/**
 * Session locks over Redis for one connection: an owner token in
 * `<session>:lock` set with `NX PX`, renewed while held, released by a
 * script that deletes it only for its owner, and checked again by every
 * write script (fencing), so a holder that paused past the expiry writes
 * nothing.
 *
 * Round trips are saved three ways:
 * - **optimistic acquisition**: the acquire script is sent without waiting
 *   for its reply; the operation's first read is sent right behind it on the
 *   same connection, so when the lock was free (the usual case) the read ran
 *   under the lock and acquiring cost no extra round trip. When it was not,
 *   that read is discarded and redone once the lock is ours (`ensure`).
 * - **release without waiting**: commands on one connection are processed
 *   in order, so a later acquisition from this process cannot overtake it.
 * - **local hand-off**: an in-process {@link LocalMutex} sits in front of
 *   Redis, so operations of this process on one session queue locally
 *   (no polling), and when one ends with another waiting, the Redis lock is
 *   handed on without a release and re-take (bounded in count and time,
 *   and never while a waiter from another process has marked itself next).
 *
 * Waiting for a lock held by another process polls with exponential
 * backoff (1 ms doubling up to 20 ms); the first refused waiter marks
 * itself next so that a busy holder cannot starve it.
 */
export class RedisSessionLocks {
  private readonly held = new Map<string, HeldLock>();
  private readonly mutex = new LocalMutex();
  /** Renewals that succeeded (observable by tests and profilers). */
  renewals = 0;

  constructor(private readonly call: BoundedCall) {}

  /**
   * Starts taking the lock of the session `keys` names: waits for this
   * process's earlier operations on the session, then sends the first
   * attempt without waiting for it. Call `ensure()` (or send commands and
   * check `firstAttempt`) before relying on it.
   */
  async acquire(keys: RedisSessionKeys, options: RedisLockOptions): Promise<RedisSessionLock> {
    const localKey = keys.lock;
    const local = await this.mutex.acquire(localKey);
    let lock: HeldLock;
    try {
      lock = this.redisLock(localKey, keys, options);
    } catch (error) {
      await local.release();
      throw error;
    }
    let released = false;
    return {
      held: lock,
      get confirmed() {
        return lock.confirmed;
      },
      firstAttempt: lock.firstAttempt,
      ensure: () => this.ensure(lock),
      release: async () => {
        if (released) return;
        released = true;
        if (this.mayHandOn(localKey, lock)) lock.handoffs += 1;
        else this.releaseRedisLock(localKey, lock);
        await local.release();
      },
    };
  }

  /**
   * Whether an operation of this process holds, waits for, or retains the
   * lock of the session `keys` names (a lock-free step must then queue
   * behind it instead of overtaking it).
   */
  isBusyHere(keys: RedisSessionKeys): boolean {
    return this.held.has(keys.lock) || this.mutex.isLocked(keys.lock);
  }

  /** Stops every renewal timer and releases the held locks (the connection is closing). */
  releaseAll(): void {
    for (const [key, lock] of this.held) this.releaseRedisLock(key, lock);
  }

  /** Records that another process is waiting for the lock (from a write's reply). */
  noteContention(lock: RedisHeldLock, waiting: boolean): void {
    if (waiting && lock instanceof HeldLock) lock.contended = true;
  }

  private redisLock(localKey: string, keys: RedisSessionKeys, options: RedisLockOptions): HeldLock {
    const retained = this.held.get(localKey);
    if (retained !== undefined) {
      if (retained.fresh) return retained;
      this.releaseRedisLock(localKey, retained);
    }
    const lock = new HeldLock(randomUUID(), keys, options);
    const startedAt = Date.now();
    let resent = false;
    lock.firstAttempt = this.attempt(lock, () => (resent = true)).then(
      (taken) => {
        if (taken) lock.confirm(startedAt, (l) => this.renew(l));
        // Taken by a re-sent EVAL: commands sent meanwhile ran before it.
        return taken && !resent;
      },
      (error: unknown) => {
        lock.firstError = error;
        return false;
      },
    );
    this.held.set(localKey, lock);
    return lock;
  }

  private attempt(lock: HeldLock, onResent?: () => void): Promise<boolean> {
    const { keys, token, options } = lock;
    return this.call(keys.uid, 'acquireLock', (redis) =>
      RedisScripts.lockAcquire.run(redis, [keys.lock, keys.next], [token, options.ttlMs, 3 * MAX_POLL_MS + 100], onResent),
    ).then((reply) => {
      lock.isNext = reply === 2;
      return reply === 1;
    });
  }

  private async ensure(lock: HeldLock): Promise<void> {
    if (lock.confirmed) return;
    if ((await lock.firstAttempt) || lock.confirmed) return;
    if (lock.firstError !== undefined) throw lock.firstError;
    lock.polling ??= this.poll(lock);
    await lock.polling;
  }

  private async poll(lock: HeldLock): Promise<void> {
    const deadline = Date.now() + lock.options.timeoutMs;
    let pause = 1;
    for (;;) {
      if (lock.released) throw new LockTimeoutError({ uid: lock.keys.uid, waitedMs: Date.now() - deadline + lock.options.timeoutMs, prefix: lock.keys.prefix, abandoned: true });
      if (Date.now() >= deadline) {
        throw new LockTimeoutError({
          uid: lock.keys.uid,
          waitedMs: Date.now() - deadline + lock.options.timeoutMs,
          timeoutMs: lock.options.timeoutMs,
          prefix: lock.keys.prefix,
        });
      }
      // The marked next waiter is the only one that may take the freed lock:
      // it retries every millisecond (one such poller per session), the
      // others back off exponentially.
      if (lock.isNext) {
        await new Promise((resolve) => setTimeout(resolve, NEXT_POLL_MS));
      } else {
        await new Promise((resolve) => setTimeout(resolve, pause + Math.random() * pause));
        pause = Math.min(pause * 2, MAX_POLL_MS);
      }
      const startedAt = Date.now();
      if (await this.attempt(lock)) {
        lock.confirm(startedAt, (l) => this.renew(l));
        return;
      }
    }
  }

  private mayHandOn(localKey: string, lock: HeldLock): boolean {
    return (
      this.mutex.hasWaiters(localKey) &&
      lock.fresh &&
      !lock.contended &&
      lock.handoffs < MAX_HANDOFFS &&
      Date.now() - lock.acquiredAt < MAX_HANDOFF_HOLD_MS
    );
  }

  private releaseRedisLock(localKey: string, lock: HeldLock): void {
    lock.released = true;
    lock.stopRenewal();
    if (this.held.get(localKey) === lock) this.held.delete(localKey);
    // Not awaited: later commands on this connection are processed after it (and it is processed after the
    // acquisition it undoes). On a closed or failed connection the lock expires on its own.
    this.call(lock.keys.uid, 'releaseLock', (redis) => RedisScripts.lockRelease.run(redis, [lock.keys.lock], [lock.token])).catch(() => undefined);
  }

  private renew(lock: HeldLock): void {
    const startedAt = Date.now();
    this.call(lock.keys.uid, 'renewLock', (redis) => RedisScripts.lockRenew.run(redis, [lock.keys.lock, lock.keys.next], [lock.token, lock.options.ttlMs]))
      .then(([owned, waiting]) => {
        if (owned === 1) {
          lock.expiresAt = startedAt + lock.options.ttlMs;
          this.renewals += 1;
        } else {
          lock.lost = true;
          lock.stopRenewal();
        }
        if (waiting === 1) lock.contended = true;
      })
      .catch(() => undefined);
  }
}
