import { TriggersError } from './TriggersError';
import { unknownNameMessage } from './unknownNameMessage';

/**
 * What {@link UnknownTaskError} knows: either a task class name nothing is
 * registered under (`task`, `known`), or a task configuration name a session
 * lacks (`task`, `uid`, and `instance` when an instance refers to it).
 */
export type UnknownTaskErrorFields =
  | {
      /** The task class name asked for (not necessarily a string: it comes from a configuration or a job). */
      task: unknown;
      /** The task class names that are registered. */
      known: readonly string[];
      /** Where the name came from (`(run by instance "t_a#0")`), when the caller knows. */
      context?: string;
    }
  | {
      /** The task configuration name the session does not have. */
      task: string;
      /** The session that was searched. */
      uid: string;
      /** The instance that refers to the missing task configuration, when one does. */
      instance?: string;
      /** The task names the session does configure, when the caller lists them (an operator typing a name). */
      configured?: readonly string[];
    };

/** No trigger task (class) is registered under that name, or the session has no task configuration of that name. */
export class UnknownTaskError extends TriggersError {
  /** The task name asked for: a task class name, or a task configuration name of the session. */
  readonly task: unknown;
  /** The task class names that are registered (unset for a session's missing task configuration). */
  readonly known?: readonly string[];
  /** Where the class name came from, when the caller knew. */
  readonly context?: string;
  /** The session lacking the task configuration (unset for an unregistered class name). */
  readonly uid?: string;
  /** The instance referring to the missing task configuration, when one does. */
  readonly instance?: string;
  /** The task names the session configures, when the caller listed them. */
  readonly configured?: readonly string[];

  constructor(fields: UnknownTaskErrorFields) {
    super(UnknownTaskError.describe(fields));
    this.task = fields.task;
    if ('known' in fields) {
      this.known = fields.known;
      this.context = fields.context;
    } else {
      this.uid = fields.uid;
      this.instance = fields.instance;
      this.configured = fields.configured;
    }
  }

  private static describe(fields: UnknownTaskErrorFields): string {
    if ('known' in fields) return unknownNameMessage('trigger task', fields.task, fields.known, fields.context);
    return fields.instance !== undefined
      ? `Instance "${fields.instance}" refers to task "${fields.task}", which the session does not configure`
      : `Session "${fields.uid}" has no task named "${fields.task}"` +
          (fields.configured === undefined ? '' : ` (tasks: ${fields.configured.length > 0 ? [...fields.configured].sort().join(', ') : 'none'})`);
  }
}
