import { ALL_TASK_STATUSES } from '../model';
import type { TaskStatus } from '../model';
import type { DirectoryCounts, StatusCounts, TaskStatusCounts } from './StorageDirectory';

/**
 * Builds {@link DirectoryCounts} from counted status changes: `add(task,
 * from, to, n)` for `n` instances of `task` that went from `from` to `to`
 * (`''` for none: created or deleted). Both backends fold their counts
 * through it, so they answer in one shape.
 */
export class DirectoryCountsBuilder {
  private readonly byTask = new Map<string, Map<string, number>>();

  /** Counts `n` instances of `task` leaving `from` and entering `to` (`''` = neither). */
  add(task: string, from: string, to: string, n: number): void {
    let counts = this.byTask.get(task);
    if (counts === undefined) this.byTask.set(task, (counts = new Map()));
    if (from !== '') counts.set(from, (counts.get(from) ?? 0) - n);
    if (to !== '') counts.set(to, (counts.get(to) ?? 0) + n);
  }

  /** The counts, tasks by name, zero counts left out. */
  build(): DirectoryCounts {
    const tasks: TaskStatusCounts[] = [];
    const total: StatusCounts = {};
    for (const task of [...this.byTask.keys()].sort()) {
      const counts: StatusCounts = {};
      for (const status of [...(this.byTask.get(task) ?? new Map<string, number>()).entries()].sort()) {
        const [name, n] = status;
        if (n === 0 || !isTaskStatus(name)) continue;
        counts[name] = n;
        total[name] = (total[name] ?? 0) + n;
      }
      if (Object.keys(counts).length > 0) tasks.push({ task, counts });
    }
    return { tasks, total };
  }
}

function isTaskStatus(name: string): name is TaskStatus {
  return (ALL_TASK_STATUSES as readonly string[]).includes(name);
}
