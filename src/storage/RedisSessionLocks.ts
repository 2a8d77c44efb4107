import { randomUUID } from 'node:crypto';
import { LockTimeoutError } from '../errors';
import { LocalMutex } from './LocalMutex';
import type { RedisSessionKeys } from './RedisSessionKeys';
import type { TriggersRedis } from './RedisScripts';
import type { SessionLock } from './SessionLock';

/** Timings of one lock acquisition. */
export interface RedisLockOptions {
  /** Milliseconds the Redis lock lives unless renewed. */
  ttlMs: number;
  /** Renewal period in ms while held (0: never renew, as a holder that died). */
  renewMs: number;
  /** Milliseconds to wait for the lock before {@link LockTimeoutError}. */
  timeoutMs: number;
}

/** A session lock held in Redis by this process. */
export interface RedisHeldLock {
  /** The owner token stored in the lock key; writes are fenced on it. */
  readonly token: string;
  /** Set when a renewal found the lock gone or owned by someone else. */
  readonly lost: boolean;
}

/** A {@link SessionLock} taken through {@link RedisSessionLocks}, exposing the Redis lock it stands for. */
export interface RedisSessionLock extends SessionLock {
  readonly held: RedisHeldLock;
}

class HeldLock implements RedisHeldLock {
  lost = false;
  /** Another process marked itself as the next waiter: do not hand the lock on locally. */
  contended = false;
  handoffs = 0;
  readonly acquiredAt = Date.now();
  expiresAt: number;
  private timer?: NodeJS.Timeout;

  constructor(
    readonly token: string,
    readonly keys: RedisSessionKeys,
    readonly options: RedisLockOptions,
    startedAt: number,
  ) {
    this.expiresAt = startedAt + options.ttlMs;
  }

  startRenewal(renew: (lock: HeldLock) => void): void {
    if (this.options.renewMs <= 0) return;
    this.timer = setInterval(() => renew(this), this.options.renewMs);
    this.timer.unref();
  }

  stopRenewal(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** Consecutive local hand-offs of one Redis lock before it is released anyway. */
const MAX_HANDOFFS = 200;
/** Longest time one Redis lock is handed on locally before it is released anyway. */
const MAX_HANDOFF_HOLD_MS = 200;
/** Longest pause between two attempts to take a held lock. */
const MAX_POLL_MS = 20;

/**
 * Session locks over Redis for one connection: an owner token in
 * `<session>:lock` set with `NX PX`, renewed while held, released by a
 * script that deletes it only for its owner, and checked again by every
 * write script (fencing), so a holder that paused past the expiry writes
 * nothing.
 *
 * In front of Redis sits an in-process {@link LocalMutex}: operations of
 * this process on one session queue locally (no Redis polling), and when an
 * operation ends with another local one waiting, the Redis lock is handed
 * on without being released and re-taken (bounded in count and time, and
 * never while a waiter from another process has marked itself next). A
 * release itself is sent without waiting for the reply: commands on one
 * connection are processed in order, so a later acquisition from this
 * process can never overtake it.
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

  constructor(private readonly redis: () => TriggersRedis) {}

  /**
   * Takes the lock of the session `keys` names (`uid` for error messages).
   * @throws LockTimeoutError naming the session when it is not free in time
   */
  async acquire(keys: RedisSessionKeys, options: RedisLockOptions): Promise<RedisSessionLock> {
    const localKey = keys.lock;
    const local = await this.mutex.acquire(localKey);
    let held: HeldLock;
    try {
      held = await this.redisLock(localKey, keys, options);
    } catch (error) {
      await local.release();
      throw error;
    }
    let released = false;
    return {
      held,
      release: async () => {
        if (released) return;
        released = true;
        if (!this.mayHandOn(localKey, held)) this.releaseRedisLock(localKey, held);
        else held.handoffs += 1;
        await local.release();
      },
    };
  }

  /** Stops every renewal timer and forgets the held locks (the connection is closing). */
  releaseAll(): void {
    for (const [key, lock] of this.held) this.releaseRedisLock(key, lock);
  }

  /** Records that another process is waiting for the lock `token` holds (from a write's reply). */
  noteContention(lock: RedisHeldLock, waiting: boolean): void {
    if (waiting && lock instanceof HeldLock) lock.contended = true;
  }

  private async redisLock(localKey: string, keys: RedisSessionKeys, options: RedisLockOptions): Promise<HeldLock> {
    const retained = this.held.get(localKey);
    if (retained !== undefined) {
      if (!retained.lost && Date.now() < retained.expiresAt - Math.min(1000, retained.options.ttlMs / 4)) return retained;
      this.releaseRedisLock(localKey, retained);
    }
    const lock = await this.take(keys, options);
    lock.startRenewal((l) => this.renew(l));
    this.held.set(localKey, lock);
    return lock;
  }

  private async take(keys: RedisSessionKeys, options: RedisLockOptions): Promise<HeldLock> {
    const token = randomUUID();
    const deadline = Date.now() + options.timeoutMs;
    let pause = 1;
    for (;;) {
      const startedAt = Date.now();
      const taken = await this.redis().triggersLockAcquire(keys.lock, keys.next, token, options.ttlMs, 3 * MAX_POLL_MS + 100);
      if (taken === 1) return new HeldLock(token, keys, options, startedAt);
      if (Date.now() >= deadline) {
        throw new LockTimeoutError(
          `Timed out after ${options.timeoutMs} ms waiting for the lock of session ${JSON.stringify(keys.uid)} (prefix "${keys.prefix}"): another process holds it`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, pause + Math.random() * pause));
      pause = Math.min(pause * 2, MAX_POLL_MS);
    }
  }

  private mayHandOn(localKey: string, lock: HeldLock): boolean {
    return (
      this.mutex.hasWaiters(localKey) &&
      !lock.lost &&
      !lock.contended &&
      lock.handoffs < MAX_HANDOFFS &&
      Date.now() - lock.acquiredAt < MAX_HANDOFF_HOLD_MS &&
      Date.now() < lock.expiresAt - Math.min(1000, lock.options.ttlMs / 4)
    );
  }

  private releaseRedisLock(localKey: string, lock: HeldLock): void {
    lock.stopRenewal();
    if (this.held.get(localKey) === lock) this.held.delete(localKey);
    try {
      // Not awaited: later commands on this connection are processed after it.
      this.redis()
        .triggersLockRelease(lock.keys.lock, lock.token)
        .catch(() => undefined);
    } catch {
      // The connection is closed: the lock expires on its own.
    }
  }

  private renew(lock: HeldLock): void {
    const startedAt = Date.now();
    let redis: TriggersRedis;
    try {
      redis = this.redis();
    } catch {
      lock.stopRenewal();
      return;
    }
    redis
      .triggersLockRenew(lock.keys.lock, lock.keys.next, lock.token, lock.options.ttlMs)
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
