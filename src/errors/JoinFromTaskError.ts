import { TriggersError } from './TriggersError';

/** `ThreadingTaskRunner.joinAll()` was called from inside a task it would wait for (it would wait for itself forever). */
export class JoinFromTaskError extends TriggersError {}
