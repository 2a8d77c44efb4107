import type { TaskStatus } from '../model';

/** One `after` trigger of the explained task, and whether the instance (or, with no instance yet, the session) has it. */
export interface WhyAfterTrigger {
  /** Trigger (or task) name. */
  trigger: string;
  /** Whether the instance received it (for a task with no instance: whether the session's latest kwargs hold it). */
  received: boolean;
  /**
   * Not received, yet the session's latest kwargs hold it: it fired before
   * the instance (or the task's current configuration) waited for it, and an
   * instance only takes new firings, so it must fire again.
   */
  firedEarlier: boolean;
  /** Whether this is the task's `andEvery` trigger. */
  andEvery: boolean;
}

/** How far the task's `unless` is satisfied. */
export interface WhyUnless {
  /** `none`: no `unless`; `unmet`: none of them fired; `partial`: some did; `met`: all did. */
  state: 'none' | 'unmet' | 'partial' | 'met';
  /** The `unless` triggers that fired (for the instance: in its `abandonState`). */
  fired: string[];
  /** Those that did not. */
  missing: string[];
}

/** What an operator can do about the explained task or instance. */
export interface WhyAdvice {
  /** The kind of action. */
  action: 'fire' | 'replay' | 'skip' | 'wait' | 'check-worker' | 'reconfigure' | 'nothing';
  /** One sentence, for people. */
  text: string;
  /** The `triggers` command that does it, when there is one. */
  command?: string;
}

/** Where the explained instance goes (or would go) when it is scheduled. */
export interface WhyRouting {
  /** The runner name (`TriggerManager.runnerNameForTask`). */
  runner: string;
  /** Whether that runner is registered in the inspecting container. */
  runnerKnown: boolean;
  /** The queue, for a runner that routes to queues (BullMQ), when it could be determined. */
  queue?: string;
  /** Why the queue could not be determined (a bad queue name, an unknown runner). */
  queueProblem?: string;
}

/** The failure recorded on a failed instance. */
export interface WhyFailure {
  /** `metadata.exceptionType`: the error's class name. */
  type?: string;
  /** The first line of `metadata.exceptionInfo` (the message). */
  message?: string;
}

/** One instance of the explained task, in short. */
export interface WhyInstanceSummary {
  name: string;
  status: TaskStatus;
}

/**
 * Why a task or instance of a session is where it is: what it waits for,
 * where it runs, since when, and what to do. Built by {@link why} (or
 * {@link explain} from plain data); rendered by {@link renderWhyReport}.
 */
export interface WhyReport {
  /** The session. */
  uid: string;
  /** What was asked about: a task name or an instance name. */
  subject: 'task' | 'instance';
  /** The task. */
  task: string;
  /** The registered task-class name it runs (`run`). */
  run: string;
  /** The explained instance: the one asked about, or a task's latest; undefined for a task with no instance yet. */
  instance?: string;
  /** Its status; `none` for a task with no instance yet. */
  status: TaskStatus | 'none';
  /** When it reached that status (ISO-8601 UTC), if recorded. */
  since?: string;
  /** Every timestamp the instance recorded (`created`, `lastModified`, one per status reached). */
  timestamps: Record<string, string>;
  /** Milliseconds it has spent in its status so far, for a status that waits for something (unstarted, scheduled, running, failed). */
  waitedMs?: number;
  /** Replay depth (0 for an original instance). */
  depth: number;
  /** The instance this one replays, if any. */
  parent?: string;
  /** For a replayed instance: the instance that replays it. */
  replayedBy?: string;
  /** Every `after` trigger (`andEvery` included) and whether it arrived. */
  after: WhyAfterTrigger[];
  /** The `after` triggers still missing. */
  missing: string[];
  /** The task's `unless` and how far it is satisfied. */
  unless: WhyUnless;
  /** Runner and queue. */
  routing: WhyRouting;
  /** The recorded failure of a failed instance. */
  failure?: WhyFailure;
  /** For a task: its instances, in order (the explained one is the last). */
  instances: WhyInstanceSummary[];
  /** What to do, most useful first. */
  advice: WhyAdvice[];
}
