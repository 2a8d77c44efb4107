import { Task } from '../../tasks/Task';
import { TriggerTask } from '../../tasks/TriggerTask';

/** Always asks to be skipped, with metadata `{ reason: 'SelfSkippingTask' }`. */
@TriggerTask({ name: 'SelfSkippingTask' })
export class SelfSkippingTask extends Task {
  /** Throws `this.skip(...)`: the instance ends `skipped`, with no cascade. */
  run(): never {
    throw this.skip({ reason: 'SelfSkippingTask' });
  }
}
