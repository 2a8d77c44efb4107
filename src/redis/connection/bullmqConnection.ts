import type { ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RedisSettings } from './RedisSettings';
import type { ConnectionHealth } from './ConnectionHealth';

/**
 * Connection options for a BullMQ `Queue` or `Worker` from the container's
 * Redis settings. `maxRetriesPerRequest: null` is what BullMQ requires of
 * worker connections (a blocking call must never give up); each BullMQ
 * object opens (and closes) its own connections from these options. On a
 * Redis Cluster this is a new ioredis `Cluster` client instead, which the
 * caller closes.
 */
export function bullmqConnection(settings: RedisSettings): ConnectionOptions {
  return settings.endpoint.bullmqOptions({ maxRetriesPerRequest: null }) as ConnectionOptions;
}

/**
 * An ioredis client with the options of {@link bullmqConnection}, for a
 * connection the caller owns and hands to BullMQ (BullMQ then shares it and
 * leaves closing it to the caller). `health` watches it and every client
 * BullMQ duplicates from it (a worker's blocking connection), so none of
 * them reports an error without a listener.
 */
export function bullmqClient(settings: RedisSettings, health?: ConnectionHealth): Redis {
  const client = settings.endpoint.client({ maxRetriesPerRequest: null });
  if (health === undefined) return client;
  health.watch(client);
  const duplicate = client.duplicate.bind(client);
  client.duplicate = (...args: Parameters<Redis['duplicate']>) => health.watch(duplicate(...args));
  return client;
}

/**
 * The BullMQ key prefix of a container: `<prefix>:bull`, so queues of two
 * apps sharing a Redis never meet, and queue keys never collide with the
 * storage's session keys under the same prefix. On a Redis Cluster, that
 * of shard `shard` (`{<prefix>.s<k>}:bull`, see `SessionShards`): each
 * queue exists once per shard.
 */
export function bullmqPrefix(settings: RedisSettings, shard = 0): string {
  return settings.endpoint.shardsOf(settings.prefix).bullmqPrefixOf(shard);
}
