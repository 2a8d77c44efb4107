#!/usr/bin/env node
/**
 * The `triggers` command line: `worker` consumes the BullMQ jobs the
 * `bullmq` runner adds; `sessions`, `failed` and `counts` list and count
 * across sessions (the storage's directory); `inspect`, `why`, `replay`, `skip` and `fire`
 * operate on one stored session; `validate` and `graph` work on a
 * configuration file; `dashboard` serves the web dashboard. One file per
 * command under `commands/`; the connection options live in
 * `StorageConnection`, the app's modules (`--require`, package.json
 * `triggers.modules`) in `AppModules`. Reference: docs/cli.md.
 */
import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { registerCounts } from './commands/counts';
import { registerDashboard } from './commands/dashboard';
import { registerFailed } from './commands/failed';
import { registerFire } from './commands/fire';
import { registerGraph } from './commands/graph';
import { registerInspect } from './commands/inspect';
import { registerReplay } from './commands/replay';
import { registerSessions } from './commands/sessions';
import { registerSkip } from './commands/skip';
import { registerValidate } from './commands/validate';
import { registerWhy } from './commands/why';
import { registerWorker } from './commands/worker';
import { packageVersion } from '../telemetry/packageVersion';
import { EXIT_CODES_HELP, ExitCode, exitCodeFor } from './ExitCode';

/**
 * Builds the `triggers` program (exported for tests and embedding). Parse
 * errors throw `CommanderError` instead of exiting, so {@link runCli} maps
 * them to exit codes.
 */
export function buildProgram(): Command {
  const program = new Command('triggers')
    .description('Triggers: run tasks once a set of events has happened.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .exitOverride()
    .showSuggestionAfterError()
    .addHelpText('after', `${EXIT_CODES_HELP}\n\nEvery command loads the modules listed in the app's package.json "triggers.modules" and its --require modules.\nSee docs/cli.md.`);
  registerWorker(program);
  registerSessions(program);
  registerFailed(program);
  registerCounts(program);
  registerInspect(program);
  registerWhy(program);
  registerReplay(program);
  registerSkip(program);
  registerFire(program);
  registerValidate(program);
  registerGraph(program);
  registerDashboard(program);
  for (const command of program.commands) command.addHelpText('after', EXIT_CODES_HELP);
  return program;
}

/** Runs the program on `argv`; resolves with the exit code (errors reported on stderr). */
export async function runCli(argv: readonly string[]): Promise<ExitCode> {
  const program = buildProgram();
  try {
    if (argv.length <= 2) {
      program.outputHelp({ error: true });
      return ExitCode.Usage;
    }
    await program.parseAsync([...argv]);
    return (process.exitCode as ExitCode | undefined) ?? ExitCode.Ok;
  } catch (error) {
    const code = exitCodeFor(error);
    // Commander printed its own parse errors already.
    if (!(error instanceof CommanderError)) {
      process.stderr.write(`triggers: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
    }
    return code;
  }
}

if (require.main === module) {
  void runCli(process.argv).then((code) => {
    // Exit once the output is flushed: a connection that is still retrying
    // (unreachable Redis) must not keep a finished command alive.
    process.exitCode = code;
    process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
  });
}
