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

/** Polls `condition` every few ms until it holds or `timeoutMs` passes (then throws naming `what`). */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
