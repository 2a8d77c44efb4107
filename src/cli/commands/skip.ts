import { Option } from 'commander';
import type { Command } from 'commander';
import type { Kwargs } from '../../model';
import { jsonObjectOption } from '../jsonOption';
import { SessionCommand, print, printJson } from '../SessionCommand';
import type { SessionCommandOptions } from '../SessionCommand';

interface SkipCommandOptions extends SessionCommandOptions {
  cascade?: boolean;
  result?: Kwargs;
}

/** `triggers skip <uid> <instance> [--cascade] [--result JSON]`: gives up on a failed instance. */
export function registerSkip(program: Command): void {
  const command = program
    .command('skip')
    .argument('<uid>', 'session uid')
    .argument('<instance>', 'the failed instance, e.g. t_a#0')
    .option('--cascade', "fire the task's name so the tasks depending on it run")
    .addOption(new Option('--result <json>', 'the result recorded (and cascaded with --cascade), a JSON object; default {}').argParser(jsonObjectOption))
    .description('Skip a failed instance (it becomes skipped); with --cascade its dependents run as if it had finished with --result.');
  SessionCommand.addOptions(command).action(async (uid: string, name: string, options: SkipCommandOptions) =>
    SessionCommand.run(options, async (connection) => {
      const manager = await connection.existingSession(uid, options.manager);
      const cascade = options.cascade === true;
      const result = options.result ?? {};
      await manager.skipFailedInstance(name, { cascade, result });
      const skipped = await manager.storage.getInstance(name);
      if (options.json) printJson({ uid, skipped: name, status: skipped.status, cascade, result });
      else print(`skipped ${name}${cascade ? ` (fired ${skipped.taskName} with ${JSON.stringify(result)})` : ' (nothing fired: its dependents wait)'}`);
    }),
  );
}
