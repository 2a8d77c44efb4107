import { UnknownTaskError } from '../errors';
import type { TriggerManager } from '../manager/TriggerManager';
import { TaskInstance } from '../model';
import type { TaskConfig } from '../model';
import { isNamedBound, resolveNamed } from '../registry/resolveNamed';
import { explain } from './explain';
import type { WhyReport, WhyRouting } from './WhyReport';

/**
 * Picks the queue of an instance for the report (e.g. the BullMQ runner's
 * `queueNameFor`); undefined when the runner has no queues.
 */
export type QueueResolver = (manager: TriggerManager, instance: TaskInstance) => string | undefined;

/** Options of {@link why}. */
export interface WhyOptions {
  /**
   * How to find the queue. Default: ask the task's runner, if it has a
   * `queueNameFor(manager, instance)` method (the BullMQ runner does).
   */
  queueOf?: QueueResolver;
  /** The time waits are measured to (default: now). */
  now?: Date;
}

/** A runner that routes instances to named queues. */
interface QueueRoutingRunner {
  queueNameFor(manager: TriggerManager, instance: TaskInstance): string;
}

function routesToQueues(runner: unknown): runner is QueueRoutingRunner {
  return typeof (runner as { queueNameFor?: unknown } | null)?.queueNameFor === 'function';
}

/**
 * Explains a task or an instance of `manager`'s session (see
 * {@link WhyReport}). `target` is a task name (explained through its latest
 * instance, or from the latest kwargs when it has none) or an instance name.
 * Reads the session only; changes nothing.
 *
 * @throws UnknownInstanceError for an instance name the session does not have
 * @throws UnknownTaskError for a name that is neither a task nor an instance name
 */
export async function why(manager: TriggerManager, target: string, options: WhyOptions = {}): Promise<WhyReport> {
  const storage = manager.storage;
  const tasks = await storage.getTasks();
  if (Object.hasOwn(tasks, target)) return explainTask(manager, target, options, tasks);
  if (TaskInstance.parseName(target) === undefined) {
    throw new UnknownTaskError({ uid: storage.uid, task: target, configured: Object.keys(tasks) });
  }
  return explainInstance(manager, target, options);
}

/**
 * Explains one instance of the session.
 *
 * @throws UnknownInstanceError when the session has no such instance
 */
export async function explainInstance(manager: TriggerManager, name: string, options: WhyOptions = {}): Promise<WhyReport> {
  const instance = await manager.storage.getInstance(name);
  const [tasks, instances, latestKwargs] = await Promise.all([
    manager.storage.getTasks(),
    manager.storage.instancesOfTask(instance.taskName),
    manager.storage.getLatestKwargs(),
  ]);
  return explain({
    uid: manager.storage.uid,
    task: instance.config,
    subject: 'instance',
    instance,
    instances,
    latestKwargs,
    sessionTasks: new Set(Object.keys(tasks)),
    routing: routingOf(manager, instance, options),
    now: options.now ?? new Date(),
  });
}

/**
 * Explains one task of the session through its latest instance, or, when it
 * has none yet, from the session's latest kwargs.
 *
 * @throws UnknownTaskError when the session does not configure that task
 */
export async function explainTask(
  manager: TriggerManager,
  name: string,
  options: WhyOptions = {},
  known?: Record<string, TaskConfig>,
): Promise<WhyReport> {
  const tasks = known ?? (await manager.storage.getTasks());
  const task = Object.hasOwn(tasks, name) ? tasks[name] : undefined;
  if (task === undefined) throw new UnknownTaskError({ uid: manager.storage.uid, task: name });
  const [instances, latestKwargs] = await Promise.all([manager.storage.instancesOfTask(name), manager.storage.getLatestKwargs()]);
  const latest = instances.at(-1);
  // A task with no instance routes like its first instance would: a
  // stand-in, never saved, carrying what the session already holds.
  const probe = latest ?? TaskInstance.create(task, 0);
  return explain({
    uid: manager.storage.uid,
    task,
    subject: 'task',
    instance: latest,
    instances,
    latestKwargs,
    sessionTasks: new Set(Object.keys(tasks)),
    routing: routingOf(manager, probe, options),
    now: options.now ?? new Date(),
  });
}

function routingOf(manager: TriggerManager, instance: TaskInstance, options: WhyOptions): WhyRouting {
  const runner = manager.runnerNameForTask(instance.config);
  if (!isNamedBound(manager.container, 'runner', runner)) return { runner, runnerKnown: false };
  try {
    if (options.queueOf !== undefined) return { runner, runnerKnown: true, queue: options.queueOf(manager, instance) };
    const resolved = resolveNamed<unknown>(manager.container, 'runner', runner);
    return { runner, runnerKnown: true, queue: routesToQueues(resolved) ? resolved.queueNameFor(manager, instance) : undefined };
  } catch (error) {
    return { runner, runnerKnown: true, queueProblem: error instanceof Error ? error.message : String(error) };
  }
}
