import { InvalidStorageSettingsError } from '../../errors';

/** The per-prefix directory keys (see {@link RedisSessionKeys.indexKey}). */
export type DirectoryIndex = 'unresolved' | 'failed' | 'sessions' | 'counts';

/**
 * The Redis key names of one session.
 *
 * Every key is `<prefix>:{<tag>}:<part>` where `<tag>` is the base64url
 * encoding of the uid's UTF-16 code units. The encoding is injective on every
 * JavaScript string (lone surrogates included), contains neither `{` nor `}`,
 * nor `:`, so:
 * - no uid (colons, braces, spaces, unicode, kilobytes long) can produce
 *   another session's keys;
 * - `{<tag>}` is the Redis Cluster hash tag of every key of the session, so
 *   they all live in one slot and multi-key scripts work on a cluster.
 *
 * Per-task sets append the raw task name after the fixed `u:` part; because
 * the tag ends at the first `}`, a task name never changes the slot, and
 * the fixed parts keep those keys apart from the others.
 */
export class RedisSessionKeys {
  /**
   * The parts of the keys the session scripts receive, in their `KEYS`
   * order (lock, next, then the record keys): one definition for
   * {@link scriptKeys} and for a script that rebuilds these names from the
   * key base (`startOnFetchScript`).
   */
  static readonly SCRIPT_PARTS = ['lock', 'next', 'tasks', 'tt', 'inst', 'latest', 'counts', 'unresolved', 'tv'] as const;

  /** The part after the key base that starts the per-task sets of unstarted instances. */
  static readonly UNSTARTED_PART = 'u:';

  /**
   * The part after the key base that starts the hashes of applied
   * operations (`o:<window ms>:<bucket>`, operation id -> outcome, one per
   * time bucket, expiring on their own; `includes/operationOf.lua`).
   */
  static readonly OPERATION_PART = 'o:';
  /** The part after the key base of the key holding the session's uid ({@link uidKey}). */
  static readonly UID_PART = 'uid';

  /** `<key prefix>:{<tag>}:` shared by every key of the session. */
  readonly base: string;

  /**
   * @param keyPrefix what the session's keys start with: `prefix` on a
   *   single server, its shard's `{<prefix>.s<k>}` on a Cluster
   *   ({@link SessionShards})
   */
  constructor(
    readonly prefix: string,
    readonly uid: string,
    readonly keyPrefix: string = prefix,
  ) {
    RedisSessionKeys.assertValidPrefix(prefix);
    this.base = `${RedisSessionKeys.keyHead(keyPrefix)}${RedisSessionKeys.tagOf(uid)}}:`;
  }

  /** What the key base of every session under key prefix `keyPrefix` starts with (`<keyPrefix>:{`). */
  static keyHead(keyPrefix: string): string {
    return `${keyPrefix}:{`;
  }

  /** The session lock (a string holding the owner's token). */
  get lock(): string {
    return `${this.base}lock`;
  }

  /** Token of the waiter from another process that goes next (lock fairness). */
  get next(): string {
    return `${this.base}next`;
  }

  /** Hash: task name -> task entry JSON. */
  get tasks(): string {
    return `${this.base}tasks`;
  }

  /** Hash: task name -> the triggers it mentions (after, andEvery, unless), length-prefixed for Lua. */
  get taskTriggers(): string {
    return `${this.base}tt`;
  }

  /** Hash: instance name -> instance record JSON. */
  get instances(): string {
    return `${this.base}inst`;
  }

  /** Hash: trigger -> latest kwargs JSON. */
  get latestKwargs(): string {
    return `${this.base}latest`;
  }

  /** Hash: task name -> number of instances ever created. */
  get instanceCounts(): string {
    return `${this.base}counts`;
  }

  /** Set: names of the instances that are not resolved. */
  get unresolved(): string {
    return `${this.base}unresolved`;
  }

  /** String: the digest of the session's task entries, written with every task change, so processes can cache them. */
  get tasksVersion(): string {
    return `${this.base}tv`;
  }

  /**
   * String: the uid as JSON text (`JSON.stringify`), written with the
   * session's tasks. The script fetching a job compares the job's uid with
   * it rather than encoding the uid into a tag (`startOnFetch.lua`); a key
   * base determines its uid, so the text is right for as long as it exists.
   */
  get uidKey(): string {
    return `${this.base}${RedisSessionKeys.UID_PART}`;
  }

  /** Prefix of the per-task sets of unstarted instance names (append the task name). */
  get unstartedPrefix(): string {
    return `${this.base}${RedisSessionKeys.UNSTARTED_PART}`;
  }

  /** Set: names of the unstarted instances of `task`. */
  unstarted(task: string): string {
    return `${this.unstartedPrefix}${task}`;
  }

  /** What the names of the bucket hashes of operations applied with window `windowMs` start with (append the bucket; docs/ARCHITECTURE.md, "Operation ids"). */
  appliedOperationsHead(windowMs: number): string {
    return `${this.base}${RedisSessionKeys.OPERATION_PART}${windowMs}:`;
  }

  /** The keys every session script receives, in its `KEYS` order: lock, next, then the {@link recordKeys}. */
  get scriptKeys(): string[] {
    return RedisSessionKeys.SCRIPT_PARTS.map((part) => `${this.base}${part}`);
  }

  /** The record keys (everything but the lock keys and the per-task sets), in the order the scripts expect. */
  get recordKeys(): string[] {
    return this.scriptKeys.slice(2);
  }

  /**
   * A directory index of key prefix `keyPrefix` (see `indexKeys.lua`,
   * which builds the same names): sorted sets `unresolved` (scheduled and
   * running instances) and `failed` of `<tag>:<instance>` members and
   * `sessions` of tags, scored by server time, and the hash `counts` of
   * status changes per task. Outside every session's hash tag: one index
   * per prefix on a single server or Sentinel; on a Cluster one per shard,
   * in the shard's slot (`{<prefix>.s<k>}:idx:*`).
   */
  static indexKey(keyPrefix: string, index: DirectoryIndex): string {
    return `${keyPrefix}:idx:${index}`;
  }

  /** The uid whose {@link tagOf} is `tag`. */
  static uidOfTag(tag: string): string {
    return Buffer.from(tag, 'base64url').toString('utf16le');
  }

  /** The hash-tag content for `uid`: base64url of its UTF-16LE code units. */
  static tagOf(uid: string): string {
    return Buffer.from(uid, 'utf16le').toString('base64url');
  }

  /** Throws {@link InvalidStorageSettingsError} for a prefix that would break the hash tag. */
  static assertValidPrefix(prefix: unknown): asserts prefix is string {
    if (typeof prefix !== 'string' || prefix.length === 0) {
      throw new InvalidStorageSettingsError({
        setting: 'prefix',
        value: prefix,
        reason: `Redis key prefix must be a non-empty string, got ${JSON.stringify(prefix)}`,
      });
    }
    if (/[{}]/.test(prefix)) {
      throw new InvalidStorageSettingsError({
        setting: 'prefix',
        value: prefix,
        reason: `Redis key prefix ${JSON.stringify(prefix)} must not contain "{" or "}" (they would break the session's Cluster hash tag)`,
      });
    }
  }
}
