import { TriggersError } from './TriggersError';

/** No task runner is registered under that name. */
export class UnknownRunnerError extends TriggersError {}
