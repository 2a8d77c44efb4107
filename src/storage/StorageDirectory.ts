import type { TaskStatus } from '../model';

/** The statuses a {@link StorageDirectory} indexes: the unresolved ones that need a job or an operator. */
export type DirectoryStatus = typeof TaskStatus.Scheduled | typeof TaskStatus.Running | typeof TaskStatus.Failed;

/** One instance listed by a {@link StorageDirectory}: where it is and when it entered its status. */
export interface DirectoryInstance {
  uid: string;
  instance: string;
  /**
   * When the instance entered this status: the storage's clock, but for
   * `running` the start time its record holds (the clock of the process
   * that started it).
   */
  since: Date;
}

/** One session listed by a {@link StorageDirectory}. */
export interface DirectorySession {
  uid: string;
  /**
   * When one of its instances was last created or entered a final status
   * (failed included; the storage's clock). Scheduling and starting are not
   * activity: a session whose instances wait or run keeps the time of its
   * last creation or resolution.
   */
  lastActivity: Date;
}

/** Which part of a listing to return, oldest first. */
export interface DirectoryQuery {
  /** Only entries dated at or after this. */
  since?: Date;
  /** Only entries dated strictly before this. */
  before?: Date;
  /** At most this many entries (default 100). */
  limit?: number;
  /** Where to continue: the `next` of the previous page. */
  cursor?: string;
}

/**
 * A page of a listing; `next` is the cursor of the following page, absent
 * on the last one. A page of `scheduled` or `running` instances may hold
 * fewer than `limit` entries, even none, and still have a `next`: both
 * statuses share one listing, which a page reads `limit` entries of and
 * filters.
 */
export interface DirectoryPage<T> {
  entries: T[];
  next?: string;
}

/** How many instances are in each status (only statuses with at least one). */
export type StatusCounts = Partial<Record<TaskStatus, number>>;

/** The instances of one task, across sessions, by status. */
export interface TaskStatusCounts {
  task: string;
  counts: StatusCounts;
}

/** Every instance the directory holds, counted per task and status. */
export interface DirectoryCounts {
  /** One entry per task with at least one instance, by task name. */
  tasks: TaskStatusCounts[];
  /** The sum over every task. */
  total: StatusCounts;
}

/**
 * Lists across sessions, oldest first, a page at a time: instances by
 * status and sessions by last activity; and instance counts per task and
 * status. An optional capability of a
 * storage backend ({@link StorageBackend.directory}), kept in step with the
 * records by the backend's own writes; what the worker's reconciliation and
 * the operator tools read. A cursor is opaque; entries that change between
 * pages may be skipped or repeated, never invented.
 */
export interface StorageDirectory {
  /**
   * Instances currently `status`, by the time they entered it; `running`
   * and `scheduled` instances by the time they were scheduled (for both,
   * `since`/`before` select by that time).
   */
  instancesByStatus(status: DirectoryStatus, query?: DirectoryQuery): Promise<DirectoryPage<DirectoryInstance>>;
  /** Sessions by the time of their last instance creation or move into a final status. */
  sessionsByActivity(query?: DirectoryQuery): Promise<DirectoryPage<DirectorySession>>;
  /** How many instances each task has in each status, across sessions (kept by the same writes, read in one step). */
  counts(): Promise<DirectoryCounts>;
}

/** Default page size of a {@link DirectoryQuery}. */
export const DEFAULT_DIRECTORY_LIMIT = 100;
