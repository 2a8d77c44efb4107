import { Container } from 'inversify';
import { ConsoleLogSink } from '../logging';
import type { LogSink } from '../logging';
import type { TriggerManager } from '../manager/TriggerManager';
import '../manager/TriggerManager';
import '../runners/ThreadingTaskRunner';
import '../redis/bullmq/BullMQTaskRunner';
import type { BullMQRunnerOptions } from '../redis/bullmq/BullMQRunnerOptions';
import type { QueueRouter } from '../redis/bullmq/QueueRouter';
import { MemoryStore } from '../storage/MemoryStore';
import '../storage/MemoryStorageBackend';
import { RedisConnection } from '../redis/connection/RedisConnection';
import { RedisEndpoint } from '../redis/connection/RedisEndpoint';
import type { RedisConnectionOption } from '../redis/connection/RedisEndpoint';
import { DEFAULT_IDEMPOTENCY_WINDOW_SECONDS, OperationId } from '../storage/OperationId';
import '../redis/storage/RedisStorageBackend';
import type { StorageBackend } from '../storage/StorageBackend';
import { TaskExecutor } from '../tasks/TaskExecutor';
import { bindTriggerClasses } from '../registry/bindTriggerClasses';
import type { ManagerFactory, ManagerTypeOptions } from '../manager/ManagerFactory';
import type { RedisSettings, ReplicationWait } from '../redis/connection/RedisSettings';
import type { ConnectionLog } from '../redis/connection/ConnectionHealth';
import { resolveNamed } from '../registry/resolveNamed';
import { TRIGGERS } from '../registry/tokens';

/** Options of {@link createTriggersContainer}. */
export interface TriggersContainerOptions {
  /**
   * Where Redis is: switches the defaults to Redis storage and the BullMQ
   * runner. A `redis://`/`rediss://` URL, ioredis options,
   * `{ sentinels: [{ host, port }, ...], name }` for a Sentinel-managed
   * primary, `{ cluster: [{ host, port }, ...], options?, shards? }` for a
   * Redis Cluster (sessions and queues spread over `shards` hash-tagged
   * shards, default 16), or an application's own ioredis client or Cluster
   * (its options are used; the client itself is never closed by Triggers).
   */
  redis?: RedisConnectionOption;
  /** Key and queue prefix in Redis (default `triggers`). */
  prefix?: string;
  /** Seconds a Redis session lives after its last write (default: forever). */
  sessionTtlSeconds?: number;
  /** Milliseconds a Redis session lock lives unless renewed (default 10,000). */
  lockTtlMs?: number;
  /** Renewal period of a held Redis lock in ms (default a third of `lockTtlMs`). */
  lockRenewMs?: number;
  /** How long an operation waits for a Redis session lock (default 30,000 ms). */
  lockTimeoutMs?: number;
  /**
   * Milliseconds one Redis round trip waits for a connection, then for its
   * reply, before failing with `StorageUnavailableError` (default 10,000).
   */
  operationTimeoutMs?: number;
  /**
   * Wait until this many replicas acknowledged every storage write (Redis
   * `WAIT`), so a failover cannot lose an acknowledged operation; one more
   * round trip per write, and the worker's fast paths on BullMQ's
   * connection (start on fetch, pipelined finish) are off. See docs/guarantees.md.
   */
  replication?: ReplicationWait;
  /**
   * Seconds a session remembers a fire applied under an idempotency key
   * (`fire(trigger, kwargs, { idempotencyKey })`): a repeat within it
   * changes nothing (default 86,400, a day; memory and Redis storage). Each
   * remembered key costs a small record until the window ends.
   */
  idempotencyWindowSeconds?: number;
  /** Where Redis outages and recoveries are reported, once each (default: a line on stderr). */
  connectionLog?: ConnectionLog;
  /** Default runner name (default: `bullmq` with Redis, else `threading`). */
  defaultRunner?: string;
  /** Default storage name (default: `redis` with Redis, else `memory`). */
  defaultStorage?: string;
  /** Default manager name (default `default`). */
  defaultManager?: string;
  /** Where task log messages go (default: JSON lines on stderr from `warn` up). */
  logSink?: LogSink;
  /** Options of the BullMQ runner (default queue, job retention). */
  bullmq?: BullMQRunnerOptions;
  /** Picks the BullMQ queue of each instance (see {@link QueueRouter} for the precedence). */
  queueRouter?: QueueRouter;
  /** An existing container to configure instead of a new one. */
  container?: Container;
}

/**
 * Creates an Inversify container wired for Triggers: every registered task,
 * runner, manager and storage class bound by name, the default tokens bound,
 * and a `TRIGGERS.ManagerFactory`.
 *
 * With no options: the embedded defaults (memory storage, in-process runner,
 * no server). With `{ redis }`: Redis storage and the BullMQ runner, over
 * one shared Redis connection opened on first use; call
 * `closeTriggersContainer(container)` when done so the process can exit.
 */
export function createTriggersContainer(options: TriggersContainerOptions = {}): Container {
  const container = options.container ?? new Container();
  const redis = options.redis !== undefined;
  container.bind(TRIGGERS.Container).toConstantValue(container);
  container.bind(TRIGGERS.DefaultTaskRunnerName).toConstantValue(options.defaultRunner ?? (redis ? 'bullmq' : 'threading'));
  container.bind(TRIGGERS.DefaultStorageName).toConstantValue(options.defaultStorage ?? (redis ? 'redis' : 'memory'));
  container.bind(TRIGGERS.DefaultManagerName).toConstantValue(options.defaultManager ?? 'default');
  container.bind(TRIGGERS.MemoryStore).to(MemoryStore).inSingletonScope();
  container.bind(TRIGGERS.LogSink).toConstantValue(options.logSink ?? new ConsoleLogSink());
  container.bind(TRIGGERS.TaskExecutor).to(TaskExecutor).inSingletonScope();
  const windowSeconds = options.idempotencyWindowSeconds ?? DEFAULT_IDEMPOTENCY_WINDOW_SECONDS;
  OperationId.assertValidWindow(windowSeconds);
  container.bind(TRIGGERS.IdempotencyWindowSeconds).toConstantValue(windowSeconds);
  if (options.redis !== undefined) {
    const settings: RedisSettings = {
      endpoint: RedisEndpoint.from(options.redis),
      prefix: options.prefix ?? 'triggers',
      sessionTtlSeconds: options.sessionTtlSeconds,
      lockTtlMs: options.lockTtlMs,
      lockRenewMs: options.lockRenewMs,
      lockTimeoutMs: options.lockTimeoutMs,
      operationTimeoutMs: options.operationTimeoutMs,
      replication: options.replication,
      idempotencyWindowSeconds: windowSeconds,
      connectionLog: options.connectionLog,
    };
    container.bind(TRIGGERS.RedisSettings).toConstantValue(settings);
    // One lazily connecting ioredis client per container; closeTriggersContainer() closes it.
    container.bind(TRIGGERS.RedisConnection).to(RedisConnection).inSingletonScope();
    // Built now (it connects on first use only) so a bad prefix or lock timing
    // is refused here, at the call that introduced it, not at the first getManager.
    container.get(TRIGGERS.RedisConnection);
  }
  if (options.bullmq !== undefined) container.bind(TRIGGERS.BullMQOptions).toConstantValue(options.bullmq);
  if (options.queueRouter !== undefined) container.bind(TRIGGERS.QueueRouter).toConstantValue(options.queueRouter);
  container.bind<ManagerFactory>(TRIGGERS.ManagerFactory).toConstantValue(managerFactory(container));
  bindTriggerClasses(container);
  return container;
}

function managerFactory(container: Container): ManagerFactory {
  return (uid: string, types: ManagerTypeOptions = {}) => {
    const managerName = types.manager ?? container.get<string>(TRIGGERS.DefaultManagerName);
    const storageName = types.storage ?? container.get<string>(TRIGGERS.DefaultStorageName);
    const storage = resolveNamed<StorageBackend>(container, 'storage', storageName).open(uid);
    const manager = resolveNamed<TriggerManager>(container, 'manager', managerName);
    return manager.attach(container, storage);
  };
}
