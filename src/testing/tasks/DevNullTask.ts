import { Task } from '../../tasks/Task';
import { TriggerTask } from '../../tasks/TriggerTask';

/** Does nothing and returns `{}`: a placeholder step in a workflow under test. */
@TriggerTask({ name: 'DevNullTask' })
export class DevNullTask extends Task {
  /** Does nothing (the instance finishes with result `{}`). */
  run(): void {}
}
