import { TriggersError } from './TriggersError';

/** A task returned something other than an object (a number, string, array...). */
export class TaskResultError extends TriggersError {}
