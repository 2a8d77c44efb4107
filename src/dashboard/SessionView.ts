import type { WhyReport } from '../inspection/WhyReport';
import type { Kwargs, TaskProgress, TaskStatus, TriggerKwargs } from '../model';

/** One step of an instance's timeline: a status it reached (or `created`), when, and how long after creation. */
export interface TimelineStep {
  /** `created` or a status name. */
  step: string;
  /** ISO-8601 UTC time. */
  at: string;
  /** Milliseconds after the instance was created. */
  offsetMs: number;
}

/** The recorded failure of an instance: `exceptionType`, the message (first line of `exceptionInfo`), the stack, `exceptionContext`. */
export interface FailureView {
  type?: string;
  message?: string;
  stack?: string;
  context?: Kwargs;
}

/** One instance as the dashboard shows it. */
export interface InstanceView {
  name: string;
  task: string;
  status: TaskStatus;
  depth: number;
  parent?: string;
  /** The instance that replays this one, when replayed. */
  replayedBy?: string;
  kwargs: TriggerKwargs;
  /** Every timestamp, in time order (`lastModified` left out). */
  timeline: TimelineStep[];
  lastModified?: string;
  failure?: FailureView;
  result?: Kwargs;
  progress?: TaskProgress;
  progressAt?: string;
}

/** One task of the session's configuration, with its latest instance's status and the why report of that instance (or of the task when it has none). */
export interface TaskView {
  name: string;
  run: string;
  after: string[];
  andEvery?: string;
  unless: string[];
  status: TaskStatus | 'none';
  latest?: string;
  why: WhyReport;
}

/** A session as the dashboard's session page and `GET /api/session` show it. */
export interface SessionView {
  uid: string;
  /** Whether the storage holds anything for the session (a configuration or a fired trigger). */
  exists: boolean;
  tasks: TaskView[];
  instances: InstanceView[];
  latestKwargs: Record<string, Kwargs>;
  /** Every trigger the configuration names (`after`, `andEvery`, `unless`), task names included: what the fire form offers. */
  triggers: string[];
  /** Changes whenever any instance record or the latest kwargs change: the live view re-renders on a new stamp. */
  stamp: string;
  /** When the view was read (ISO-8601 UTC). */
  readAt: string;
}
