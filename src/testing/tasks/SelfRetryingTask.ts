import { Task } from '../../tasks/Task';
import { TriggerTask } from '../../tasks/TriggerTask';

/**
 * Always asks to be retried (so it ends `failed` with `MaxRetriesExceeded`
 * once its replays reach `maxRetries`, 3).
 */
@TriggerTask({ name: 'SelfRetryingTask' })
export class SelfRetryingTask extends Task {
  /** Throws `this.retry(...)` with metadata `{ reason: 'SelfRetryingTask' }`. */
  run(): never {
    throw this.retry({ metadata: { reason: 'SelfRetryingTask' } });
  }
}
