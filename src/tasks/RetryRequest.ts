import type { TriggerKwargs } from '../model';

/** Options of `Task.retry()`. */
export interface RetryOptions {
  /** The error that made the task give up this attempt (recorded on the failed instance). */
  error?: unknown;
  /** Metadata recorded on the failed instance (a JSON object). */
  metadata?: object;
  /** Kwargs the replay runs with instead of the failed instance's (`{}` means none). */
  replacementKwargs?: TriggerKwargs;
  /** Seconds the runner waits before starting the replay. */
  cooldown?: number;
}

/**
 * Thrown (via `throw this.retry(...)`) by a task that wants another attempt:
 * the instance fails, then is replayed with the given options.
 */
export class RetryRequest extends Error {
  constructor(readonly options: RetryOptions = {}) {
    super('Task asked to be retried');
    this.name = 'RetryRequest';
  }
}
