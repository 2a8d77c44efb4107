import { TriggersError } from './TriggersError';

/**
 * `@TriggerTask(options)` got options that cannot work (a negative or
 * fractional `maxRetries`, an empty `name`, `using` or `queue`). Thrown when
 * the decorated class is defined, naming the class and the option, so a bad
 * task never reaches a container.
 */
export class InvalidTaskOptionsError extends TriggersError {}
