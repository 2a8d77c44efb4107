import { inject, injectable } from 'inversify';
import { Redis } from 'ioredis';
import type { RedisSettings } from './RedisSettings';
import { TRIGGERS } from '../../registry/tokens';
import { InvalidStorageSettingsError } from '../../errors';
import { RedisSessionKeys } from '../storage/RedisSessionKeys';
import { RedisSessionLocks } from '../storage/RedisSessionLocks';
import { TaskConfigCache } from '../storage/TaskConfigCache';
import { JobHandoffs } from '../worker/JobHandoffs';
import type { RedisLockOptions } from '../storage/RedisSessionLocks';

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
        throw new InvalidStorageSettingsError({
          setting: name,
          value,
          reason: `Redis setting ${name} must be a number of milliseconds (lockTtlMs at least 10), got ${value}`,
        });
      }
    }
    const ttl = settings.sessionTtlSeconds;
    if (ttl !== undefined && !(Number.isInteger(ttl) && ttl > 0)) {
      throw new InvalidStorageSettingsError({
        setting: 'sessionTtlSeconds',
        value: ttl,
        reason: `Redis setting sessionTtlSeconds must be a positive whole number of seconds, got ${ttl}`,
      });
    }
    this.lockOptions = { ttlMs, renewMs, timeoutMs };
  }

  /** The ioredis client (created on first use). */
  get redis(): Redis {
    if (this.client === undefined) {
      if (this.closed) throw new InvalidStorageSettingsError({ reason: 'This Triggers Redis connection was closed (closeTriggersContainer / quit)' });
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

  /** What the container's worker hands to its Redis storage about the job it runs. */
  readonly handoffs = new JobHandoffs();

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
