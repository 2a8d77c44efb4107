import type { Container } from 'inversify';
import type { BullMQTaskRunner } from '../redis/bullmq/BullMQTaskRunner';
import type { RedisConnection } from '../redis/connection/RedisConnection';
import { TRIGGERS, runnerToken } from '../registry/tokens';

/**
 * Releases what a container opened: the BullMQ runner's queues and the
 * shared Redis connection (held session locks are released first). Call it when a process, test or
 * example is done, so nothing keeps Node alive. Harmless on a container
 * without Redis or whose connection was never used; safe to call twice.
 */
export async function closeTriggersContainer(container: Container): Promise<void> {
  if (container.isBound(TRIGGERS.RedisSettings) && container.isBound(runnerToken('bullmq'))) {
    let runner: BullMQTaskRunner | undefined;
    try {
      runner = container.get<BullMQTaskRunner>(runnerToken('bullmq'));
    } catch {
      runner = undefined; // a refused configuration never opened anything
    }
    await runner?.close();
  }
  if (container.isBound(TRIGGERS.RedisConnection)) {
    await container.get<RedisConnection>(TRIGGERS.RedisConnection).quit();
  }
}
