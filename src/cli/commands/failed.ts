import type { Command } from 'commander';
import { UnknownInstanceError } from '../../errors';
import { TaskStatus } from '../../model';
import { formatTable } from '../formatTable';
import { SessionCommand, print, printJson } from '../SessionCommand';
import { addListingOptions, directoryOf, listingQuery } from './directoryListing';
import type { ListingOptions } from './directoryListing';

/** `triggers failed`: failed instances across the prefix's sessions, by the time they failed, with their error. */
export function registerFailed(program: Command): void {
  const command = program
    .command('failed')
    .description('List failed instances across sessions by the time they failed (oldest first), with the error; --since 1h for recent ones.');
  addListingOptions(SessionCommand.addOptions(command)).action(async (options: ListingOptions) =>
    SessionCommand.run(options, async (connection) => {
      const page = await directoryOf(connection).instancesByStatus(TaskStatus.Failed, listingQuery(options));
      const failures = await Promise.all(
        page.entries.map(async (entry) => {
          const instance = await connection.manager(entry.uid, options.manager).storage.getInstance(entry.instance).catch((error: unknown) => {
            if (error instanceof UnknownInstanceError) return undefined; // resolved or deleted since the page was read
            throw error;
          });
          const info = typeof instance?.metadata.exceptionInfo === 'string' ? instance.metadata.exceptionInfo : '';
          return {
            uid: entry.uid,
            instance: entry.instance,
            since: entry.since.toISOString(),
            exceptionType: typeof instance?.metadata.exceptionType === 'string' ? instance.metadata.exceptionType : '',
            message: info.split('\n')[0] ?? '',
          };
        }),
      );
      if (options.json) {
        printJson({ failed: failures, next: page.next });
        return;
      }
      const rows = failures.map((failure) => [failure.uid, failure.instance, failure.since, failure.message || failure.exceptionType]);
      print(
        [
          rows.length > 0 ? formatTable(['session', 'instance', 'failed at', 'error'], rows) : '(no failed instances)\n',
          page.next === undefined ? '' : `more: --cursor ${page.next}`,
          rows.length > 0 ? '\nreplay one with: triggers replay <session> <instance>' : '',
        ].join(''),
      );
    }),
  );
}
