import { TaskStatus } from '../model';
import type { Kwargs, TaskConfig, TaskInstance } from '../model';
import { shellWord } from './shellWord';
import type { WhyAdvice, WhyAfterTrigger, WhyFailure, WhyReport, WhyRouting, WhyUnless } from './WhyReport';

/** Everything {@link explain} decides from: plain session data, no storage and no runner. */
export interface ExplainInput {
  /** The session. */
  uid: string;
  /** The task explained. */
  task: TaskConfig;
  /** Whether a task or an instance was asked about. */
  subject: 'task' | 'instance';
  /** The instance explained (the one asked about, or the task's latest); undefined when the task has none. */
  instance?: TaskInstance;
  /** Every instance of the task, in order. */
  instances: readonly TaskInstance[];
  /** The session's latest kwargs per trigger. */
  latestKwargs: Readonly<Record<string, Kwargs>>;
  /** The names of every task the session configures (a task name in `after` is a cascade). */
  sessionTasks: ReadonlySet<string>;
  /** Runner and queue, as resolved by the caller. */
  routing: WhyRouting;
  /** The time waits are measured to. */
  now: Date;
}

/** Statuses that wait for something or someone: the report says for how long. */
const WAITING: ReadonlySet<string> = new Set<string>([TaskStatus.Unstarted, TaskStatus.Scheduled, TaskStatus.Running, TaskStatus.Failed]);

/**
 * Explains one task or instance from plain data: which `after` triggers are
 * missing, how far `unless` is satisfied, the status and since when, where
 * it runs, and what an operator can do. Pure: the same input gives the same
 * report, so it is tested without any storage.
 */
export function explain(input: ExplainInput): WhyReport {
  const { task, instance, latestKwargs } = input;
  const fired = (trigger: string): boolean => Object.hasOwn(latestKwargs, trigger);
  const after: WhyAfterTrigger[] = [...task.after].map((trigger) => {
    const received = instance === undefined ? fired(trigger) : Object.hasOwn(instance.kwargs, trigger);
    return { trigger, received, firedEarlier: !received && instance !== undefined && fired(trigger), andEvery: trigger === task.andEvery };
  });
  const unlessFired = [...task.unless].filter((trigger) => (instance === undefined ? fired(trigger) : instance.abandonState.has(trigger)));
  const unless: WhyUnless = {
    state: task.unless.size === 0 ? 'none' : unlessFired.length === 0 ? 'unmet' : unlessFired.length === task.unless.size ? 'met' : 'partial',
    fired: unlessFired,
    missing: [...task.unless].filter((trigger) => !unlessFired.includes(trigger)),
  };
  const status = instance?.status ?? 'none';
  const timestamps = { ...(instance?.metadata.timestamps ?? {}) };
  const since = instance === undefined ? undefined : (timestamps[instance.status] ?? timestamps.lastModified);
  const sinceMs = since === undefined ? Number.NaN : Date.parse(since);
  const waitedMs = WAITING.has(status) && Number.isFinite(sinceMs) ? Math.max(0, input.now.getTime() - sinceMs) : undefined;
  const replayedBy = instance === undefined ? undefined : input.instances.find((other) => other.metadata.parent === instance.name)?.name;
  const report: WhyReport = {
    uid: input.uid,
    subject: input.subject,
    task: task.name,
    run: task.run,
    instance: instance?.name,
    status,
    since,
    timestamps,
    waitedMs,
    depth: instance?.depth ?? 0,
    parent: typeof instance?.metadata.parent === 'string' ? instance.metadata.parent : undefined,
    replayedBy,
    after,
    missing: after.filter((item) => !item.received).map((item) => item.trigger),
    unless,
    routing: input.routing,
    failure: instance?.status === TaskStatus.Failed ? failureOf(instance) : undefined,
    instances: input.instances.map((other) => ({ name: other.name, status: other.status })),
    advice: [],
  };
  report.advice = adviceFor(report, input);
  return report;
}

function failureOf(instance: TaskInstance): WhyFailure {
  const type = typeof instance.metadata.exceptionType === 'string' ? instance.metadata.exceptionType : undefined;
  const info = typeof instance.metadata.exceptionInfo === 'string' ? instance.metadata.exceptionInfo : undefined;
  return { type, message: info?.split('\n')[0] };
}

function adviceFor(report: WhyReport, input: ExplainInput): WhyAdvice[] {
  const uid = shellWord(report.uid);
  const name = report.instance === undefined ? '' : shellWord(report.instance);
  switch (report.status) {
    case 'none':
    case TaskStatus.Unstarted:
      return waitingAdvice(report, input);
    case TaskStatus.Scheduled:
      return scheduledAdvice(report, input);
    case TaskStatus.Running:
      return [
        { action: 'wait', text: `wait: it is running on runner "${report.routing.runner}"` },
        {
          action: 'check-worker',
          text:
            'if the process running it died, a BullMQ job is re-delivered once its lock expires and the instance fails with ' +
            'WorkerLostError; replay it then',
        },
      ];
    case TaskStatus.Failed:
      return [
        { action: 'replay', text: 'replay it (a new instance with the same kwargs, depth + 1)', command: `triggers replay ${uid} ${name}` },
        { action: 'skip', text: 'or give up on it; --cascade fires its name so dependents run', command: `triggers skip ${uid} ${name} --cascade` },
      ];
    case TaskStatus.Finished:
      return [{ action: 'nothing', text: `nothing: finished${everyNote(input.task)}` }];
    case TaskStatus.Abandoned:
      return [{ action: 'nothing', text: `nothing: abandoned, because every unless trigger fired (${[...input.task.unless].join(', ')})` }];
    case TaskStatus.Replayed:
      return [
        report.replayedBy === undefined
          ? { action: 'nothing', text: 'nothing: replayed' }
          : {
              action: 'nothing',
              text: `nothing: replayed as ${report.replayedBy}; ask about that one`,
              command: `triggers why ${uid} ${shellWord(report.replayedBy)}`,
            },
      ];
    case TaskStatus.Skipped:
      return [{ action: 'nothing', text: `nothing: skipped${input.instance?.metadata.cascade === true ? ' (its name was fired as a cascade)' : ''}` }];
    default:
      return [{ action: 'nothing', text: `no advice for status "${String(report.status)}"` }];
  }
}

function everyNote(task: TaskConfig): string {
  return task.andEvery === undefined ? '' : ` (each firing of "${task.andEvery}" creates a new instance)`;
}

/** Advice for a task with no instance yet, or an unstarted instance. */
function waitingAdvice(report: WhyReport, input: ExplainInput): WhyAdvice[] {
  const uid = shellWord(report.uid);
  const noInstance = report.instance === undefined;
  if (report.unless.state === 'met') {
    return noInstance
      ? [{ action: 'nothing', text: 'nothing: every unless trigger already fired, so its first instance will be abandoned as soon as it is created' }]
      : [{ action: 'fire', text: 'every unless trigger fired: firing any of its triggers abandons it', command: `triggers fire ${uid} ${shellWord(firstTrigger(input.task))}` }];
  }
  const advice: WhyAdvice[] = [];
  for (const item of report.after) {
    if (item.received) continue;
    const command = `triggers fire ${uid} ${shellWord(item.trigger)}`;
    if (item.firedEarlier) {
      advice.push({ action: 'fire', text: `fire "${item.trigger}" again: it fired before this instance waited for it (an instance only takes new firings)`, command });
    } else if (input.sessionTasks.has(item.trigger)) {
      advice.push({ action: 'fire', text: `wait for task "${item.trigger}" to finish (its name fires as a cascade), or fire it yourself`, command });
    } else {
      advice.push({ action: 'fire', text: `fire "${item.trigger}"`, command });
    }
  }
  if (advice.length > 0) return advice;
  // Every after trigger is there, yet nothing scheduled it.
  const trigger = firstTrigger(input.task);
  const kwargs = input.latestKwargs[trigger];
  const withKwargs = kwargs !== undefined && Object.keys(kwargs).length > 0 ? ` --kwargs ${shellWord(JSON.stringify(kwargs))}` : '';
  return [
    noInstance
      ? {
          action: 'fire',
          text: 'every after trigger fired before this task was configured, and triggers are not replayed: fire one of them again (the others are taken from the latest kwargs)',
          command: `triggers fire ${uid} ${shellWord(trigger)}${withKwargs}`,
        }
      : {
          action: 'fire',
          text: 'it has every after trigger but was not scheduled (its task changed since?): firing any trigger of its task schedules it',
          command: `triggers fire ${uid} ${shellWord(trigger)}${withKwargs}`,
        },
  ];
}

function firstTrigger(task: TaskConfig): string {
  return [...task.after][0] ?? [...task.unless][0] ?? task.name;
}

function scheduledAdvice(report: WhyReport, input: ExplainInput): WhyAdvice[] {
  const { runner, queue, runnerKnown } = report.routing;
  const cooldown = input.instance?.cooldown ?? 0;
  const delay = cooldown > 0 ? ` (it has a cooldown of ${cooldown} s before it may start)` : '';
  if (report.routing.queueProblem !== undefined && runnerKnown) {
    return [{ action: 'reconfigure', text: `its queue cannot be determined: ${report.routing.queueProblem}` }];
  }
  if (!runnerKnown) {
    return [{ action: 'reconfigure', text: `its runner "${runner}" is not registered here: load the module that registers it (--require) to see more` }];
  }
  if (queue !== undefined) {
    return [
      { action: 'wait', text: `wait: queued on runner "${runner}", queue "${queue}"${delay}` },
      { action: 'check-worker', text: `make sure a worker consumes queue "${queue}"`, command: `triggers worker --queue ${shellWord(queue)}` },
    ];
  }
  if (runner === 'threading') {
    return [
      { action: 'wait', text: `wait: the in-process runner runs it in the process that scheduled it${delay}` },
      {
        action: 'check-worker',
        text: 'if that process has exited it never will: set it failed (updateInstanceStatus) and replay it',
      },
    ];
  }
  return [{ action: 'wait', text: `wait: runner "${runner}" accepted it${delay}` }];
}
