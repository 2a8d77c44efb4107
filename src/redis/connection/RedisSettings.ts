import type { ConnectionLog } from './ConnectionHealth';
import type { RedisEndpoint } from './RedisEndpoint';

/** How many replicas must acknowledge each storage write, and how long to wait for them. */
export interface ReplicationWait {
  /** Replicas that must have the write (at least 1). */
  replicas: number;
  /** Milliseconds to wait for them before the write is reported as not durable. */
  timeoutMs: number;
}

/** Where the Redis storage and the BullMQ runner connect, and how their keys are named. */
export interface RedisSettings {
  /** The server every client of the container connects to (a URL, options, a Sentinel-managed primary). */
  endpoint: RedisEndpoint;
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
   * Makes every storage write wait until this many replicas acknowledged it
   * (Redis `WAIT`), so a failover cannot lose an acknowledged write; see
   * docs/guarantees.md. Off by default (one more round trip per write).
   */
  replication?: ReplicationWait;
  /**
   * Seconds an operation applied under an idempotency key is remembered
   * (default 86,400): a repeat of the key within it changes nothing.
   */
  idempotencyWindowSeconds?: number;
  /** Where connection trouble and recovery are reported (default: one line on stderr per outage and recovery). */
  connectionLog?: ConnectionLog;
}
