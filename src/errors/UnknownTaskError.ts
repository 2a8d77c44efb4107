import { TriggersError } from './TriggersError';

/** No trigger task (class) is registered under that name, or the session has no task configuration of that name. */
export class UnknownTaskError extends TriggersError {}
