import { TriggersError } from './TriggersError';

/**
 * A task asked to retry although its instance already reached the task's
 * `maxRetries` replays; the instance fails with this error instead.
 */
export class MaxRetriesExceeded extends TriggersError {}
