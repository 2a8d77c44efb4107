import { TriggersError } from './TriggersError';

/** A configuration passed to `updateConfiguration` is invalid; the message names the task and directive. Nothing was saved. */
export class InvalidConfigurationError extends TriggersError {}
