import { TriggersError } from './TriggersError';

/** A runner job payload is missing fields or is not the shape the framework writes. */
export class MalformedJobError extends TriggersError {}
