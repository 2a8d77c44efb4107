import { inject, injectable } from 'inversify';
import { Redis } from 'ioredis';
import type { RedisSettings } from '../container/RedisSettings';
import type { PipelinedFinish } from './PipelinedFinish';
import type { FetchedStart } from './StartOnFetchScript';
import { TRIGGERS } from '../container/tokens';
import { InvalidStorageSettingsError } from '../errors';
import { RedisSessionKeys } from './RedisSessionKeys';
import { RedisSessionLocks } from './RedisSessionLocks';
import { TaskConfigCache } from './TaskConfigCache';
import type { RedisLockOptions } from './RedisSessionLocks';

const DEFAULT_LOCK_TTL_MS = 10_000;
const DEFAULT_LOCK_TIMEOUT_MS = 30_000;

/**
 * The container's one ioredis connection (bound as a singleton to
 * `TRIGGERS.RedisConnection`), shared by every Redis storage backend the
 * container builds. It connects lazily, on the first command, so importing
 * Triggers or creating a container never opens a socket; close it with
 * {@link quit} (or `closeTriggersContainer(container)`) so processes exit.
 *
 * Auto-pipelining is on: commands issued in the same tick (parallel reads,
 * operations on many sessions) travel in one write to the server.
 */
@injectable()
export class RedisConnection {
  private client?: Redis;
  private closed = false;
  /** The session locks taken through this connection. */
  readonly locks = new RedisSessionLocks(() => this.redis);
  /** Lock timings derived from the settings. */
  readonly lockOptions: RedisLockOptions;

  constructor(@inject(TRIGGERS.RedisSettings) readonly settings: RedisSettings) {
    RedisSessionKeys.assertValidPrefix(settings.prefix);
    const ttlMs = settings.lockTtlMs ?? DEFAULT_LOCK_TTL_MS;
    const renewMs = settings.lockRenewMs ?? Math.floor(ttlMs / 3);
    const timeoutMs = settings.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
    for (const [name, value] of Object.entries({ lockTtlMs: ttlMs, lockRenewMs: renewMs, lockTimeoutMs: timeoutMs })) {
      if (!Number.isFinite(value) || value < 0 || (name === 'lockTtlMs' && value < 10)) {
        throw new InvalidStorageSettingsError(`Redis setting ${name} must be a number of milliseconds (lockTtlMs at least 10), got ${value}`);
      }
    }
    const ttl = settings.sessionTtlSeconds;
    if (ttl !== undefined && !(Number.isInteger(ttl) && ttl > 0)) {
      throw new InvalidStorageSettingsError(`Redis setting sessionTtlSeconds must be a positive whole number of seconds, got ${ttl}`);
    }
    this.lockOptions = { ttlMs, renewMs, timeoutMs };
  }

  /** The ioredis client (created on first use). */
  get redis(): Redis {
    if (this.client === undefined) {
      if (this.closed) throw new InvalidStorageSettingsError('This Triggers Redis connection was closed (closeTriggersContainer / quit)');
      this.client = new Redis(this.settings.url, { enableAutoPipelining: true });
    }
    return this.client;
  }

  /** Whether a socket was ever opened (and not yet closed). */
  get isOpen(): boolean {
    return this.client !== undefined;
  }

  /**
   * Configurations per session and per version, as last read or written
   * through this connection: a fire skips transferring and parsing them
   * while the version is unchanged, and sessions sharing a configuration
   * share its parsed form.
   */
  readonly taskCache = new TaskConfigCache();

  private readonly pipelinedFinishes = new Map<string, PipelinedFinish>();

  /**
   * Offers the finish of `instance` of session `uid` to be sent on a job's
   * connection ({@link PipelinedFinish}); the first atomic status change of
   * that instance through this connection takes it. Returns the withdrawal
   * (call it once the job's execution settled).
   */
  offerPipelinedFinish(uid: string, instance: string, finish: PipelinedFinish): () => void {
    const key = `${uid}\u0000${instance}`;
    this.pipelinedFinishes.set(key, finish);
    return () => {
      if (this.pipelinedFinishes.get(key) === finish) this.pipelinedFinishes.delete(key);
    };
  }

  /** Takes the offer for `instance` of session `uid`, if any (once). */
  takePipelinedFinish(uid: string, instance: string): PipelinedFinish | undefined {
    return takeOnce(this.pipelinedFinishes, uid, instance);
  }

  private readonly fetchedStarts = new Map<string, FetchedStart>();

  /**
   * Notes that `instance` of session `uid` was already started by the
   * script that fetched its job ({@link startOnFetchScript}); the next start
   * of that instance through this connection takes it instead of starting
   * it again. Bounded (the oldest goes first when full): a start left here
   * is a job the worker never ran, which BullMQ's stalled check treats as a
   * lost worker.
   */
  noteFetchedStart(uid: string, start: FetchedStart): void {
    if (this.fetchedStarts.size >= 10_000) this.fetchedStarts.delete(this.fetchedStarts.keys().next().value as string);
    this.fetchedStarts.set(`${uid}\u0000${start.instance}`, start);
  }

  /** Takes the noted start of `instance` of session `uid`, if any (once). */
  takeFetchedStart(uid: string, instance: string): FetchedStart | undefined {
    return takeOnce(this.fetchedStarts, uid, instance);
  }

  /** Key names of session `uid` under the configured prefix. */
  keysFor(uid: string): RedisSessionKeys {
    return new RedisSessionKeys(this.settings.prefix, uid);
  }

  /**
   * Releases held locks and closes the connection after pending replies
   * arrived. Safe to call twice, or when nothing was ever opened.
   */
  async quit(): Promise<void> {
    this.closed = true;
    const client = this.client;
    if (client === undefined) return;
    this.locks.releaseAll();
    this.client = undefined;
    try {
      await client.quit();
    } catch {
      client.disconnect();
    }
  }
}

/** Removes and returns the entry of `instance` of session `uid` in a map keyed by both. */
function takeOnce<T>(map: Map<string, T>, uid: string, instance: string): T | undefined {
  if (map.size === 0) return undefined;
  const key = `${uid}\u0000${instance}`;
  const value = map.get(key);
  if (value !== undefined) map.delete(key);
  return value;
}
