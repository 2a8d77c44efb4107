import { TriggersError } from './TriggersError';

/** An operation needs the instance in another status (e.g. replaying an instance that did not fail). */
export class InvalidInstanceStateError extends TriggersError {}
