import { Redis } from 'ioredis';
import { RedisScript } from '../../src/storage/RedisScript';
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
 * Sends `count` sequential `EVALSHA` of `return 1` the way Triggers sends
 * its scripts (an auto-pipelining ioredis client, {@link RedisScript}) and
 * returns the mean latency and CPU per command: the floor under any extra
 * round trip a hop makes, measured in the same run as the hop itself.
 */
export async function emptyCommandCost(url: string, probe: RedisProbe, count = 5_000): Promise<EmptyCommandCost> {
  const redis = new Redis(url, { enableAutoPipelining: true });
  try {
    for (let i = 0; i < 500; i += 1) await EMPTY.run(redis, [], []);
    const redis0 = await probe.cpuSeconds();
    const client0 = process.cpuUsage();
    const start = performance.now();
    for (let i = 0; i < count; i += 1) await EMPTY.run(redis, [], []);
    const latency = ((performance.now() - start) * 1000) / count;
    const client = process.cpuUsage(client0);
    const redisCpu = ((await probe.cpuSeconds()) - redis0) * 1e6;
    return { latency: Math.round(latency), client: Math.round((client.user + client.system) / count), redis: Math.round(redisCpu / count) };
  } finally {
    redis.disconnect();
  }
}
