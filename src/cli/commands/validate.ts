import type { Command } from 'commander';
import { ConfigurationValidator } from '../../config';
import { describeConfigurationProblem } from '../../errors';
import { TriggerRegistry } from '../../registry/TriggerRegistry';
import { AppModules } from '../AppModules';
import { ExitCode } from '../ExitCode';
import { readConfigFile } from '../readConfigFile';
import { print, printJson } from '../SessionCommand';

interface ValidateOptions {
  require: string[];
  json?: boolean;
}

/**
 * `triggers validate <config.json>`: checks a configuration file as
 * `updateConfiguration` would, listing every problem; no connection needed.
 */
export function registerValidate(program: Command): void {
  const command = program
    .command('validate')
    .argument('<config>', 'configuration file (JSON: task name -> entry)')
    .option('--json', 'print JSON for scripts')
    .description('Check a configuration file as updateConfiguration would; exit 0 when valid, 1 listing every problem. No connection needed.');
  AppModules.addOption(command).action(async (file: string, options: ValidateOptions) => {
    AppModules.load(options.require);
    const config = readConfigFile(file);
    const { tasks, problems } = new ConfigurationValidator({
      isKnownRunner: (name) => TriggerRegistry.global.get('runner', name) !== undefined,
    }).inspect(config);
    // `run` is not checked by updateConfiguration (the class may live in
    // another process); say so when this process knows some task classes.
    const known = TriggerRegistry.global.names('task');
    const warnings =
      known.length === 0
        ? []
        : tasks
            .filter((task) => TriggerRegistry.global.get('task', task.run) === undefined)
            .map((task) => `task "${task.name}": directive "run" names "${task.run}", which the loaded modules do not register`);
    const valid = problems.length === 0;
    if (options.json) {
      printJson({ file, valid, tasks: tasks.map((task) => task.name), problems: problems.map(describeConfigurationProblem), warnings });
    } else {
      const lines = valid ? [`${file}: valid (${tasks.length} task${tasks.length === 1 ? '' : 's'})`] : [`${file}: invalid (${problems.length} problem${problems.length === 1 ? '' : 's'})`];
      for (const problem of problems) lines.push(`  error: ${describeConfigurationProblem(problem)}`);
      for (const warning of warnings) lines.push(`  warning: ${warning}`);
      print(lines.join('\n'));
    }
    if (!valid) process.exitCode = ExitCode.Refused;
  });
}
