import { TriggersError } from './TriggersError';

/** No task instance with that name exists in the session. */
export class UnknownInstanceError extends TriggersError {}
