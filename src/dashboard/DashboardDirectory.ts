import type { TaskStatus } from '../model';

/** The statuses a {@link DashboardDirectory} lists instances by: the unresolved ones that need a job or an operator. */
export type DashboardDirectoryStatus = typeof TaskStatus.Scheduled | typeof TaskStatus.Running | typeof TaskStatus.Failed;

/** One instance listed by a {@link DashboardDirectory}: where it is and when it entered its status. */
export interface DashboardDirectoryInstance {
  uid: string;
  instance: string;
  /** When the instance's record was last written with this status (the storage's clock). */
  since: Date;
}

/** One session listed by a {@link DashboardDirectory}. */
export interface DashboardDirectorySession {
  uid: string;
  /** When one of its instance records was last written (the storage's clock). */
  lastActivity: Date;
}

/** Which part of a listing to return, oldest first. */
export interface DashboardDirectoryQuery {
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
export interface DashboardDirectoryPage<T> {
  entries: T[];
  next?: string;
}

/**
 * What the dashboard's sessions page lists from: instances by status and
 * sessions by last activity, oldest first, a page at a time. The same shape
 * as a storage backend's optional directory (`storage.directory()`, see
 * docs/storage.md), declared here structurally so the dashboard works with
 * any backend that offers one, and with none.
 */
export interface DashboardDirectory {
  /** Instances currently `status`, by the time they entered it. */
  instancesByStatus(status: DashboardDirectoryStatus, query?: DashboardDirectoryQuery): Promise<DashboardDirectoryPage<DashboardDirectoryInstance>>;
  /** Sessions by the time of their last instance write. */
  sessionsByActivity(query?: DashboardDirectoryQuery): Promise<DashboardDirectoryPage<DashboardDirectorySession>>;
}
