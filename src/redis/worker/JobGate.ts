/**
 * At most `limit` jobs of one queue running at once in a worker process,
 * across the BullMQ workers of the queue's Cluster shards (each of which
 * takes up to `limit` jobs on its own). A job waits here, its BullMQ lock
 * renewed meanwhile, in the order it arrived.
 */
export class JobGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  /** Runs `job` once fewer than `limit` jobs run. */
  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running += 1;
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      if (next === undefined) this.running -= 1;
      else next();
    }
  }
}
