import { TriggersError } from './TriggersError';

/** A trigger name is not a non-empty string, or is reserved (`__proto__`). */
export class InvalidTriggerNameError extends TriggersError {}
