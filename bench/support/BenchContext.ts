import type { Harness } from '../harness';
import type { BenchSizes } from './BenchSizes';
import type { RedisProbe } from './RedisProbe';

/** What every scenario receives from `bench/main.ts`. */
export interface BenchContext {
  harness: Harness;
  sizes: BenchSizes;
  /** URL of the benchmark's private redis-server. */
  redisUrl: string;
  /** Admin view of that server (flush between runs, command counts). */
  probe: RedisProbe;
  /** Progress output (stderr). */
  log: (line: string) => void;
}
