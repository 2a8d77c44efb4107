import { TriggersError } from './TriggersError';

/** What {@link KwargsValidationError} knows. */
export interface KwargsValidationErrorFields {
  /** The instance whose task validated the kwargs. */
  instance: string;
  /** The trigger whose kwargs were validated. */
  trigger: string;
  /** Every failed property (`age: age must be a number`); unset when the instance received no kwargs for `trigger`. */
  problems?: readonly string[];
}

/** Trigger kwargs failed class-validator validation (`problems` lists every failed property), or are missing. */
export class KwargsValidationError extends TriggersError {
  /** The instance whose task validated the kwargs. */
  readonly instance: string;
  /** The trigger whose kwargs were validated. */
  readonly trigger: string;
  /** Every failed property; empty when the instance received no kwargs for the trigger. */
  readonly problems: readonly string[];

  constructor(fields: KwargsValidationErrorFields) {
    super(
      fields.problems === undefined
        ? `Instance "${fields.instance}" received no kwargs for trigger "${fields.trigger}"`
        : `Kwargs of trigger "${fields.trigger}" for "${fields.instance}" are invalid: ${fields.problems.join('; ')}`,
    );
    this.instance = fields.instance;
    this.trigger = fields.trigger;
    this.problems = fields.problems ?? [];
  }
}
