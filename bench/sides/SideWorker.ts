import { Redis } from 'ioredis';
import type { RedisNode } from '../../src';
import { DoneCounter } from '../support/DoneCounter';
import { WorkerProcess } from '../support/WorkerProcess';
import { WORKER_SCRIPTS } from './workerScripts';

/**
 * What every benchmark side starts the same way: its worker process (one of
 * {@link WORKER_SCRIPTS}, consuming with `concurrency`) and the
 * {@link DoneCounter} on which the producer waits for the end of a run.
 * The sides add only what differs (a BullMQ queue, a Triggers container).
 */
export class SideWorker {
  private constructor(
    private readonly worker: WorkerProcess,
    private readonly done: DoneCounter,
  ) {}

  /** Starts the raw BullMQ worker (`rawBullmqWorker.ts`) on queue `queue`. */
  static rawBullmq(url: string, queue: string, concurrency: number): Promise<SideWorker> {
    return SideWorker.start(url, WORKER_SCRIPTS.rawBullmq, ['--queue', queue], concurrency);
  }

  /** Starts the Triggers worker (`triggersWorker.ts`) under key prefix `prefix` (on the Redis Cluster of `cluster` if given). */
  static triggers(url: string, prefix: string, concurrency: number, cluster?: RedisNode[]): Promise<SideWorker> {
    const clusterArgs = cluster === undefined ? [] : ['--cluster', JSON.stringify(cluster)];
    return SideWorker.start(url, WORKER_SCRIPTS.triggers, ['--prefix', prefix, ...clusterArgs], concurrency);
  }

  private static async start(url: string, script: string, args: string[], concurrency: number): Promise<SideWorker> {
    const worker = await WorkerProcess.start(script, ['--redis', url, ...args, '--concurrency', String(concurrency)]);
    return new SideWorker(worker, new DoneCounter(new Redis(url)));
  }

  /** The worker process id (for CPU accounting). */
  get pid(): number {
    return this.worker.pid;
  }

  /** Resolves when run `run` has signalled its end; rejects after `timeoutMs`. */
  async waitFor(run: string, timeoutMs: number): Promise<void> {
    await this.done.waitFor(run, timeoutMs);
  }

  /** Stops the worker process, then closes the counter's connection. */
  async close(): Promise<void> {
    await this.worker.stop();
    await this.done.close();
  }
}
