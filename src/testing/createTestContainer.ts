import type { Container } from 'inversify';
import { createTriggersContainer } from '../container/createTriggersContainer';
import type { TriggersContainerOptions } from '../container/createTriggersContainer';
import { MemoryLogSink } from '../logging';
import './tasks';

/**
 * A container for tests: tasks run in-process (`threading` runner), so
 * `ThreadingTaskRunner.joinAll()` waits for them; storage is memory (fresh
 * per container) unless `redis` is given; task logs go to a
 * {@link MemoryLogSink} instead of stderr. Any option can still be overridden.
 */
export function createTestContainer(options: TriggersContainerOptions = {}): Container {
  return createTriggersContainer({
    logSink: new MemoryLogSink(),
    defaultStorage: options.redis !== undefined ? 'redis' : 'memory',
    ...options,
    defaultRunner: options.defaultRunner ?? 'threading',
  });
}
