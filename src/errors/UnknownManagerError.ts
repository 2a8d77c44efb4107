import { TriggersError } from './TriggersError';
import { unknownNameMessage } from './unknownNameMessage';

/**
 * What {@link UnknownManagerError} knows: either a manager name nothing is
 * registered under (`manager`, `known`), or a manager class that cannot be
 * used as it is (`managerClass`, `problem`).
 */
export type UnknownManagerErrorFields =
  | {
      /** The manager name asked for (not necessarily a string: it may come from a job payload). */
      manager: unknown;
      /** The manager names that are registered. */
      known: readonly string[];
      /** Where the name came from, when the caller knows (appended to the message). */
      context?: string;
    }
  | {
      /** The class name of the manager object at fault. */
      managerClass: string;
      /** `unregistered`: the class lacks `@Manager('name')`; `unattached`: the object was not built with `getManager()`. */
      problem: 'unregistered' | 'unattached';
    };

/** No trigger manager is registered under that name, or a manager object is not one the framework built. */
export class UnknownManagerError extends TriggersError {
  /** The manager name asked for (unset for a manager class at fault). */
  readonly manager?: unknown;
  /** The manager names that are registered (unset for a manager class at fault). */
  readonly known?: readonly string[];
  /** Where the name came from, when the caller knew. */
  readonly context?: string;
  /** The class name of the manager object at fault (unset for an unknown name). */
  readonly managerClass?: string;
  /** What is wrong with {@link managerClass} (unset for an unknown name). */
  readonly problem?: 'unregistered' | 'unattached';

  constructor(fields: UnknownManagerErrorFields) {
    super(UnknownManagerError.describe(fields));
    if ('managerClass' in fields) {
      this.managerClass = fields.managerClass;
      this.problem = fields.problem;
    } else {
      this.manager = fields.manager;
      this.known = fields.known;
      this.context = fields.context;
    }
  }

  private static describe(fields: UnknownManagerErrorFields): string {
    if (!('managerClass' in fields)) return unknownNameMessage('trigger manager', fields.manager, fields.known, fields.context);
    return fields.problem === 'unregistered'
      ? `Manager class ${fields.managerClass} is not registered: decorate it with @Manager('name')`
      : `${fields.managerClass} is not attached to a session: build it with getManager()`;
  }
}
