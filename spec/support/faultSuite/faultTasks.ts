/**
 * Tasks of the fault suite, loaded by its worker processes with
 * `triggers worker --require dist/spec/support/faultSuite/faultTasks.js`
 * and by the suite itself for the in-memory reference run.
 *
 * Each run is recorded OUTSIDE the session, at the start of the run (a
 * list in the same Redis, or a map in memory), with the worker's pid: an
 * instance that ran twice, and which worker ran it, stay visible whatever
 * the session says.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { inject, optional } from 'inversify';
import { TRIGGERS, Task, TriggerTask } from '../../../src';
import type { Kwargs, RedisConnection, TaskContext, TriggerTaskOptions } from '../../../src';

/** One recorded run: which instance of which session, on which process, when (ms since the epoch). */
export interface FaultRun {
  uid: string;
  instance: string;
  pid: number;
  at: number;
}

/** Runs recorded in-process when there is no Redis (the reference run). */
export const memoryFaultRuns: FaultRun[] = [];

/** Redis hash where workers record runs: a random run id -> one JSON {@link FaultRun}. */
export function faultRunsKey(prefix: string): string {
  return `${prefix}:fault-runs`;
}

/** The recorded runs in the order they started. */
export function parseFaultRuns(hash: Record<string, string>): FaultRun[] {
  return Object.values(hash)
    .map((text) => JSON.parse(text) as FaultRun)
    .sort((a, b) => a.at - b.at);
}

/**
 * The options of the suite's tasks. `retryOnWorkerLoss` asks for a re-run
 * when the worker running the task died (docs/guarantees.md); a release
 * that does not know the option ignores it, and the suite then measures
 * what that release does.
 */
function faultTaskOptions(name: string): TriggerTaskOptions {
  const options: TriggerTaskOptions & { retryOnWorkerLoss: boolean } = { name, retryOnWorkerLoss: true };
  return options;
}

/** Milliseconds a run of `instance` takes: fixed per instance, so a kill often lands mid-task. */
function runMs(instance: string, base: number): number {
  let hash = 0;
  for (const char of instance) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return base + (hash % base);
}

abstract class RecordingTask extends Task {
  protected abstract readonly baseMs: number;

  constructor(private readonly connection?: RedisConnection) {
    super();
  }

  async run(ctx: TaskContext): Promise<Kwargs> {
    const run: FaultRun = { uid: ctx.manager.storage.uid, instance: ctx.instanceName, pid: process.pid, at: Date.now() };
    if (this.connection !== undefined) {
      await this.record(this.connection, run);
      // Taking time is the point: workers are killed while tasks run.
      await new Promise((resolve) => setTimeout(resolve, runMs(ctx.instanceName, this.baseMs)));
    } else {
      memoryFaultRuns.push(run);
    }
    // The same result for every instance of a task, so a cascade carries the same kwargs whatever order instances finish in.
    return { task: ctx.instanceName.slice(0, ctx.instanceName.lastIndexOf('#')), triggers: Object.keys(ctx.triggerKwargs).sort() };
  }

  /**
   * Records the run under a fresh id, retried while Redis restarts or until
   * the replicas have it (HSETNX, so a retry after a lost reply records it once): the record is the
   * suite's measuring device and must not fail the task itself.
   */
  private async record(connection: RedisConnection, run: FaultRun): Promise<void> {
    const id = randomUUID();
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await connection.redis.hsetnx(faultRunsKey(connection.settings.prefix), id, JSON.stringify(run));
        const replication = connection.settings.replication;
        // On a replicated primary the record must survive a failover like the storage's writes: wait for the replicas too.
        if (replication === undefined || ((await connection.redis.call('WAIT', replication.replicas, replication.timeoutMs)) as number) >= replication.replicas) return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** A short task (tens of milliseconds). */
@TriggerTask(faultTaskOptions('FS_Record'))
export class FaultRecordTask extends RecordingTask {
  protected readonly baseMs = 20;

  constructor(@inject(TRIGGERS.RedisConnection) @optional() connection?: RedisConnection) {
    super(connection);
  }
}

/** A slower task (a few hundred milliseconds), the usual victim of a mid-task kill. */
@TriggerTask(faultTaskOptions('FS_Slow'))
export class FaultSlowTask extends RecordingTask {
  protected readonly baseMs = 150;

  constructor(@inject(TRIGGERS.RedisConnection) @optional() connection?: RedisConnection) {
    super(connection);
  }
}
