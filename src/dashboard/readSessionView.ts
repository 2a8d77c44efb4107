import { createHash } from 'node:crypto';
import { explain } from '../inspection/explain';
import type { WhyRouting } from '../inspection/WhyReport';
import type { TriggerManager } from '../manager/TriggerManager';
import type { TaskConfig, TaskInstance } from '../model';
import { isNamedBound, resolveNamed } from '../registry/resolveNamed';
import type { FailureView, InstanceView, SessionView, TaskView, TimelineStep } from './SessionView';

/**
 * Reads one session for the dashboard in three parallel reads (tasks,
 * instances, latest kwargs) and derives everything else from them: each
 * task's latest status and why report (the pure `explain`), each instance's
 * timeline and failure. Changes nothing.
 */
export async function readSessionView(manager: TriggerManager, now: Date = new Date()): Promise<SessionView> {
  const storage = manager.storage;
  const [tasks, instances, latestKwargs] = await Promise.all([storage.getTasks(), storage.getInstances(), storage.getLatestKwargs()]);
  const taskNames = new Set(Object.keys(tasks));
  const byTask = new Map<string, TaskInstance[]>();
  for (const instance of instances) byTask.set(instance.taskName, [...(byTask.get(instance.taskName) ?? []), instance]);
  const taskViews: TaskView[] = Object.values(tasks)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((task) => {
      const own = byTask.get(task.name) ?? [];
      const latest = own.at(-1);
      return {
        name: task.name,
        run: task.run,
        after: [...task.after].filter((trigger) => trigger !== task.andEvery),
        andEvery: task.andEvery,
        unless: [...task.unless],
        status: latest?.status ?? 'none',
        latest: latest?.name,
        why: explain({
          uid: storage.uid,
          task,
          subject: 'task',
          instance: latest,
          instances: own,
          latestKwargs,
          sessionTasks: taskNames,
          routing: routingOf(manager, task, latest),
          now,
        }),
      };
    });
  const triggers = new Set<string>();
  for (const task of Object.values(tasks)) for (const trigger of [...task.after, ...task.unless]) triggers.add(trigger);
  const stamp = createHash('sha1')
    .update(JSON.stringify([Object.keys(tasks), instances.map((instance) => [instance.name, instance.status, instance.metadata.timestamps?.lastModified]), latestKwargs]))
    .digest('hex');
  return {
    uid: storage.uid,
    exists: taskNames.size > 0 || Object.keys(latestKwargs).length > 0,
    tasks: taskViews,
    instances: instances.map((instance) => instanceView(instance, instances)),
    latestKwargs,
    triggers: [...triggers].sort(),
    stamp,
    readAt: now.toISOString(),
  };
}

function instanceView(instance: TaskInstance, all: readonly TaskInstance[]): InstanceView {
  const metadata = instance.metadata;
  const timestamps = metadata.timestamps ?? {};
  const created = Date.parse(timestamps.created ?? '');
  const timeline: TimelineStep[] = Object.entries(timestamps)
    .filter(([step, at]) => step !== 'lastModified' && typeof at === 'string' && Number.isFinite(Date.parse(at)))
    .map(([step, at]) => ({ step, at, offsetMs: Number.isFinite(created) ? Date.parse(at) - created : 0 }))
    .sort((a, b) => a.offsetMs - b.offsetMs || (a.step === 'created' ? -1 : b.step === 'created' ? 1 : 0));
  return {
    name: instance.name,
    task: instance.taskName,
    status: instance.status,
    depth: instance.depth,
    parent: typeof metadata.parent === 'string' ? metadata.parent : undefined,
    replayedBy: all.find((other) => other.metadata.parent === instance.name)?.name,
    kwargs: instance.kwargs,
    timeline,
    lastModified: timestamps.lastModified,
    failure: failureOf(instance),
    result: metadata.result,
    progress: metadata.progress,
    progressAt: metadata.progressAt,
  };
}

function failureOf(instance: TaskInstance): FailureView | undefined {
  const { exceptionType, exceptionInfo, exceptionContext } = instance.metadata;
  if (exceptionType === undefined && exceptionInfo === undefined && exceptionContext === undefined) return undefined;
  const stack = typeof exceptionInfo === 'string' ? exceptionInfo : undefined;
  const first = stack?.split('\n')[0];
  // A stack's first line is `Type: message`; show the message alone.
  const message = first !== undefined && exceptionType !== undefined && first.startsWith(`${exceptionType}: `) ? first.slice(exceptionType.length + 2) : first;
  return { type: typeof exceptionType === 'string' ? exceptionType : undefined, message, stack, context: exceptionContext };
}

/** A queue-routing runner (the BullMQ runner), found by shape so the dashboard needs no Redis import. */
interface QueueRoutingRunner {
  queueNameFor(manager: TriggerManager, instance: TaskInstance): string;
}

function routingOf(manager: TriggerManager, task: TaskConfig, latest: TaskInstance | undefined): WhyRouting {
  const runner = manager.runnerNameForTask(task);
  if (!isNamedBound(manager.container, 'runner', runner)) return { runner, runnerKnown: false };
  if (latest === undefined) return { runner, runnerKnown: true };
  try {
    const resolved = resolveNamed<Partial<QueueRoutingRunner>>(manager.container, 'runner', runner);
    return { runner, runnerKnown: true, queue: typeof resolved.queueNameFor === 'function' ? resolved.queueNameFor(manager, latest) : undefined };
  } catch (error) {
    return { runner, runnerKnown: true, queueProblem: error instanceof Error ? error.message : String(error) };
  }
}
