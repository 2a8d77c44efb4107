import { Task, TriggerTask } from '../../src';
import type { Kwargs, TaskContext } from '../../src';

/** Runs of {@link CountingTask}, keyed by `uid \0 instance`. */
export const countedRuns = new Map<string, number>();

/** Key of {@link countedRuns}. */
export function runKey(uid: string, instance: string): string {
  return `${uid}\u0000${instance}`;
}

/** Counts its runs and returns its kwargs. */
@TriggerTask({ name: 'BMQ_Count' })
export class CountingTask extends Task {
  run(ctx: TaskContext): Kwargs {
    const key = runKey(ctx.manager.storage.uid, ctx.instanceName);
    countedRuns.set(key, (countedRuns.get(key) ?? 0) + 1);
    return { ran: ctx.instanceName };
  }
}

/** A task that waits until the spec opens its gate (to have a job in flight). */
export class Gate {
  private static opened?: () => void;
  private static started?: () => void;
  static startedPromise: Promise<void>;
  private static gate: Promise<void>;

  /** Arms a new gate: the next GatedTask run blocks until `open()`. */
  static arm(): void {
    Gate.startedPromise = new Promise((resolve) => (Gate.started = resolve));
    Gate.gate = new Promise((resolve) => (Gate.opened = resolve));
  }

  static open(): void {
    Gate.opened?.();
  }

  static async pass(): Promise<void> {
    Gate.started?.();
    await Gate.gate;
  }
}

/** Blocks on {@link Gate} then finishes with `{ gated: true }`. */
@TriggerTask({ name: 'BMQ_Gated' })
export class GatedTask extends Task {
  async run(): Promise<Kwargs> {
    await Gate.pass();
    return { gated: true };
  }
}

/** Asks to be retried once, 30 s later. */
@TriggerTask({ name: 'BMQ_RetryLater' })
export class RetryLaterTask extends Task {
  run(): Kwargs {
    if ((this.instance?.depth ?? 0) === 0) throw this.retry({ cooldown: 30 });
    return {};
  }
}

/** Declares its queue on the class. */
@TriggerTask({ name: 'BMQ_ClassQueue', queue: 'class-q' })
export class ClassQueueTask extends Task {
  run(): void {}
}
