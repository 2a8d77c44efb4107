import { TaskStatus } from '../model';
import { DEFAULT_DIRECTORY_LIMIT } from './StorageDirectory';
import type { DirectoryInstance, DirectoryPage, DirectoryQuery, DirectorySession, DirectoryStatus, StorageDirectory } from './StorageDirectory';

/**
 * The memory backend's {@link StorageDirectory}: the same listings the
 * Redis indexes answer, kept by the memory store's writes. Queries sort
 * what they match (the memory backend serves tests and small apps).
 */
export class MemoryDirectory implements StorageDirectory {
  /** status -> uid -> instance -> time it entered the status (ms). */
  private readonly byStatus = new Map<DirectoryStatus, Map<string, Map<string, number>>>([
    [TaskStatus.Scheduled, new Map()],
    [TaskStatus.Running, new Map()],
    [TaskStatus.Failed, new Map()],
  ]);
  private readonly activity = new Map<string, number>();

  /** Records that `instance` of `uid` was written with `status` at `now` (ms). */
  noteWrite(uid: string, instance: string, status: TaskStatus, now: number): void {
    for (const [indexed, sessions] of this.byStatus) {
      if (indexed === status) {
        let names = sessions.get(uid);
        if (names === undefined) sessions.set(uid, (names = new Map()));
        names.set(instance, now);
      } else {
        const names = sessions.get(uid);
        if (names?.delete(instance) === true && names.size === 0) sessions.delete(uid);
      }
    }
    this.activity.set(uid, now);
  }

  /** Forgets every entry of `uid`. */
  forget(uid: string): void {
    for (const sessions of this.byStatus.values()) sessions.delete(uid);
    this.activity.delete(uid);
  }

  async instancesByStatus(status: DirectoryStatus, query: DirectoryQuery = {}): Promise<DirectoryPage<DirectoryInstance>> {
    const sessions = this.byStatus.get(status);
    const found: Array<[number, string, string]> = [];
    for (const [uid, names] of sessions ?? []) for (const [instance, at] of names) found.push([at, uid, instance]);
    found.sort((a, b) => a[0] - b[0] || compare(a[1], b[1]) || compare(a[2], b[2]));
    return page(found, query, ([at, uid, instance]) => ({ uid, instance, since: new Date(at) }));
  }

  async sessionsByActivity(query: DirectoryQuery = {}): Promise<DirectoryPage<DirectorySession>> {
    const found = [...this.activity].map(([uid, at]) => [at, uid] as [number, string]);
    found.sort((a, b) => a[0] - b[0] || compare(a[1], b[1]));
    return page(found, query, ([at, uid]) => ({ uid, lastActivity: new Date(at) }));
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The page `query` asks for of `sorted` (oldest first); the cursor is an offset into the matching entries. */
function page<E extends [number, ...string[]], T>(sorted: E[], query: DirectoryQuery, toEntry: (entry: E) => T): DirectoryPage<T> {
  const since = query.since?.getTime() ?? -Infinity;
  const before = query.before?.getTime() ?? Infinity;
  const matching = sorted.filter(([at]) => at >= since && at < before);
  const offset = query.cursor === undefined ? 0 : Number(query.cursor);
  const limit = query.limit ?? DEFAULT_DIRECTORY_LIMIT;
  const entries = matching.slice(offset, offset + limit).map(toEntry);
  const end = offset + entries.length;
  return end < matching.length ? { entries, next: String(end) } : { entries };
}
