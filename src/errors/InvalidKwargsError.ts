import { TriggersError } from './TriggersError';

/** What {@link InvalidKwargsError} knows. */
export interface InvalidKwargsErrorFields {
  /** The value refused, as the message names it (`kwargs of trigger "go"`, `metadata for "t_a#0"`). */
  what: string;
  /** Why, as a phrase following `what` (or `trigger`): `must be a JSON object`, `is not JSON-serializable`. */
  reason: string;
  /** The trigger whose kwargs inside `what` are at fault, when one is. */
  trigger?: string;
  /** Where inside `what` the offending value sits (`a.b[0]`; `''` for `what` itself), when known. */
  path?: string;
  /** What was found there instead (`a function`, `an array`), when known. */
  found?: string;
}

/**
 * Kwargs, params or a task result are not a JSON object (or hold a value
 * JSON cannot carry); `what`, `trigger` and `path` name the culprit. Nothing
 * was saved.
 */
export class InvalidKwargsError extends TriggersError {
  /** The value refused, as the message names it. */
  readonly what: string;
  /** Why it was refused. */
  readonly reason: string;
  /** The trigger whose kwargs are at fault, when one is. */
  readonly trigger?: string;
  /** Where inside `what` the offending value sits, when known (`''` for `what` itself). */
  readonly path?: string;
  /** What was found instead, when known. */
  readonly found?: string;

  constructor(fields: InvalidKwargsErrorFields) {
    super(InvalidKwargsError.describe(fields));
    this.what = fields.what;
    this.reason = fields.reason;
    this.trigger = fields.trigger;
    this.path = fields.path;
    this.found = fields.found;
  }

  private static describe(fields: InvalidKwargsErrorFields): string {
    const subject = fields.trigger !== undefined ? `${fields.what}: kwargs of trigger "${fields.trigger}"` : fields.what;
    const found = fields.found ?? 'unusable';
    if (fields.path !== undefined) return `${subject} ${fields.reason}: ${fields.path || '(root)'} is ${found}`;
    return fields.found !== undefined ? `${subject} ${fields.reason}, got ${found}` : `${subject} ${fields.reason}`;
  }
}
