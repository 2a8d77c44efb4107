import { TaskStatus } from '../../model';
import type { RedisConnection } from '../connection/RedisConnection';
import { DirectoryCountsBuilder } from '../../storage/DirectoryCountsBuilder';
import { DEFAULT_DIRECTORY_LIMIT } from '../../storage/StorageDirectory';
import type { DirectoryCounts, DirectoryInstance, DirectoryPage, DirectoryQuery, DirectorySession, DirectoryStatus, StorageDirectory } from '../../storage/StorageDirectory';
import { RedisScripts } from './RedisScripts';
import { RedisSessionKeys } from './RedisSessionKeys';
import type { DirectoryIndex } from './RedisSessionKeys';

/** One entry of the unresolved index with its record's status (undefined: the record is gone). */
export interface UnresolvedEntry extends DirectoryInstance {
  status: TaskStatus | undefined;
}

/** What a directory page reads of an instance record. */
interface RecordHead {
  status: TaskStatus;
  /** When it last started (its `running` timestamp), if it has. */
  started?: Date;
}

/**
 * The Redis backend's {@link StorageDirectory}: reads the per-prefix sorted
 * sets that every record write keeps in step (`putRecord`; layout in
 * docs/ARCHITECTURE.md, "Directory indexes"). One bounded round trip per
 * page and shard (the shards' reads travel together), and for `scheduled`
 * and `running`, which share the `unresolved` index, a second one that
 * reads the listed records' statuses. The cursor is the offset reached in
 * each shard's index, among the entries in the query's range, joined by
 * `.` (one number on a single server).
 */
export class RedisDirectory implements StorageDirectory {
  constructor(private readonly connection: RedisConnection) {}

  async instancesByStatus(status: DirectoryStatus, query: DirectoryQuery = {}): Promise<DirectoryPage<DirectoryInstance>> {
    if (status !== TaskStatus.Failed) {
      const { entries, next } = await this.unresolved(query);
      const matching = entries.filter((entry) => entry.status === status).map(({ uid, instance, since }) => ({ uid, instance, since }));
      return next === undefined ? { entries: matching } : { entries: matching, next };
    }
    // An entry whose record is gone (its session expired by TTL) is left out, and dropped.
    const { listed, next } = await this.failedPage(query);
    const entries = listed.filter(({ dropped }) => !dropped).map(({ uid, instance, since }) => ({ uid, instance, since }));
    return next === undefined ? { entries } : { entries, next };
  }

  /**
   * One page of the unresolved index (scheduled and running instances, by
   * the time they were scheduled), each entry with the status its record
   * has now, read in one batch per shard, and a running one dated by its
   * record's start: what
   * {@link instancesByStatus} filters, and what the reconciliation pages
   * through once for both statuses.
   */
  async unresolved(query: DirectoryQuery = {}): Promise<DirectoryPage<UnresolvedEntry>> {
    const { pairs, next } = await this.range('unresolved', query);
    const listed = pairs.map(([member, at]) => RedisDirectory.instanceOf(member, at)).filter((entry): entry is DirectoryInstance => entry !== undefined);
    const byShard = new Map<number, DirectoryInstance[]>();
    for (const entry of listed) {
      const shard = this.connection.shards.shardOf(entry.uid);
      const group = byShard.get(shard);
      if (group === undefined) byShard.set(shard, [entry]);
      else group.push(entry);
    }
    const read = new Map<DirectoryInstance, RecordHead | undefined>();
    await Promise.all(
      [...byShard.values()].map((group) =>
        this.connection.call('', 'directory', async (redis) => {
          const records = await Promise.all(group.map((entry) => redis.hget(this.connection.keysFor(entry.uid).instances, entry.instance)));
          group.forEach((entry, i) => read.set(entry, RedisDirectory.headOf(records[i])));
        }),
      ),
    );
    const entries = listed.map((entry): UnresolvedEntry => {
      const head = read.get(entry);
      // A start leaves the index's date (the scheduling): a running entry is dated by its record's start.
      const since = head?.status === TaskStatus.Running && head.started !== undefined ? head.started : entry.since;
      return { ...entry, since, status: head?.status };
    });
    return next === undefined ? { entries } : { entries, next };
  }

  /**
   * Sessions by last activity. A listed session whose keys are all gone
   * (expired by TTL: Redis runs no script then) is left out, and its entry
   * dropped in the same step as that check (so a session written again
   * meanwhile keeps it): a page may hold fewer entries than its limit.
   */
  async sessionsByActivity(query: DirectoryQuery = {}): Promise<DirectoryPage<DirectorySession>> {
    const { listed, next } = await this.sessionsPage(query);
    const entries = listed.filter(({ dropped }) => !dropped).map(({ uid, lastActivity }) => ({ uid, lastActivity }));
    return next === undefined ? { entries } : { entries, next };
  }

  /**
   * One page of the sessions index, oldest activity first, from `cursor`:
   * drops the entries of sessions with no keys left (as the listing does)
   * and says which, with the cursor of the next page (undefined after the
   * last: start again).
   */
  async sweepExpiredSessions(limit: number, cursor?: string): Promise<{ dropped: string[]; next?: string }> {
    const { listed, next } = await this.sessionsPage({ limit, cursor });
    const dropped = listed.filter((entry) => entry.dropped).map(({ uid }) => uid);
    return next === undefined ? { dropped } : { dropped, next };
  }

  /** A page of the sessions index, each entry dropped (and so marked) when its session has no keys left, in one step per entry. */
  private async sessionsPage(query: DirectoryQuery): Promise<{ listed: Array<DirectorySession & { dropped: boolean }>; next?: string }> {
    const { pairs, next } = await this.range('sessions', query);
    const listed = await Promise.all(
      pairs.map(async ([tag, at]) => {
        const uid = RedisSessionKeys.uidOfTag(tag);
        const keys = this.connection.keysFor(uid);
        const index = RedisSessionKeys.indexKey(this.connection.shards.keyPrefixFor(uid), 'sessions');
        const dropped = await this.connection.call(uid, 'directory', (redis) =>
          RedisScripts.dropExpiredSession.run(redis, [index, keys.tasks, keys.instances, keys.latestKwargs], [tag]),
        );
        return { uid, lastActivity: new Date(at), dropped: dropped === 1 };
      }),
    );
    return next === undefined ? { listed } : { listed, next };
  }

  /**
   * One HGETALL of the counts hash per shard (they travel together), whose
   * fields count status changes (`<from>><to>:<task>`, kept by `putRecord`
   * and `deleteSession`): a task's count in a status is what entered it
   * minus what left it, summed over the shards.
   */
  async counts(): Promise<DirectoryCounts> {
    const shards = this.connection.shards;
    const replies = await Promise.all(
      shards.all.map((shard) => this.connection.call('', 'directory', (redis) => redis.hgetall(RedisSessionKeys.indexKey(shards.keyPrefixOf(shard), 'counts')))),
    );
    const builder = new DirectoryCountsBuilder();
    for (const fields of replies) {
      for (const [field, value] of Object.entries(fields)) {
        const arrow = field.indexOf('>');
        const colon = field.indexOf(':', arrow);
        if (arrow < 0 || colon < 0) continue;
        builder.add(field.slice(colon + 1), field.slice(0, arrow), field.slice(arrow + 1, colon), Number(value));
      }
    }
    return builder.build();
  }

  /**
   * Removes the entry of an instance that no longer exists (its session
   * expired or was deleted outside the storage), checked in the same step
   * (an instance written again keeps it); whether it did.
   */
  async drop(status: DirectoryStatus, uid: string, instance: string): Promise<boolean> {
    const member = `${RedisSessionKeys.tagOf(uid)}:${instance}`;
    const index = RedisSessionKeys.indexKey(this.connection.shards.keyPrefixFor(uid), status === TaskStatus.Failed ? 'failed' : 'unresolved');
    const records = this.connection.keysFor(uid).instances;
    return (await this.connection.call(uid, 'directory', (redis) => RedisScripts.dropGoneInstance.run(redis, [index, records], [member, instance]))) === 1;
  }

  /**
   * One page of the failed index, oldest first, from `cursor`: drops the
   * entries whose record is gone (as the listing does) and says which, with
   * the cursor of the next page (undefined after the last: start again).
   */
  async sweepGoneFailed(limit: number, cursor?: string): Promise<{ dropped: DirectoryInstance[]; next?: string }> {
    const { listed, next } = await this.failedPage({ limit, cursor });
    const dropped = listed.filter((entry) => entry.dropped).map(({ uid, instance, since }) => ({ uid, instance, since }));
    return next === undefined ? { dropped } : { dropped, next };
  }

  /** A page of the failed index, each entry dropped (and so marked) when its record is gone. */
  private async failedPage(query: DirectoryQuery): Promise<{ listed: Array<DirectoryInstance & { dropped: boolean }>; next?: string }> {
    const { pairs, next } = await this.range('failed', query);
    const entries = pairs.map(([member, at]) => RedisDirectory.instanceOf(member, at)).filter((entry): entry is DirectoryInstance => entry !== undefined);
    const listed = await Promise.all(entries.map(async (entry) => ({ ...entry, dropped: await this.drop(TaskStatus.Failed, entry.uid, entry.instance) })));
    return next === undefined ? { listed } : { listed, next };
  }

  /** The instance a `<tag>:<instance>` member names, entered at `at` (undefined for a malformed member). */
  private static instanceOf(member: string, at: number): DirectoryInstance | undefined {
    const colon = member.indexOf(':');
    if (colon < 0) return undefined;
    return { uid: RedisSessionKeys.uidOfTag(member.slice(0, colon)), instance: member.slice(colon + 1), since: new Date(at) };
  }

  /** The status and start time of a stored record text (undefined: no record, or text that is none). */
  private static headOf(record: string | null): RecordHead | undefined {
    if (record === null) return undefined;
    let parsed: { status?: unknown; metadata?: { timestamps?: Record<string, unknown> } };
    try {
      parsed = JSON.parse(record) as typeof parsed;
    } catch {
      return undefined;
    }
    if (typeof parsed.status !== 'string') return undefined;
    const running = parsed.metadata?.timestamps?.running;
    const started = typeof running === 'string' ? new Date(running) : undefined;
    return { status: parsed.status as TaskStatus, started: started !== undefined && !Number.isNaN(started.getTime()) ? started : undefined };
  }

  /**
   * One page of index `index` in score order, merged over the shards: each
   * shard's next `limit + 1` entries are read, the oldest `limit` of them
   * all returned, and each shard's offset advanced by what it gave.
   */
  private async range(index: Exclude<DirectoryIndex, 'counts'>, query: DirectoryQuery): Promise<{ pairs: Array<[string, number]>; next?: string }> {
    const shards = this.connection.shards;
    const min = query.since === undefined ? '-inf' : String(query.since.getTime());
    const max = query.before === undefined ? '+inf' : `(${query.before.getTime()}`;
    const offsets = RedisDirectory.offsetsOf(query.cursor, shards.count);
    const limit = query.limit ?? DEFAULT_DIRECTORY_LIMIT;
    const replies = await Promise.all(
      shards.all.map((shard) =>
        this.connection.call('', 'directory', (redis) =>
          redis.zrangebyscore(RedisSessionKeys.indexKey(shards.keyPrefixOf(shard), index), min, max, 'WITHSCORES', 'LIMIT', offsets[shard], limit + 1),
        ),
      ),
    );
    const candidates: Array<{ shard: number; member: string; at: number }> = [];
    replies.forEach((reply, shard) => {
      for (let i = 0; i < reply.length; i += 2) candidates.push({ shard, member: reply[i], at: Number(reply[i + 1]) });
    });
    // Stable: ties keep shard order, and each shard's own order.
    candidates.sort((a, b) => a.at - b.at);
    const taken = candidates.slice(0, limit);
    const next = [...offsets];
    for (const { shard } of taken) next[shard] += 1;
    const pairs = taken.map(({ member, at }): [string, number] => [member, at]);
    return candidates.length > limit ? { pairs, next: next.join('.') } : { pairs };
  }

  /** Each shard's offset from a cursor (undefined: the start of every shard); a cursor of another shard count restarts. */
  private static offsetsOf(cursor: string | undefined, count: number): number[] {
    const parts = cursor === undefined ? [] : cursor.split('.').map(Number);
    if (parts.length !== count || !parts.every((offset) => Number.isInteger(offset) && offset >= 0)) return new Array<number>(count).fill(0);
    return parts;
  }
}
