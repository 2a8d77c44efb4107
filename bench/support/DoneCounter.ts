import type { Redis } from 'ioredis';

const COUNT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == tonumber(ARGV[1]) then redis.call('LPUSH', KEYS[2], n) end
return n`;

/**
 * How a benchmark learns that a run is over without polling: every last
 * task/job calls {@link count}; the one that brings the run's counter to
 * `expected` pushes to the run's signal list, which {@link waitFor} pops
 * (BLPOP). One round trip per completion on the worker side.
 */
export class DoneCounter {
  constructor(private readonly redis: Redis) {}

  /** Counts one completion of `run`; signals when `expected` is reached. */
  async count(run: string, expected: number): Promise<void> {
    await this.redis.eval(COUNT_SCRIPT, 2, `bench:done:${run}`, `bench:signal:${run}`, expected);
  }

  /**
   * Resolves when `run` has been signalled; rejects after `timeoutMs`.
   * Uses this counter's connection for a blocking pop, so give it its own.
   */
  async waitFor(run: string, timeoutMs: number): Promise<void> {
    const popped = await this.redis.blpop(`bench:signal:${run}`, timeoutMs / 1000);
    if (popped === null) {
      const count = await this.redis.get(`bench:done:${run}`);
      throw new Error(`run ${run} did not finish within ${timeoutMs} ms (${count ?? 0} completions counted)`);
    }
  }

  /** Completions counted so far. */
  async completed(run: string): Promise<number> {
    return Number((await this.redis.get(`bench:done:${run}`)) ?? 0);
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    await this.redis.quit();
  }
}
