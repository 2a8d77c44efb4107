import { CommanderError } from 'commander';
import { TriggersError } from '../errors/TriggersError';
import { StorageUnavailableError } from '../errors';
import { UnknownSessionError } from './errors/UnknownSessionError';

/** The exit codes of the `triggers` command (also listed by `triggers --help` and in docs/cli.md). */
export const ExitCode = {
  /** Done. */
  Ok: 0,
  /** Refused: invalid input (an option value, a JSON argument, a configuration) or an operation the session refuses. */
  Refused: 1,
  /** Usage error: unknown command or option, missing argument. */
  Usage: 2,
  /** The storage cannot be reached, or holds no such session. */
  Unavailable: 3,
} as const;

/** One of the {@link ExitCode} values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The help text's paragraph on exit codes. */
export const EXIT_CODES_HELP = `
Exit codes:
  0  done
  1  refused: invalid input (an option value, a JSON argument, a configuration)
     or an operation the session refuses (e.g. replaying an instance that did not fail)
  2  usage error: unknown command or option, missing argument
  3  the storage cannot be reached, or it holds no such session`;

/** The exit code for an error a command ended with. */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.Ok;
    if (error.code === 'commander.invalidArgument') return ExitCode.Refused;
    return ExitCode.Usage;
  }
  if (error instanceof StorageUnavailableError || error instanceof UnknownSessionError) return ExitCode.Unavailable;
  if (error instanceof TriggersError) return ExitCode.Refused;
  // Anything else (a Redis error mid-command, a bug) is reported as unavailable
  // storage only when it looks like one; otherwise as a refusal.
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EPIPE)$/.test(code)) return ExitCode.Unavailable;
  return ExitCode.Refused;
}
