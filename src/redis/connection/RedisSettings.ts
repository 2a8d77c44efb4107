import type { ConnectionLog } from './ConnectionHealth';

/** Where the Redis storage and the BullMQ runner connect, and how their keys are named. */
export interface RedisSettings {
  /** `redis://host:port/db` URL. */
  url: string;
  /** Prefix of every key and queue name (default `triggers`). Must not contain `{` or `}` (they would break the per-session Cluster hash tag). */
  prefix: string;
  /** Seconds a session lives after its last write (undefined: forever). */
  sessionTtlSeconds?: number;
  /**
   * Milliseconds a session lock lives unless renewed (default 10,000). A
   * holder that dies mid-operation blocks its session at most this long.
   */
  lockTtlMs?: number;
  /** How often a held lock is renewed, in ms (default a third of `lockTtlMs`; 0 disables renewal). */
  lockRenewMs?: number;
  /** How long an operation waits for a session lock before `LockTimeoutError` (default 30,000 ms). */
  lockTimeoutMs?: number;
  /**
   * Milliseconds one storage round trip may wait for a connection, and then
   * for its reply, before it fails with `StorageUnavailableError` (default
   * 10,000). Also bounds a BullMQ enqueue.
   */
  operationTimeoutMs?: number;
  /**
   * Seconds an operation applied under an idempotency key is remembered
   * (default 86,400): a repeat of the key within it changes nothing.
   */
  idempotencyWindowSeconds?: number;
  /** Where connection trouble and recovery are reported (default: one line on stderr per outage and recovery). */
  connectionLog?: ConnectionLog;
}
