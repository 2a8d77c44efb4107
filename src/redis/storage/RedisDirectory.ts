import type { RedisConnection } from '../connection/RedisConnection';
import { DirectoryCountsBuilder } from '../../storage/DirectoryCountsBuilder';
import { DEFAULT_DIRECTORY_LIMIT } from '../../storage/StorageDirectory';
import type { DirectoryCounts, DirectoryInstance, DirectoryPage, DirectoryQuery, DirectorySession, DirectoryStatus, StorageDirectory } from '../../storage/StorageDirectory';
import { RedisSessionKeys } from './RedisSessionKeys';

/**
 * The Redis backend's {@link StorageDirectory}: reads the per-prefix sorted
 * sets that every record write keeps in step (`putRecord`; layout in
 * docs/ARCHITECTURE.md, "Directory indexes"). One bounded round trip per
 * page; the cursor is an offset among the entries in the query's range.
 */
export class RedisDirectory implements StorageDirectory {
  constructor(private readonly connection: RedisConnection) {}

  async instancesByStatus(status: DirectoryStatus, query: DirectoryQuery = {}): Promise<DirectoryPage<DirectoryInstance>> {
    const { pairs, next } = await this.range(RedisSessionKeys.indexKey(this.connection.settings.prefix, status), query);
    const entries: DirectoryInstance[] = [];
    for (const [member, at] of pairs) {
      const colon = member.indexOf(':');
      if (colon < 0) continue;
      entries.push({ uid: RedisSessionKeys.uidOfTag(member.slice(0, colon)), instance: member.slice(colon + 1), since: new Date(at) });
    }
    return next === undefined ? { entries } : { entries, next };
  }

  async sessionsByActivity(query: DirectoryQuery = {}): Promise<DirectoryPage<DirectorySession>> {
    const { pairs, next } = await this.range(RedisSessionKeys.indexKey(this.connection.settings.prefix, 'sessions'), query);
    const entries = pairs.map(([tag, at]) => ({ uid: RedisSessionKeys.uidOfTag(tag), lastActivity: new Date(at) }));
    return next === undefined ? { entries } : { entries, next };
  }

  /**
   * One HGETALL of the counts hash, whose fields count status changes
   * (`<from>><to>:<task>`, kept by `putRecord` and `deleteSession`): a
   * task's count in a status is what entered it minus what left it.
   */
  async counts(): Promise<DirectoryCounts> {
    const fields = await this.connection.call('', 'directory', (redis) => redis.hgetall(RedisSessionKeys.indexKey(this.connection.settings.prefix, 'counts')));
    const builder = new DirectoryCountsBuilder();
    for (const [field, value] of Object.entries(fields)) {
      const arrow = field.indexOf('>');
      const colon = field.indexOf(':', arrow);
      if (arrow < 0 || colon < 0) continue;
      builder.add(field.slice(colon + 1), field.slice(0, arrow), field.slice(arrow + 1, colon), Number(value));
    }
    return builder.build();
  }

  /** Removes the entry of an instance that no longer exists (its session expired or was deleted outside the storage). */
  async drop(status: DirectoryStatus, uid: string, instance: string): Promise<void> {
    const member = `${RedisSessionKeys.tagOf(uid)}:${instance}`;
    await this.connection.call(uid, 'directory', (redis) => redis.zrem(RedisSessionKeys.indexKey(this.connection.settings.prefix, status), member));
  }

  /** One page of `key` in score order: one entry more than asked tells whether another page follows. */
  private async range(key: string, query: DirectoryQuery): Promise<{ pairs: Array<[string, number]>; next?: string }> {
    const min = query.since === undefined ? '-inf' : String(query.since.getTime());
    const max = query.before === undefined ? '+inf' : `(${query.before.getTime()}`;
    const offset = query.cursor === undefined ? 0 : Number(query.cursor);
    const limit = query.limit ?? DEFAULT_DIRECTORY_LIMIT;
    const reply = await this.connection.call('', 'directory', (redis) =>
      redis.zrangebyscore(key, min, max, 'WITHSCORES', 'LIMIT', offset, limit + 1),
    );
    const pairs: Array<[string, number]> = [];
    for (let i = 0; i < reply.length && pairs.length < limit; i += 2) pairs.push([reply[i], Number(reply[i + 1])]);
    return reply.length / 2 > limit ? { pairs, next: String(offset + limit) } : { pairs };
  }
}
