import { Task } from '../tasks/Task';
import type { TaskContext } from '../tasks/TaskContext';
import { TriggerTask } from '../tasks/TriggerTask';
import type { Kwargs } from '../model';

/** Returns the kwargs it received (trigger name -> kwargs), so tests can see what a task got. */
@TriggerTask({ name: 'PassThruTask' })
export class PassThruTask extends Task {
  run(ctx: TaskContext): Kwargs {
    return ctx.triggerKwargs;
  }
}

/** Does nothing and returns `{}`. */
@TriggerTask({ name: 'DevNullTask' })
export class DevNullTask extends Task {
  run(): void {}
}

/** The error {@link FailingTask} throws. */
export class DeliberateFailure extends Error {
  constructor(message = 'FailingTask failed on purpose') {
    super(message);
    this.name = 'DeliberateFailure';
  }
}

/** Always throws {@link DeliberateFailure}. */
@TriggerTask({ name: 'FailingTask' })
export class FailingTask extends Task {
  run(): never {
    throw new DeliberateFailure();
  }
}

/** Always asks to be skipped, with metadata `{ reason: 'SelfSkippingTask' }`. */
@TriggerTask({ name: 'SelfSkippingTask' })
export class SelfSkippingTask extends Task {
  run(): never {
    throw this.skip({ reason: 'SelfSkippingTask' });
  }
}

/**
 * Always asks to be retried (so it ends `failed` with `MaxRetriesExceeded`
 * once its replays reach `maxRetries`, 3).
 */
@TriggerTask({ name: 'SelfRetryingTask' })
export class SelfRetryingTask extends Task {
  run(): never {
    throw this.retry({ metadata: { reason: 'SelfRetryingTask' } });
  }
}
