import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { lanes } from '../support/lanes';
import { SideWorker } from './SideWorker';

/**
 * The raw BullMQ baseline: a queue in this process and a worker process
 * whose handler adds the next job of a chain (`rawBullmqWorker.ts`). No
 * state besides BullMQ's own.
 */
export class RawBullmqSide {
  private constructor(
    private readonly queue: Queue,
    private readonly worker: SideWorker,
  ) {}

  /** Starts the worker process (concurrency `concurrency`) on queue `name`. */
  static async start(url: string, name: string, concurrency: number): Promise<RawBullmqSide> {
    const worker = await SideWorker.rawBullmq(url, name, concurrency);
    const queue = new Queue(name, { connection: new Redis(url, { maxRetriesPerRequest: null }) });
    await queue.waitUntilReady();
    return new RawBullmqSide(queue, worker);
  }

  /** One chain of `length` jobs, each added by the previous job's handler. Returns elapsed ms. */
  async chain(run: string, length: number): Promise<number> {
    const start = performance.now();
    await this.queue.add('step', { step: 0, steps: length, run, expected: 1 }, { removeOnComplete: true });
    await this.worker.waitFor(run, 120_000);
    return performance.now() - start;
  }

  /**
   * `flows` chains of `steps` jobs started by `producers` concurrent
   * producers; returns elapsed ms until the last job of every chain ran.
   */
  async flows(run: string, flows: number, steps: number, producers: number): Promise<number> {
    const start = performance.now();
    await lanes(flows, producers, async (i) => {
      await this.queue.add('step', { step: 0, steps, run, expected: flows, session: `s${i}` }, { removeOnComplete: true });
    });
    await this.worker.waitFor(run, 300_000);
    return performance.now() - start;
  }

  /** The worker process id (for CPU accounting). */
  get workerPid(): number {
    return this.worker.pid;
  }

  /** Stops the worker process and closes connections. */
  async close(): Promise<void> {
    await this.worker.close();
    await this.queue.close();
  }
}
