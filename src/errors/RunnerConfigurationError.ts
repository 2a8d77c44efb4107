import { TriggersError } from './TriggersError';

/** A task runner is configured in a way that cannot work (for example, running tasks synchronously inside the session lock). */
export class RunnerConfigurationError extends TriggersError {}
