import { BaseTaskRunner, Runner } from '../../src';

/**
 * A runner that accepts every instance and runs nothing (it stays
 * `scheduled`): isolates the cost of `fire` and of the session's storage
 * from the cost of executing tasks, in the history and hot-session scenarios.
 */
@Runner('bench-accept')
export class AcceptAndDropRunner extends BaseTaskRunner {
  /** It never executes anything, so it may be handed instances after an atomic fire (like the BullMQ runner). */
  override get defersExecution(): boolean {
    return true;
  }

  override async run(): Promise<void> {}
}
