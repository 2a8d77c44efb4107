import type { Container } from 'inversify';
import type { RedisConnection } from '../storage/RedisConnection';
import { TRIGGERS } from './tokens';

/**
 * Releases what a container opened: the shared Redis connection (held
 * session locks are released first). Call it when a process, test or
 * example is done, so nothing keeps Node alive. Harmless on a container
 * without Redis or whose connection was never used; safe to call twice.
 */
export async function closeTriggersContainer(container: Container): Promise<void> {
  if (container.isBound(TRIGGERS.RedisConnection)) {
    await container.get<RedisConnection>(TRIGGERS.RedisConnection).quit();
  }
}
