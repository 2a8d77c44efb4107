import type { Command } from 'commander';
import { ALL_TASK_STATUSES } from '../../model';
import type { StatusCounts } from '../../storage/StorageDirectory';
import { formatTable } from '../formatTable';
import { SessionCommand, print, printJson } from '../SessionCommand';
import type { SessionCommandOptions } from '../SessionCommand';
import { directoryOf } from './directoryListing';

/** `triggers counts`: instances per task and status across the prefix's sessions, from the storage's directory. */
export function registerCounts(program: Command): void {
  const command = program
    .command('counts')
    .description('Count the instances under the prefix per task and status (every session), with the totals.');
  SessionCommand.addOptions(command).action(async (options: SessionCommandOptions) =>
    SessionCommand.run(options, async (connection) => {
      const counts = await directoryOf(connection).counts();
      if (options.json) {
        printJson(counts);
        return;
      }
      if (counts.tasks.length === 0) {
        print('(no instances)\n');
        return;
      }
      const statuses = ALL_TASK_STATUSES.filter((status) => counts.total[status] !== undefined).sort();
      const row = (name: string, of: StatusCounts): string[] => [name, ...statuses.map((status) => String(of[status] ?? 0))];
      print(formatTable(['task', ...statuses], [...counts.tasks.map((entry) => row(entry.task, entry.counts)), row('(total)', counts.total)]));
    }),
  );
}
