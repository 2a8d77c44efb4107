import { Task } from '../../tasks/Task';
import type { TaskContext } from '../../tasks/TaskContext';
import { TriggerTask } from '../../tasks/TriggerTask';
import type { Kwargs } from '../../model';

/** Returns the kwargs it received (trigger name -> kwargs), so tests can see what a task got. */
@TriggerTask({ name: 'PassThruTask' })
export class PassThruTask extends Task {
  /** Returns `ctx.triggerKwargs` (`withParams` merged), which becomes the result and the cascade's kwargs. */
  run(ctx: TaskContext): Kwargs {
    return ctx.triggerKwargs;
  }
}
