import type { Command } from 'commander';
import { AppModules } from './AppModules';
import { StorageConnection } from './StorageConnection';
import type { ConnectionOptions } from './StorageConnection';

/** The options every command reading or changing a session shares. */
export interface SessionCommandOptions extends ConnectionOptions {
  require: string[];
  json?: boolean;
  manager?: string;
}

/**
 * The shared shape of the session commands (`inspect`, `why`, `replay`,
 * `skip`, `fire`, `graph --uid`): the connection options, `--require`,
 * `--manager` and `--json`, and a run that loads the app's modules,
 * connects, runs the command's body and always closes the connection.
 */
export class SessionCommand {
  /** Adds the shared options to `command` (`--json` unless `json` is false). */
  static addOptions(command: Command, { json = true }: { json?: boolean } = {}): Command {
    StorageConnection.addOptions(command);
    AppModules.addOption(command);
    command.option('--manager <name>', "registered manager type to act through (its hooks run), default the container's default");
    return json ? command.option('--json', 'print JSON for scripts instead of tables') : command;
  }

  /** Loads the app's modules, connects, runs `body`, then closes (also when `body` throws). */
  static async run<T>(options: SessionCommandOptions, body: (connection: StorageConnection) => Promise<T>): Promise<T> {
    const modules = AppModules.load(options.require);
    const connection = await StorageConnection.open(options);
    try {
      await modules.configure(connection.container);
      return await body(connection);
    } finally {
      await connection.close();
    }
  }
}

/** Writes `text` to stdout. */
export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Writes `value` to stdout as indented JSON. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
