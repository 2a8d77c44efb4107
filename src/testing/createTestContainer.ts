import { randomUUID } from 'node:crypto';
import type { Container } from 'inversify';
import { createTriggersContainer } from '../container/createTriggersContainer';
import type { TriggersContainerOptions } from '../container/createTriggersContainer';
import { MemoryLogSink } from '../logging';
import './tasks';

/**
 * A container for tests: tasks run in-process (`threading` runner), so
 * `ThreadingTaskRunner.joinAll()` waits for them; storage is memory (fresh
 * per container) unless `redis` is given, in which case sessions live under
 * a fresh key prefix (a clean namespace: nothing an earlier test or run wrote
 * is visible) unless `prefix` is given; task logs go to a
 * {@link MemoryLogSink} instead of stderr. Any option can still be overridden.
 */
export function createTestContainer(options: TriggersContainerOptions = {}): Container {
  const redis = options.redis !== undefined;
  return createTriggersContainer({
    logSink: new MemoryLogSink(),
    defaultStorage: redis ? 'redis' : 'memory',
    ...(redis ? { prefix: `triggers-test-${randomUUID().slice(0, 8)}` } : {}),
    ...options,
    defaultRunner: options.defaultRunner ?? 'threading',
  });
}
