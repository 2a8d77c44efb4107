import type { Kwargs, TriggerKwargs } from './Kwargs';
import type { LogLevel } from './LogLevel';

/** What a task reports with `ctx.progress`: a number (a percentage, by convention) or a JSON object. */
export type TaskProgress = number | Kwargs;

/**
 * Metadata an instance carries. The key names are part of the contract:
 * dashboards and custom managers read them. Unknown keys are kept.
 */
export interface InstanceMetadata {
  /** Kwargs the task actually received (`withParams` merged with trigger kwargs). */
  actualKwargs?: TriggerKwargs;
  /** Seconds the runner waits before starting the instance. */
  cooldown?: number;
  /** Number of replay ancestors (0 for an original instance). */
  depth?: number;
  /** Name of the instance this one replays. */
  parent?: string;
  /** What the task returned. */
  result?: Kwargs;
  /** Class name of the error that failed the instance. */
  exceptionType?: string;
  /** Stack (or message) of that error. */
  exceptionInfo?: string;
  /** Context attached to the error with `withContext`. */
  exceptionContext?: Kwargs;
  /** Most severe level the task logged. */
  logLevel?: LogLevel;
  /** Set once an operator marked the instance's logs as looked at. */
  logsResolved?: boolean;
  /** The last progress the running task reported (`ctx.progress`): a number (a percentage, by convention) or a JSON object. */
  progress?: TaskProgress;
  /** ISO-8601 UTC time of that report. */
  progressAt?: string;
  /** ISO-8601 UTC times: `created`, `lastModified` and one per status reached. */
  timestamps?: Record<string, string>;
  [key: string]: unknown;
}
