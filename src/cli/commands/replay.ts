import { Option } from 'commander';
import type { Command } from 'commander';
import { InvalidKwargsError } from '../../errors';
import { isPlainObject } from '../../model';
import type { Kwargs, TriggerKwargs } from '../../model';
import { jsonObjectOption } from '../jsonOption';
import { SessionCommand, print, printJson } from '../SessionCommand';
import type { SessionCommandOptions } from '../SessionCommand';

interface ReplayOptions extends SessionCommandOptions {
  kwargs?: Kwargs;
}

/** `triggers replay <uid> <instance> [--kwargs JSON]`: replays a failed instance (a clone, depth + 1, scheduled at once). */
export function registerReplay(program: Command): void {
  const command = program
    .command('replay')
    .argument('<uid>', 'session uid')
    .argument('<instance>', 'the failed instance, e.g. t_a#0')
    .addOption(
      new Option('--kwargs <json>', 'replacement kwargs for the clone, trigger name -> kwargs object, e.g. {"go":{"n":1}} ({} for none); default: the same kwargs').argParser(
        jsonObjectOption,
      ),
    )
    .description('Replay a failed instance: it becomes replayed and a clone (depth + 1) is scheduled on its runner.');
  SessionCommand.addOptions(command).action(async (uid: string, name: string, options: ReplayOptions) =>
    SessionCommand.run(options, async (connection) => {
      const manager = await connection.existingSession(uid, options.manager);
      const replacement = options.kwargs === undefined ? undefined : triggerKwargs(options.kwargs);
      await manager.replayFailedInstance(name, replacement);
      const instances = await manager.storage.getInstances();
      const clone = instances.filter((instance) => instance.metadata.parent === name).at(-1);
      const result = { uid, replayed: name, clone: clone === undefined ? undefined : { name: clone.name, status: clone.status, depth: clone.depth } };
      if (options.json) printJson(result);
      else print(`replayed ${name} as ${clone?.name ?? '?'} (${clone?.status ?? 'unknown status'}, depth ${clone?.depth ?? '?'}, runner ${manager.runnerNameFor(clone ?? (await manager.storage.getInstance(name)))})`);
    }),
  );
}

/** The `--kwargs` of a replay, checked to map trigger names to objects. */
function triggerKwargs(value: Kwargs): TriggerKwargs {
  for (const [trigger, kwargs] of Object.entries(value)) {
    if (!isPlainObject(kwargs)) {
      throw new InvalidKwargsError({
        what: '--kwargs',
        trigger,
        reason: 'must be an object (replacement kwargs map trigger names to kwargs objects)',
      });
    }
  }
  return value as TriggerKwargs;
}
