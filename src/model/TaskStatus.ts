/**
 * The statuses a task instance goes through. `unstarted` instances wait for
 * triggers; `scheduled` ones were accepted by a runner; the resolved ones
 * (`finished`, `abandoned`, `skipped`, `replayed`) need no more attention.
 */
export const TaskStatus = {
  Abandoned: 'abandoned',
  Failed: 'failed',
  Finished: 'finished',
  Replayed: 'replayed',
  Running: 'running',
  Scheduled: 'scheduled',
  Skipped: 'skipped',
  Unstarted: 'unstarted',
} as const;

/** One of the {@link TaskStatus} values. */
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];

/** Every status, for validation of manual status changes. */
export const ALL_TASK_STATUSES: readonly TaskStatus[] = Object.values(TaskStatus);

/** Statuses that mean "nothing left to do" for an instance. */
export const RESOLVED_STATUSES: ReadonlySet<TaskStatus> = new Set<TaskStatus>([
  TaskStatus.Finished,
  TaskStatus.Abandoned,
  TaskStatus.Skipped,
  TaskStatus.Replayed,
]);
