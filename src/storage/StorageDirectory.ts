import type { TaskStatus } from '../model';

/** The statuses a {@link StorageDirectory} indexes: the unresolved ones that need a job or an operator. */
export type DirectoryStatus = typeof TaskStatus.Scheduled | typeof TaskStatus.Running | typeof TaskStatus.Failed;

/** One instance listed by a {@link StorageDirectory}: where it is and when it entered its status. */
export interface DirectoryInstance {
  uid: string;
  instance: string;
  /** When the instance's record was last written with this status (the storage's clock). */
  since: Date;
}

/** One session listed by a {@link StorageDirectory}. */
export interface DirectorySession {
  uid: string;
  /** When one of its instance records was last written (the storage's clock). */
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

/** A page of a listing; `next` is the cursor of the following page, absent on the last one. */
export interface DirectoryPage<T> {
  entries: T[];
  next?: string;
}

/**
 * Lists across sessions, oldest first, a page at a time: instances by
 * status and sessions by last activity. An optional capability of a
 * storage backend ({@link StorageBackend.directory}), kept in step with the
 * records by the backend's own writes; what the worker's reconciliation and
 * the operator tools read. A cursor is opaque; entries that change between
 * pages may be skipped or repeated, never invented.
 */
export interface StorageDirectory {
  /** Instances currently `status`, by the time they entered it. */
  instancesByStatus(status: DirectoryStatus, query?: DirectoryQuery): Promise<DirectoryPage<DirectoryInstance>>;
  /** Sessions by the time of their last instance write. */
  sessionsByActivity(query?: DirectoryQuery): Promise<DirectoryPage<DirectorySession>>;
}

/** Default page size of a {@link DirectoryQuery}. */
export const DEFAULT_DIRECTORY_LIMIT = 100;
