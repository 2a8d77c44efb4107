import { createHash } from 'node:crypto';
import { InvalidStorageSettingsError } from '../../errors';

/** Shards of a prefix on a Redis Cluster unless configured otherwise. */
export const DEFAULT_CLUSTER_SHARDS = 16;

/** The most shards a prefix may be split into (one BullMQ worker per shard and queue in every worker process). */
export const MAX_CLUSTER_SHARDS = 1024;

/**
 * Where each session of a prefix lives: the one place that decides the
 * key prefix of a session's keys, its directory indexes and its BullMQ
 * queues (see docs/ARCHITECTURE.md, "Cluster shards").
 *
 * On a single server or a Sentinel-managed primary there is one shard
 * whose key prefix is the configured prefix itself (the layout is exactly
 * `<prefix>:{<tag>}:<part>`, `<prefix>:idx:*`, `<prefix>:bull:*`). On a
 * Redis Cluster a prefix is split into `count` shards; shard `k` has the
 * key prefix `{<prefix>.s<k>}`, a hash tag, so every key a script of that
 * shard touches (the session's, the shard's indexes and the shard's
 * queues) lives in one slot. A session belongs to shard
 * {@link SessionShards.shardOf}(uid), a stable hash of the uid.
 */
export class SessionShards {
  /** The key prefix of each shard, by shard number. */
  private readonly keyPrefixes: readonly string[];

  /**
   * @param count undefined for the one-shard layout of a single server
   *   (no hash tag in the key prefix); else the number of Cluster shards
   */
  constructor(
    readonly prefix: string,
    count: number | undefined,
  ) {
    if (count !== undefined) SessionShards.assertValidCount(count);
    this.keyPrefixes = count === undefined ? [prefix] : Array.from({ length: count }, (_, shard) => `{${prefix}.s${shard}}`);
  }

  /** Whether sessions are spread over hash-tagged shards (a Cluster). */
  get sharded(): boolean {
    return this.keyPrefixes[0] !== this.prefix;
  }

  /** How many shards there are (1 on a single server). */
  get count(): number {
    return this.keyPrefixes.length;
  }

  /** Every shard number, in order. */
  get all(): number[] {
    return this.keyPrefixes.map((_, shard) => shard);
  }

  /** The shard session `uid` belongs to: the first 32 bits of SHA-1(uid as UTF-16LE), modulo the count. */
  shardOf(uid: string): number {
    if (this.keyPrefixes.length === 1) return 0;
    return createHash('sha1').update(uid, 'utf16le').digest().readUInt32BE(0) % this.keyPrefixes.length;
  }

  /** What the keys of shard `shard` start with (`<prefix>` or `{<prefix>.s<k>}`). */
  keyPrefixOf(shard: number): string {
    const keyPrefix = this.keyPrefixes[shard];
    if (keyPrefix === undefined) throw new RangeError(`no shard ${shard} (there are ${this.keyPrefixes.length})`);
    return keyPrefix;
  }

  /** What the keys of session `uid` start with. */
  keyPrefixFor(uid: string): string {
    return this.keyPrefixOf(this.shardOf(uid));
  }

  /** The BullMQ prefix of shard `shard`: `<key prefix>:bull`, so its queues share the shard's slot. */
  bullmqPrefixOf(shard: number): string {
    return `${this.keyPrefixOf(shard)}:bull`;
  }

  /** The shard whose key prefix `keyPrefix` is, if any. */
  shardOfKeyPrefix(keyPrefix: string): number | undefined {
    const shard = this.keyPrefixes.indexOf(keyPrefix);
    return shard < 0 ? undefined : shard;
  }

  /** Throws {@link InvalidStorageSettingsError} unless `count` is a whole number of shards from 1 to {@link MAX_CLUSTER_SHARDS}. */
  static assertValidCount(count: unknown): asserts count is number {
    if (!Number.isInteger(count) || (count as number) < 1 || (count as number) > MAX_CLUSTER_SHARDS) {
      throw new InvalidStorageSettingsError({
        setting: 'shards',
        value: count,
        reason: `Redis Cluster shards must be a whole number from 1 to ${MAX_CLUSTER_SHARDS}, got ${JSON.stringify(count)}`,
      });
    }
  }
}
