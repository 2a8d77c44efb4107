import { TriggersError } from './TriggersError';
import { quote } from './quote';

/** What {@link InvalidTriggerNameError} knows. */
export interface InvalidTriggerNameErrorFields {
  /** The trigger name refused (not necessarily a string). */
  trigger: unknown;
  /** True when the name is a string but reserved (`__proto__`); false when it is not a non-empty string. */
  reserved: boolean;
}

/** A trigger name is not a non-empty string, or is reserved (`__proto__`). */
export class InvalidTriggerNameError extends TriggersError {
  /** The trigger name refused. */
  readonly trigger: unknown;
  /** True when the name is reserved; false when it is not a non-empty string. */
  readonly reserved: boolean;

  constructor(fields: InvalidTriggerNameErrorFields) {
    super(
      fields.reserved
        ? `Trigger name ${quote(fields.trigger)} is reserved`
        : `Trigger name must be a non-empty string, got ${quote(fields.trigger)}`,
    );
    this.trigger = fields.trigger;
    this.reserved = fields.reserved;
  }
}
