import { Option } from 'commander';
import type { Command } from 'commander';
import { ConfigurationValidator } from '../../config';
import { InvalidConfigurationError } from '../../errors';
import { renderDot } from '../../inspection/renderDot';
import { renderMermaid } from '../../inspection/renderMermaid';
import { renderSvg } from '../../inspection/renderSvg';
import { TriggerGraph } from '../../inspection/TriggerGraph';
import type { TaskStatus } from '../../model';
import { AppModules } from '../AppModules';
import { readConfigFile } from '../readConfigFile';
import { SessionCommand, print } from '../SessionCommand';
import type { SessionCommandOptions } from '../SessionCommand';

interface GraphOptions extends SessionCommandOptions {
  uid?: string;
  format: 'mermaid' | 'dot' | 'svg';
}

const RENDERERS: Record<GraphOptions['format'], (graph: TriggerGraph) => string> = { mermaid: renderMermaid, dot: renderDot, svg: renderSvg };

/**
 * `triggers graph <config.json | --uid UID> --format mermaid|dot|svg`:
 * triggers → tasks; with `--uid`, tasks coloured by their latest
 * instance's status.
 */
export function registerGraph(program: Command): void {
  const command = program
    .command('graph')
    .argument('[config]', 'configuration file (JSON); or give --uid to draw a stored session')
    .option('--uid <uid>', "draw this session's configuration, tasks coloured by their latest instance's status (needs --redis)")
    .addOption(new Option('--format <format>', 'output format').choices(['mermaid', 'dot', 'svg']).default('mermaid'))
    .description('Draw a configuration as a graph of triggers and tasks (a task is also the trigger its cascade fires).');
  SessionCommand.addOptions(command, { json: false }).action(async (file: string | undefined, options: GraphOptions, self: Command) => {
    if ((file === undefined) === (options.uid === undefined)) {
      self.error('error: give either a configuration file or --uid <uid>, not both or neither', { exitCode: 2, code: 'triggers.usage' });
    }
    const render = RENDERERS[options.format];
    if (file !== undefined) {
      AppModules.load(options.require);
      const { tasks, problems } = new ConfigurationValidator().inspect(readConfigFile(file));
      if (problems.length > 0) throw new InvalidConfigurationError({ problems });
      print(render(TriggerGraph.fromTasks(tasks)));
      return;
    }
    const uid = options.uid as string;
    await SessionCommand.run(options, async (connection) => {
      const manager = await connection.existingSession(uid, options.manager);
      const [tasks, instances] = await Promise.all([manager.storage.getTasks(), manager.storage.getInstances()]);
      const statuses: Record<string, TaskStatus> = {};
      for (const instance of instances) statuses[instance.taskName] = instance.status; // ordered: the latest wins
      print(render(TriggerGraph.fromTasks(Object.values(tasks), statuses)));
    });
  });
}
