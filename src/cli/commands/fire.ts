import { Option } from 'commander';
import type { Command } from 'commander';
import type { Kwargs, TaskInstance } from '../../model';
import { jsonObjectOption } from '../jsonOption';
import { formatTable } from '../formatTable';
import { SessionCommand, print, printJson } from '../SessionCommand';
import type { SessionCommandOptions } from '../SessionCommand';

interface FireCommandOptions extends SessionCommandOptions {
  kwargs?: Kwargs;
  newSession?: boolean;
}

/** `triggers fire <uid> <trigger> [--kwargs JSON]`: fires a trigger into a session, as the application does. */
export function registerFire(program: Command): void {
  const command = program
    .command('fire')
    .argument('<uid>', 'session uid')
    .argument('<trigger>', 'trigger name (a task name fires its cascade)')
    .addOption(new Option('--kwargs <json>', 'the trigger kwargs, a JSON object; default {}').argParser(jsonObjectOption))
    .option('--new-session', 'allow firing into a session the storage holds nothing for yet (refused by default: a mistyped uid would create one)')
    .description('Fire a trigger into a session; prints the instances the fire created or changed.');
  SessionCommand.addOptions(command).action(async (uid: string, trigger: string, options: FireCommandOptions) =>
    SessionCommand.run(options, async (connection) => {
      const manager = options.newSession ? connection.manager(uid, options.manager) : await connection.existingSession(uid, options.manager);
      const before = stamps(await manager.storage.getInstances());
      const kwargs = options.kwargs ?? {};
      await manager.fire(trigger, kwargs);
      const changed = (await manager.storage.getInstances())
        .filter((instance) => before.get(instance.name) !== instance.metadata.timestamps?.lastModified)
        .map((instance) => ({ name: instance.name, status: instance.status }));
      if (options.json) {
        printJson({ uid, trigger, kwargs, changed });
        return;
      }
      print(`fired ${trigger} ${JSON.stringify(kwargs)} into ${JSON.stringify(uid)}`);
      print(changed.length > 0 ? formatTable(['instance', 'status'], changed.map((item) => [item.name, item.status])) : 'no instance created or changed');
    }),
  );
}

function stamps(instances: TaskInstance[]): Map<string, string | undefined> {
  return new Map(instances.map((instance) => [instance.name, instance.metadata.timestamps?.lastModified]));
}
