import { inject, optional } from 'inversify';
import { Manager } from 'triggers-ts';
import type { TaskInstance } from 'triggers-ts';
import { FinalizingManager } from './FinalizingManager';
import { Timeline } from './Timeline';

/**
 * The demo's manager: a {@link FinalizingManager} that also reports every
 * hook to the {@link Timeline} bound in the container (if any), so the
 * timeline sees app fires, cascades (run by the worker side, which rebuilds
 * this class by its registered name), replays and skips.
 *
 * Managers are resolved from the container, so they take constructor
 * injection like tasks do.
 */
@Manager('timeline')
export class TimelineManager extends FinalizingManager {
  constructor(@inject(Timeline) @optional() private readonly timeline?: Timeline) {
    super();
  }

  protected override async postFire(trigger: string, scheduled: TaskInstance[]): Promise<void> {
    await this.timeline?.fired(this, trigger);
    await super.postFire(trigger, scheduled);
  }

  protected override async postReplay(failed: TaskInstance): Promise<void> {
    await this.timeline?.observe(this, `replay ${failed.name}`);
    await super.postReplay(failed);
  }

  protected override async postSkip(skipped: TaskInstance, cascade: boolean): Promise<void> {
    await this.timeline?.observe(this, `skip ${skipped.name}${cascade ? ' (with cascade)' : ''}`);
    await super.postSkip(skipped, cascade);
  }
}
