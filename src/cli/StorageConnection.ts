import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import type { Container } from 'inversify';
import { closeTriggersContainer } from '../container/closeTriggersContainer';
import { createTriggersContainer } from '../container/createTriggersContainer';
import type { TriggersContainerOptions } from '../container/createTriggersContainer';
import { getManager } from '../container/getManager';
import { CommandLineError } from '../errors';
import type { TriggerManager } from '../manager/TriggerManager';
import type { RedisConnection } from '../redis/connection/RedisConnection';
import { TRIGGERS } from '../registry/tokens';
import type { RedisConnectionOption, RedisNode } from '../redis/connection/RedisEndpoint';
import { ThreadingTaskRunner } from '../runners/ThreadingTaskRunner';
import { UnknownSessionError } from './errors/UnknownSessionError';

/**
 * The connection options every command that talks to storage shares. Kept
 * in this one module so that a way to connect is added once for every
 * command.
 */
export interface ConnectionOptions {
  redis?: string;
  redisCluster?: RedisNode[];
  clusterShards?: number;
  sentinel?: RedisNode[];
  sentinelName?: string;
  prefix: string;
  operationTimeout?: number;
  /** `--wait-replicas`: replicas every storage write waits for (the container's `replication.replicas`). */
  waitReplicas?: number;
  /** `--wait-timeout`: how long a write waits for them (default 1000 ms). */
  waitTimeout?: number;
}

/** Milliseconds a write waits for `--wait-replicas` when `--wait-timeout` is not given. */
const DEFAULT_WAIT_TIMEOUT_MS = 1000;

/** `host:port,host:port` as nodes. */
function nodeList(value: string): RedisNode[] {
  return value.split(',').map((item) => {
    const match = /^\s*(\[[^\]]+\]|[^:\s]+):(\d+)\s*$/.exec(item);
    const port = match === null ? NaN : Number(match[2]);
    if (match === null || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw new InvalidArgumentError(`expected host:port[,host:port...], got ${JSON.stringify(item)}`);
    }
    return { host: match[1].replace(/^\[|\]$/g, ''), port };
  });
}


function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError('must be a positive integer');
  return parsed;
}

/**
 * A container connected to the storage the connection options name, for
 * one command: built from `--redis` and `--prefix`, checked reachable with
 * a ping before anything is read, closed (queues and connection) at the end.
 */
export class StorageConnection {
  private constructor(
    readonly container: Container,
    readonly options: ConnectionOptions,
  ) {}

  /** Adds the connection flags (`--redis`, `--redis-cluster`, `--sentinel`..., `--prefix`, `--wait-replicas`, `--operation-timeout`) to `command`. */
  static addOptions(command: Command): Command {
    return command
      .option('--redis <url>', 'Redis URL, redis:// or rediss:// (default: $REDIS_URL)')
      .option('--redis-cluster <host:port,...>', 'some nodes of a Redis Cluster (instead of --redis; the rest is discovered)', nodeList)
      .addOption(
        new Option('--cluster-shards <n>', 'shards of each prefix on the Redis Cluster, as given to createTriggersContainer (default 16)').argParser(positiveInteger),
      )
      .option('--sentinel <host:port,...>', 'the sentinels of a Sentinel-managed primary (with --sentinel-name; instead of --redis)', nodeList)
      .option('--sentinel-name <name>', 'the name the sentinels monitor the primary under')
      .option('--prefix <prefix>', 'key and queue prefix, as given to createTriggersContainer', 'triggers')
      .addOption(
        new Option('--operation-timeout <ms>', 'longest wait for one Redis round trip before StorageUnavailableError (exit 3 for commands; default 10000)').argParser(
          positiveInteger,
        ),
      )
      .addOption(
        new Option('--wait-replicas <n>', 'acknowledge a storage write only once this many replicas have it (Redis WAIT, the replication option; see docs/guarantees.md)').argParser(positiveInteger),
      )
      .addOption(
        new Option('--wait-timeout <ms>', `how long a write waits for --wait-replicas before StorageUnavailableError (default ${DEFAULT_WAIT_TIMEOUT_MS})`).argParser(positiveInteger),
      );
  }

  /**
   * The `replication` setting `--wait-replicas` and `--wait-timeout` ask for (undefined without them).
   *
   * @throws CommandLineError when `--wait-timeout` comes without `--wait-replicas`
   */
  static replicationOption(options: ConnectionOptions): TriggersContainerOptions['replication'] {
    if (options.waitReplicas === undefined) {
      if (options.waitTimeout !== undefined) throw new CommandLineError({ flag: '--wait-timeout', reason: '--wait-timeout needs --wait-replicas N (the replicas to wait for)' });
      return undefined;
    }
    return { replicas: options.waitReplicas, timeoutMs: options.waitTimeout ?? DEFAULT_WAIT_TIMEOUT_MS };
  }

  /**
   * Where Redis is: `--redis-cluster` (with `--cluster-shards`), or
   * `--sentinel` with `--sentinel-name`, else the URL from `--redis` or
   * `REDIS_URL`.
   *
   * @throws CommandLineError when there is none, the flags contradict each other, or the URL is not redis:// or rediss://
   */
  static redisOption(options: ConnectionOptions): RedisConnectionOption {
    if (options.redisCluster !== undefined) {
      if (options.redis !== undefined) throw new CommandLineError({ flag: '--redis-cluster', reason: '--redis-cluster and --redis name two different servers: give one' });
      if (options.sentinel !== undefined || options.sentinelName !== undefined) {
        throw new CommandLineError({ flag: '--redis-cluster', reason: '--redis-cluster and --sentinel name two different set-ups: give one' });
      }
      return options.clusterShards === undefined ? { cluster: options.redisCluster } : { cluster: options.redisCluster, shards: options.clusterShards };
    }
    if (options.clusterShards !== undefined) throw new CommandLineError({ flag: '--cluster-shards', reason: '--cluster-shards needs --redis-cluster host:port,...' });
    if (options.sentinel !== undefined || options.sentinelName !== undefined) {
      if (options.redis !== undefined) throw new CommandLineError({ flag: '--sentinel', reason: '--sentinel and --redis name two different servers: give one' });
      if (options.sentinel === undefined) throw new CommandLineError({ flag: '--sentinel-name', reason: '--sentinel-name needs --sentinel host:port,...' });
      if (options.sentinelName === undefined) throw new CommandLineError({ flag: '--sentinel', reason: '--sentinel needs --sentinel-name NAME (the monitored primary)' });
      return { sentinels: options.sentinel, name: options.sentinelName };
    }
    const redis = options.redis ?? process.env.REDIS_URL;
    if (redis === undefined || redis.length === 0) {
      throw new CommandLineError({ flag: '--redis', reason: 'Missing --redis URL (or the REDIS_URL environment variable), e.g. --redis redis://127.0.0.1:6379' });
    }
    if (!/^rediss?:\/\//.test(redis)) throw new CommandLineError({ flag: '--redis', value: redis, reason: 'expected a redis:// or rediss:// URL' });
    return redis;
  }

  /** The container options the connection options stand for (for commands that build their own container, the worker). */
  static containerOptions(options: ConnectionOptions): TriggersContainerOptions {
    const replication = StorageConnection.replicationOption(options);
    return {
      redis: StorageConnection.redisOption(options),
      prefix: options.prefix,
      operationTimeoutMs: options.operationTimeout,
      ...(replication === undefined ? {} : { replication }),
    };
  }

  /**
   * Builds the container, pings Redis and, on a Cluster, checks the shard count.
   *
   * @throws StorageUnavailableError when Redis does not answer within `--operation-timeout`
   * @throws InvalidStorageSettingsError when `--cluster-shards` differs from the prefix's
   */
  static async open(options: ConnectionOptions): Promise<StorageConnection> {
    const settings = StorageConnection.containerOptions(options);
    const container = createTriggersContainer(settings);
    const connection = new StorageConnection(container, options);
    try {
      const redis = container.get<RedisConnection>(TRIGGERS.RedisConnection);
      await redis.call('', 'ping', (client) => client.ping());
      await redis.assertShardLayout();
    } catch (error) {
      // Stop ioredis's reconnection attempts at once (quitting would wait for them).
      container.get<RedisConnection>(TRIGGERS.RedisConnection).redis.disconnect();
      throw error;
    }
    return connection;
  }

  /** The manager of session `uid` (of registered manager type `manager`, default the container's). */
  manager(uid: string, manager?: string): TriggerManager {
    return getManager(this.container, uid, manager === undefined ? undefined : { manager });
  }

  /**
   * The manager of session `uid`, after checking the storage holds something for it.
   *
   * @throws UnknownSessionError when the session has no configuration and no fired trigger
   */
  async existingSession(uid: string, manager?: string): Promise<TriggerManager> {
    const session = this.manager(uid, manager);
    const [tasks, latest] = await Promise.all([session.storage.readTaskEntries(), session.storage.readLatestKwargs()]);
    if (Object.keys(tasks).length === 0 && Object.keys(latest).length === 0) {
      throw new UnknownSessionError({ uid, prefix: this.options.prefix });
    }
    return session;
  }

  /**
   * Waits for tasks this process runs itself (an instance whose runner is
   * `threading`, scheduled by a replay or fire from here), then closes the
   * container's queues and connection.
   */
  async close(): Promise<void> {
    try {
      if (ThreadingTaskRunner.pendingCount > 0) await ThreadingTaskRunner.joinAll();
    } finally {
      await closeTriggersContainer(this.container);
    }
  }
}
