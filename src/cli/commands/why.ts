import type { Command } from 'commander';
import { renderWhyReport } from '../../inspection/renderWhyReport';
import { why } from '../../inspection/why';
import { SessionCommand, print, printJson } from '../SessionCommand';
import type { SessionCommandOptions } from '../SessionCommand';

/** `triggers why <uid> <task|instance>`: what a task or instance waits for, where it runs, and what to do. */
export function registerWhy(program: Command): void {
  const command = program
    .command('why')
    .argument('<uid>', 'session uid')
    .argument('<target>', 'a task name (explained through its latest instance) or an instance name such as t_a#0')
    .description('Explain a task or instance: missing after triggers, unless, status and since when, runner and queue, what to do.');
  SessionCommand.addOptions(command).action(async (uid: string, target: string, options: SessionCommandOptions) =>
    SessionCommand.run(options, async (connection) => {
      const manager = await connection.existingSession(uid, options.manager);
      const report = await why(manager, target);
      if (options.json) printJson(report);
      else print(renderWhyReport(report));
    }),
  );
}
