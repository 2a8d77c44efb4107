import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { lanes } from '../support/lanes';
import { SideWorker } from './SideWorker';

/**
 * "Run the join task after A and B, in any order", written the way a user
 * would without Triggers: a Redis set of fired triggers per session, and a
 * BullMQ job (deterministic id, so it is queued once) when the set holds
 * both. SADD + SCARD go in one MULTI so exactly one firer sees the join
 * complete. The job runs in a worker process, like Triggers' tasks.
 */
export class HandRolledJoin {
  private constructor(
    private readonly redis: Redis,
    private readonly queue: Queue,
    private readonly worker: SideWorker,
  ) {}

  /** Starts the worker process on queue `name`. */
  static async start(url: string, name: string, concurrency: number): Promise<HandRolledJoin> {
    const worker = await SideWorker.rawBullmq(url, name, concurrency);
    const queue = new Queue(name, { connection: new Redis(url, { maxRetriesPerRequest: null }) });
    await queue.waitUntilReady();
    return new HandRolledJoin(new Redis(url), queue, worker);
  }

  /**
   * Records `trigger` for session `uid`; queues the join when A and B are
   * both in. With `steps` > 1 the join's handler chains that many jobs in
   * all (the hand-rolled 3-task workflow: join, then a cascade of two).
   */
  async fire(run: string, uid: string, trigger: 'A' | 'B', expected: number, steps = 1): Promise<void> {
    const key = `handrolled:${run}:{${uid}}:fired`;
    const replies = await this.redis.multi().sadd(key, trigger).scard(key).exec();
    const added = replies?.[0]?.[1];
    const count = replies?.[1]?.[1];
    if (added === 1 && count === 2) {
      await this.queue.add('join', { step: 0, steps, run, expected, session: uid }, { jobId: `join-${run}-${uid}`, removeOnComplete: true });
    }
  }

  /**
   * `sessions` sessions each fire A then B, through `producers` concurrent
   * producers; ms until every join ran (and, with `steps` > 1, the jobs its
   * handler chains after it).
   */
  async joins(run: string, sessions: number, producers: number, steps = 1): Promise<number> {
    const start = performance.now();
    await lanes(sessions * 2, producers, async (i) => {
      const session = i >> 1;
      await this.fire(run, `s${session}`, i % 2 === 0 ? 'A' : 'B', sessions, steps);
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
    await this.redis.quit();
  }
}
