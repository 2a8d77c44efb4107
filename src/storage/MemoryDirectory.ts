import { TaskStatus } from '../model';
import type { InstanceRecord } from '../model';
import { DirectoryCountsBuilder } from './DirectoryCountsBuilder';
import { DEFAULT_DIRECTORY_LIMIT } from './StorageDirectory';
import type { DirectoryCounts, DirectoryInstance, DirectoryPage, DirectoryQuery, DirectorySession, DirectoryStatus, StorageDirectory } from './StorageDirectory';

/** The statuses that keep an instance in the unresolved listing, or out of a session's activity. */
const UNRESOLVED: ReadonlySet<TaskStatus> = new Set([TaskStatus.Scheduled, TaskStatus.Running]);
const OPEN: ReadonlySet<TaskStatus> = new Set([TaskStatus.Unstarted, TaskStatus.Scheduled, TaskStatus.Running]);

/**
 * The memory backend's {@link StorageDirectory}: the same listings the
 * Redis indexes answer, paged alike (scheduled and running share one
 * listing that a page filters), kept by the memory store's writes. Queries
 * sort what they match (the memory backend serves tests and small apps).
 */
export class MemoryDirectory implements StorageDirectory {
  /**
   * uid -> instance -> [time it was scheduled (ms), status, when it
   * started (ms, running ones)]: the scheduled and running instances.
   */
  private readonly unresolved = new Map<string, Map<string, [number, TaskStatus, number | undefined]>>();
  /** uid -> instance -> time it failed (ms). */
  private readonly failed = new Map<string, Map<string, number>>();
  private readonly activity = new Map<string, number>();
  /** task -> status -> instances. */
  private readonly counted = new Map<string, Map<TaskStatus, number>>();

  /**
   * Records that `record` of `uid` was written at `now` (ms), replacing a
   * record in status `previous` (undefined: a new instance). As on Redis,
   * only a status change touches the listings and counts, and only a
   * creation or a move into a final status (failed included) is activity.
   */
  noteWrite(uid: string, record: InstanceRecord, previous: TaskStatus | undefined, now: number): void {
    const { name: instance, status } = record;
    if (status === previous) return;
    const listed = this.unresolved.get(uid)?.get(instance);
    remove(this.unresolved, uid, instance);
    remove(this.failed, uid, instance);
    if (UNRESOLVED.has(status)) {
      // As on Redis, a start keeps the time of the scheduling and is dated by the record's own start stamp.
      const started = status === TaskStatus.Running ? Date.parse(record.metadata.timestamps?.[TaskStatus.Running] ?? '') : NaN;
      const at = listed !== undefined && previous === TaskStatus.Scheduled && status === TaskStatus.Running ? listed[0] : now;
      entriesOf(this.unresolved, uid).set(instance, [at, status, Number.isNaN(started) ? undefined : started]);
    }
    else if (status === TaskStatus.Failed) entriesOf(this.failed, uid).set(instance, now);
    if (previous === undefined || !OPEN.has(status)) this.activity.set(uid, now);
    if (previous !== undefined) this.count(record.task, previous, -1);
    this.count(record.task, status, 1);
  }

  /** Forgets every entry of `uid`, whose instances were `records`. */
  forget(uid: string, records: Iterable<InstanceRecord>): void {
    this.unresolved.delete(uid);
    this.failed.delete(uid);
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
    if (status === TaskStatus.Failed) {
      const found: Array<[number, string, string]> = [];
      for (const [uid, names] of this.failed) for (const [instance, at] of names) found.push([at, uid, instance]);
      found.sort(byTimeAndNames);
      return page(found, query, ([at, uid, instance]) => ({ uid, instance, since: new Date(at) }));
    }
    const found: Array<[number, string, string, TaskStatus, number | undefined]> = [];
    for (const [uid, names] of this.unresolved) for (const [instance, [at, current, started]] of names) found.push([at, uid, instance, current, started]);
    found.sort(byTimeAndNames);
    const listed = page(found, query, (entry) => entry);
    const entries = listed.entries.filter((entry) => entry[3] === status).map(([at, uid, instance, , started]) => ({ uid, instance, since: new Date(started ?? at) }));
    return listed.next === undefined ? { entries } : { entries, next: listed.next };
  }

  async sessionsByActivity(query: DirectoryQuery = {}): Promise<DirectoryPage<DirectorySession>> {
    const found = [...this.activity].map(([uid, at]) => [at, uid] as [number, string]);
    found.sort(byTimeAndNames);
    return page(found, query, ([at, uid]) => ({ uid, lastActivity: new Date(at) }));
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Oldest first, then by uid and instance name. */
function byTimeAndNames(a: [number, string, ...unknown[]], b: [number, string, ...unknown[]]): number {
  return a[0] - b[0] || compare(a[1], b[1]) || compare(String(a[2] ?? ''), String(b[2] ?? ''));
}

/** Removes `instance` of `uid` from `listing`, forgetting a session left empty. */
function remove<V>(listing: Map<string, Map<string, V>>, uid: string, instance: string): void {
  const names = listing.get(uid);
  if (names?.delete(instance) === true && names.size === 0) listing.delete(uid);
}

/** The entries of `uid` in `listing`, created empty when missing. */
function entriesOf<V>(listing: Map<string, Map<string, V>>, uid: string): Map<string, V> {
  let names = listing.get(uid);
  if (names === undefined) listing.set(uid, (names = new Map()));
  return names;
}

/** The page `query` asks for of `sorted` (oldest first); the cursor is an offset into the matching entries. */
function page<E extends [number, ...unknown[]], T>(sorted: E[], query: DirectoryQuery, toEntry: (entry: E) => T): DirectoryPage<T> {
  const since = query.since?.getTime() ?? -Infinity;
  const before = query.before?.getTime() ?? Infinity;
  const matching = sorted.filter(([at]) => at >= since && at < before);
  const offset = query.cursor === undefined ? 0 : Number(query.cursor);
  const limit = query.limit ?? DEFAULT_DIRECTORY_LIMIT;
  const entries = matching.slice(offset, offset + limit).map(toEntry);
  const end = offset + entries.length;
  return end < matching.length ? { entries, next: String(end) } : { entries };
}
