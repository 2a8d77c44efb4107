import { TriggersError } from './TriggersError';

/** A session lock could not be acquired in time. */
export class LockTimeoutError extends TriggersError {}
