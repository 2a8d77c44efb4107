import type { Command } from 'commander';
import type { TaskInstance } from '../../model';
import { formatTable } from '../formatTable';
import { SessionCommand, print, printJson } from '../SessionCommand';
import type { SessionCommandOptions } from '../SessionCommand';

/** The time an instance reached its current status. */
export function statusSince(instance: TaskInstance): string | undefined {
  const timestamps = instance.metadata.timestamps ?? {};
  return timestamps[instance.status] ?? timestamps.lastModified;
}

/** `triggers inspect <uid>`: the session's tasks, instances (status, timestamps, depth) and latest kwargs. */
export function registerInspect(program: Command): void {
  const command = program
    .command('inspect')
    .argument('<uid>', 'session uid')
    .description("Show a session's tasks, instances (status, since when, replay depth) and latest kwargs.");
  SessionCommand.addOptions(command).action(async (uid: string, options: SessionCommandOptions) =>
    SessionCommand.run(options, async (connection) => {
      const manager = await connection.existingSession(uid, options.manager);
      const [tasks, instances, latestKwargs] = await Promise.all([
        manager.storage.getTasks(),
        manager.storage.getInstances(),
        manager.storage.getLatestKwargs(),
      ]);
      if (options.json) {
        printJson({
          uid,
          tasks: Object.fromEntries(Object.entries(tasks).map(([name, task]) => [name, { ...task.toEntry(), runner: manager.runnerNameForTask(task) }])),
          instances: instances.map((instance) => ({
            name: instance.name,
            task: instance.taskName,
            status: instance.status,
            since: statusSince(instance),
            depth: instance.depth,
            parent: instance.metadata.parent,
            timestamps: instance.metadata.timestamps ?? {},
            kwargs: instance.kwargs,
            progress: instance.metadata.progress,
            metadata: instance.metadata,
          })),
          latestKwargs,
        });
        return;
      }
      const taskRows = Object.values(tasks)
        .sort((a, b) => (a.name < b.name ? -1 : 1))
        .map((task) => [
          task.name,
          task.run,
          [...task.after].filter((trigger) => trigger !== task.andEvery).join(', '),
          task.andEvery ?? '',
          [...task.unless].join(', '),
          manager.runnerNameForTask(task),
          String(instances.filter((instance) => instance.taskName === task.name).length),
        ]);
      const instanceRows = instances.map((instance) => [
        instance.name,
        instance.status,
        statusSince(instance) ?? '',
        instance.metadata.timestamps?.created ?? '',
        String(instance.depth),
        typeof instance.metadata.parent === 'string' ? instance.metadata.parent : '',
        instance.metadata.progress === undefined ? '' : typeof instance.metadata.progress === 'number' ? String(instance.metadata.progress) : JSON.stringify(instance.metadata.progress),
      ]);
      const kwargsRows = Object.entries(latestKwargs)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([trigger, kwargs]) => [trigger, JSON.stringify(kwargs)]);
      print(
        [
          `Session ${JSON.stringify(uid)} (prefix ${connection.options.prefix})`,
          '',
          'Tasks',
          formatTable(['task', 'run', 'after', 'andEvery', 'unless', 'runner', 'instances'], taskRows),
          'Instances',
          instanceRows.length > 0 ? formatTable(['instance', 'status', 'since', 'created', 'depth', 'parent', 'progress'], instanceRows) : '(none)\n',
          'Latest kwargs',
          kwargsRows.length > 0 ? formatTable(['trigger', 'kwargs'], kwargsRows) : '(none)\n',
        ].join('\n'),
      );
    }),
  );
}
