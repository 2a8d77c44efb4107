import type { Command } from 'commander';
import { formatTable } from '../formatTable';
import { SessionCommand, print, printJson } from '../SessionCommand';
import { addListingOptions, directoryOf, listingQuery } from './directoryListing';
import type { ListingOptions } from './directoryListing';

/** `triggers sessions`: the sessions of the prefix by last activity, oldest first, a page at a time. */
export function registerSessions(program: Command): void {
  const command = program
    .command('sessions')
    .description('List the sessions under the prefix by last activity (oldest first), a page at a time; --since 1h for recent ones.');
  addListingOptions(SessionCommand.addOptions(command)).action(async (options: ListingOptions) =>
    SessionCommand.run(options, async (connection) => {
      const page = await directoryOf(connection).sessionsByActivity(listingQuery(options));
      if (options.json) {
        printJson({ sessions: page.entries.map((entry) => ({ uid: entry.uid, lastActivity: entry.lastActivity.toISOString() })), next: page.next });
        return;
      }
      const rows = page.entries.map((entry) => [entry.uid, entry.lastActivity.toISOString()]);
      print(
        [
          rows.length > 0 ? formatTable(['session', 'last activity'], rows) : '(no sessions)\n',
          page.next === undefined ? '' : `more: --cursor ${page.next}`,
        ].join(''),
      );
    }),
  );
}
