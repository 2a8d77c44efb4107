import { Manager, TriggerManager } from 'triggers-ts';
import type { TaskInstance } from 'triggers-ts';
import { SESSION_FINALIZED } from './configuration';

/**
 * The "finalize a session" recipe (docs/firing.md): a manager subclass whose
 * `postFire` fires `sessionFinalized` once every other task of the session
 * is resolved (finished, abandoned, skipped or replayed).
 *
 * "Other" means tasks that do not themselves wait for `sessionFinalized`.
 * Registered by name, so a worker that runs a cascade in another process
 * rebuilds this same class and the check also happens there.
 *
 * Two managers may see "everything resolved" at the same moment (two tasks
 * finishing together); firing twice is harmless because tasks after
 * `sessionFinalized` are one-shot, and the latest-kwargs check below avoids
 * most duplicates.
 */
@Manager('finalizing')
export class FinalizingManager extends TriggerManager {
  protected override async postFire(trigger: string, scheduled: TaskInstance[]): Promise<void> {
    await super.postFire(trigger, scheduled);
    // Something was just scheduled: it is not resolved yet, no need to look.
    if (scheduled.length === 0) await this.finalizeIfDone(trigger);
  }

  /** A skip without cascade fires nothing, so it may be what resolves the last task. */
  protected override async postSkip(skipped: TaskInstance, cascade: boolean): Promise<void> {
    await super.postSkip(skipped, cascade);
    await this.finalizeIfDone(skipped.name);
  }

  /** Fires `sessionFinalized` (with the trigger or instance that completed the session) if it is time. */
  protected async finalizeIfDone(cause: string): Promise<void> {
    if (cause === SESSION_FINALIZED) return;
    const latest = await this.storage.getLatestKwargs();
    if (SESSION_FINALIZED in latest) return;
    const pending = (await this.storage.getUnresolvedTasks()).filter((task) => !task.after.has(SESSION_FINALIZED));
    if (pending.length === 0) await this.fire(SESSION_FINALIZED, { after: cause });
  }
}
