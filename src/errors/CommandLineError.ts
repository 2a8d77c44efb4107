import { TriggersError } from './TriggersError';

/**
 * The `triggers` command line was given something it cannot use (no or a
 * malformed `--redis` URL, a `--require` module that cannot be found or
 * fails to load). The message names the flag and the value; the CLI prints
 * it and exits 1 before consuming any job.
 */
export class CommandLineError extends TriggersError {}
