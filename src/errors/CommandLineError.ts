import { TriggersError } from './TriggersError';

/** What {@link CommandLineError} knows. */
export interface CommandLineErrorFields {
  /** The flag at fault (`--redis`, `--require`). */
  flag: string;
  /** The value given to it; unset when none was given. */
  value?: string;
  /** What is wrong, following `<flag> <value>: ` (or the whole message when no value was given). */
  reason: string;
}

/**
 * The `triggers` command line was given something it cannot use (no or a
 * malformed `--redis` URL, a `--require` module that cannot be found or
 * fails to load). The message names the flag and the value; the CLI prints
 * it and exits 1 before consuming any job.
 */
export class CommandLineError extends TriggersError {
  /** The flag at fault. */
  readonly flag: string;
  /** The value given to it; unset when none was given. */
  readonly value?: string;
  /** What is wrong. */
  readonly reason: string;

  constructor(fields: CommandLineErrorFields) {
    super(fields.value !== undefined ? `${fields.flag} ${fields.value}: ${fields.reason}` : fields.reason);
    this.flag = fields.flag;
    this.value = fields.value;
    this.reason = fields.reason;
  }
}
