import { TriggersError } from './TriggersError';

/** A trigger name is not a non-empty string. */
export class InvalidTriggerNameError extends TriggersError {}
