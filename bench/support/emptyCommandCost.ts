import { Redis } from 'ioredis';
import { RedisScript } from '../../src/redis/storage/RedisScript';
import type { RedisProbe } from './RedisProbe';

/** What one sequential command with no work in it costs on this machine. */
export interface EmptyCommandCost {
  /** Round-trip latency, µs. */
  latency: number;
  /** Client CPU (this process), µs. */
  client: number;
  /** Server CPU (redis-server), µs. */
  redis: number;
}

const EMPTY = new RedisScript<number>('empty', 'return 1');

/**
 * Sends `count` `EVALSHA` of `return 1` the way Triggers sends its scripts
 * (an auto-pipelining ioredis client, {@link RedisScript}), from `callers`
 * concurrent sequential callers, and returns the mean latency of one call
 * and the CPU per command: with one caller, the floor under any extra
 * round trip a hop makes; with many, what a command costs once batched.
 */
export async function emptyCommandCost(url: string, probe: RedisProbe, callers = 1, count = 5_000): Promise<EmptyCommandCost> {
  const redis = new Redis(url, { enableAutoPipelining: true });
  const each = Math.ceil(count / callers);
  const loop = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i += 1) await EMPTY.run(redis, [], []);
  };
  try {
    await loop(500);
    const redis0 = await probe.cpuSeconds();
    const client0 = process.cpuUsage();
    const start = performance.now();
    await Promise.all(Array.from({ length: callers }, () => loop(each)));
    count = each * callers;
    const latency = ((performance.now() - start) * 1000 * callers) / count;
    const client = process.cpuUsage(client0);
    const redisCpu = ((await probe.cpuSeconds()) - redis0) * 1e6;
    return { latency: Math.round(latency), client: Math.round((client.user + client.system) / count), redis: Math.round(redisCpu / count) };
  } finally {
    redis.disconnect();
  }
}
