import { TriggersError } from './TriggersError';

/** Trigger kwargs failed class-validator validation; the message lists every failed property. */
export class KwargsValidationError extends TriggersError {}
