import { Task } from '../../tasks/Task';
import { TriggerTask } from '../../tasks/TriggerTask';
import { DeliberateFailure } from './DeliberateFailure';

/** Always throws {@link DeliberateFailure}: for tests of failures, replays and skips. */
@TriggerTask({ name: 'FailingTask' })
export class FailingTask extends Task {
  /** Throws {@link DeliberateFailure}. */
  run(): never {
    throw new DeliberateFailure();
  }
}
