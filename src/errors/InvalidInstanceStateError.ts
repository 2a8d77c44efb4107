import { TriggersError } from './TriggersError';

/** What {@link InvalidInstanceStateError} knows. */
export interface InvalidInstanceStateErrorFields {
  /** The instance the operation was refused for. */
  instance: string;
  /** The status at issue: the instance's current status, or (for `set`) the unknown status asked for. */
  status: string;
  /** The refused operation: `replayed`, `skipped`, or `set` (`updateInstanceStatus` to an unknown status). */
  action: 'replayed' | 'skipped' | 'set';
}

/** An operation needs the instance in another status (e.g. replaying an instance that did not fail), or names an unknown status. */
export class InvalidInstanceStateError extends TriggersError {
  /** The instance the operation was refused for. */
  readonly instance: string;
  /** The instance's current status, or (for `set`) the unknown status asked for. */
  readonly status: string;
  /** The refused operation. */
  readonly action: 'replayed' | 'skipped' | 'set';

  constructor(fields: InvalidInstanceStateErrorFields) {
    super(
      fields.action === 'set'
        ? `Cannot set instance "${fields.instance}" to unknown status ${JSON.stringify(fields.status)}`
        : `Instance "${fields.instance}" in ${fields.status} state cannot be ${fields.action}`,
    );
    this.instance = fields.instance;
    this.status = fields.status;
    this.action = fields.action;
  }
}
