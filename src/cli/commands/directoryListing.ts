import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { CommandLineError } from '../../errors';
import { resolveNamed } from '../../registry/resolveNamed';
import { TRIGGERS } from '../../registry/tokens';
import type { StorageBackend } from '../../storage/StorageBackend';
import type { DirectoryQuery, StorageDirectory } from '../../storage/StorageDirectory';
import type { StorageConnection } from '../StorageConnection';
import type { SessionCommandOptions } from '../SessionCommand';

/** The paging and time options of `triggers sessions` and `triggers failed`. */
export interface ListingOptions extends SessionCommandOptions {
  since?: Date;
  before?: Date;
  limit?: number;
  cursor?: string;
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since`/`--before`: an ISO-8601 time, or a duration back from now (`90s`, `30m`, `12h`, `7d`). */
export function parseTime(value: string): Date {
  const relative = /^(\d+)([smhd])$/.exec(value);
  if (relative !== null) return new Date(Date.now() - Number(relative[1]) * UNITS[relative[2]]);
  const time = new Date(value);
  if (Number.isNaN(time.getTime()) || !/^\d{4}-\d\d-\d\d/.test(value)) {
    throw new InvalidArgumentError('expected an ISO-8601 time (2026-12-01T10:00:00Z) or a duration back from now (30m, 12h, 7d)');
  }
  return time;
}

function pageSize(value: string): number {
  const size = Number(value);
  if (!Number.isInteger(size) || size < 1 || size > 1_000) throw new InvalidArgumentError('must be a whole number from 1 to 1000');
  return size;
}

/** Adds `--since`, `--before`, `--limit` and `--cursor`. */
export function addListingOptions(command: Command): Command {
  return command
    .option('--since <time>', 'only entries at or after this time (ISO-8601, or 30m, 12h, 7d back from now)', parseTime)
    .option('--before <time>', 'only entries before this time', parseTime)
    .option('--limit <n>', 'entries per page (default 100)', pageSize)
    .option('--cursor <cursor>', 'continue where the previous page ended (its "next")');
}

/** The query the listing options stand for. */
export function listingQuery(options: ListingOptions): DirectoryQuery {
  return { since: options.since, before: options.before, limit: options.limit, cursor: options.cursor };
}

/**
 * The directory of the connected storage (sessions by activity, instances by status).
 *
 * @throws CommandLineError when the storage keeps none
 */
export function directoryOf(connection: StorageConnection): StorageDirectory {
  const container = connection.container;
  const name = container.get<string>(TRIGGERS.DefaultStorageName);
  const directory = resolveNamed<StorageBackend>(container, 'storage', name).directory();
  if (directory === undefined) {
    throw new CommandLineError({ flag: '--redis', reason: `the "${name}" storage keeps no directory of sessions, so it cannot list them` });
  }
  return directory;
}
