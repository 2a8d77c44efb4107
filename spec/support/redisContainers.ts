import type { Container } from 'inversify';
import { TRIGGERS, closeTriggersContainer } from '../../src';
import type { RedisConnection, TriggersContainerOptions } from '../../src';
import { ThreadingTaskRunner, createTestContainer } from '../../src/testing';
import { sharedRedis, uniquePrefix } from './sharedRedis';

const open = new Set<Container>();

/**
 * A test container over the suite's private Redis (threading runner), with a
 * prefix of its own unless one is given (pass the same prefix to two
 * containers to simulate two processes sharing sessions). Close them all
 * with {@link closeRedisContainers} in an `afterEach`.
 */
export async function redisTestContainer(options: TriggersContainerOptions = {}): Promise<Container> {
  const redis = await sharedRedis();
  const container = createTestContainer({ redis: redis.url, prefix: uniquePrefix('redis'), ...options });
  open.add(container);
  return container;
}

/** The shared connection of a Redis container (for raw inspection of keys). */
export function connectionOf(container: Container): RedisConnection {
  return container.get<RedisConnection>(TRIGGERS.RedisConnection);
}

/** Waits for in-process tasks, then closes every container opened by {@link redisTestContainer}. */
export async function closeRedisContainers(): Promise<void> {
  await ThreadingTaskRunner.joinAll();
  const containers = [...open];
  open.clear();
  await Promise.all(containers.map((container) => closeTriggersContainer(container)));
}

/** Every key under `prefix` (on the shared server), sorted. */
export async function keysUnder(container: Container, prefix: string): Promise<string[]> {
  const redis = connectionOf(container).redis;
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}:*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys.sort();
}

/** A command as sent on a connection: its name and arguments. */
export interface SentCommand {
  name: string;
  args: unknown[];
}

/**
 * Every command `block` sends through the container's connection. Commands
 * an earlier operation left queued (a lock release waits for ioredis's
 * auto-pipeline tick) are let through first, so they are not counted.
 */
export async function commandsSent(container: Container, block: () => Promise<unknown>): Promise<SentCommand[]> {
  await new Promise((resolve) => setImmediate(resolve));
  const redis = connectionOf(container).redis;
  const send = redis.sendCommand.bind(redis);
  const sent: SentCommand[] = [];
  redis.sendCommand = ((...args: Parameters<typeof send>) => {
    sent.push({ name: args[0].name, args: args[0].args });
    return send(...args);
  }) as typeof redis.sendCommand;
  try {
    await block();
  } finally {
    redis.sendCommand = send;
  }
  return sent;
}

/**
 * Records, in order, the instances for which the storage took what a worker
 * handed to it through the connection's `handoffs` (`takePipelinedFinish`: a finish offered to
 * travel with BullMQ's completion; `takeFetchedStart`: a start made by
 * BullMQ's fetch; `takeScheduledRecord`: the record text a job carried).
 */
export function recordTaken(connection: RedisConnection, method: 'takePipelinedFinish' | 'takeFetchedStart' | 'takeScheduledRecord'): string[] {
  const taken: string[] = [];
  const handoffs = connection.handoffs;
  const take = handoffs[method].bind(handoffs) as (uid: string, instance: string) => unknown;
  Object.assign(handoffs, {
    [method]: (uid: string, instance: string): unknown => {
      const found = take(uid, instance);
      if (found !== undefined) taken.push(instance);
      return found;
    },
  });
  return taken;
}
