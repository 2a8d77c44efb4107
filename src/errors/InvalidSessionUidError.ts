import { TriggersError } from './TriggersError';

/** A session uid is not a usable string (empty, not a string, or too long). */
export class InvalidSessionUidError extends TriggersError {}
