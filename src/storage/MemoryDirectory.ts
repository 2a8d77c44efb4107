import { TaskStatus } from '../model';
import type { InstanceRecord } from '../model';
import { DirectoryCountsBuilder } from './DirectoryCountsBuilder';
import { DEFAULT_DIRECTORY_LIMIT } from './StorageDirectory';
import type { DirectoryCounts, DirectoryInstance, DirectoryPage, DirectoryQuery, DirectorySession, DirectoryStatus, StorageDirectory } from './StorageDirectory';

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
  /** task -> status -> instances. */
  private readonly counted = new Map<string, Map<TaskStatus, number>>();

  /**
   * Records that `record` of `uid` was written at `now` (ms), replacing a
   * record in status `previous` (undefined: a new instance). As on Redis,
   * only a status change touches the listings and counts.
   */
  noteWrite(uid: string, record: InstanceRecord, previous: TaskStatus | undefined, now: number): void {
    const { name: instance, status } = record;
    if (status === previous) return;
    const from = previous === undefined ? undefined : this.byStatus.get(previous as DirectoryStatus);
    const to = this.byStatus.get(status as DirectoryStatus);
    const names = from?.get(uid);
    if (names?.delete(instance) === true && names.size === 0) from?.delete(uid);
    if (to !== undefined) {
      let entered = to.get(uid);
      if (entered === undefined) to.set(uid, (entered = new Map()));
      entered.set(instance, now);
    }
    this.activity.set(uid, now);
    if (previous !== undefined) this.count(record.task, previous, -1);
    this.count(record.task, status, 1);
  }

  /** Forgets every entry of `uid`, whose instances were `records`. */
  forget(uid: string, records: Iterable<InstanceRecord>): void {
    for (const sessions of this.byStatus.values()) sessions.delete(uid);
    this.activity.delete(uid);
    for (const record of records) this.count(record.task, record.status, -1);
  }

  async counts(): Promise<DirectoryCounts> {
    const builder = new DirectoryCountsBuilder();
    for (const [task, counts] of this.counted) for (const [status, n] of counts) builder.add(task, '', status, n);
    return builder.build();
  }

  private count(task: string, status: TaskStatus, delta: number): void {
    let counts = this.counted.get(task);
    if (counts === undefined) this.counted.set(task, (counts = new Map()));
    counts.set(status, (counts.get(status) ?? 0) + delta);
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
