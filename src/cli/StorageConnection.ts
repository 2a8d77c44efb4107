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
import { ThreadingTaskRunner } from '../runners/ThreadingTaskRunner';
import { StorageUnreachableError } from './errors/StorageUnreachableError';
import { UnknownSessionError } from './errors/UnknownSessionError';

/**
 * The connection options every command that talks to storage shares. Kept
 * in this one module so that new ways to connect (`--redis-cluster`,
 * `--sentinel`) are added once for every command.
 */
export interface ConnectionOptions {
  redis?: string;
  prefix: string;
  connectTimeout?: number;
}

/** Default of `--connect-timeout`, in ms. */
const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

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
    readonly options: ConnectionOptions & { redis: string },
  ) {}

  /** Adds `--redis`, `--prefix` and (with `ping`) `--connect-timeout` to `command`. */
  static addOptions(command: Command, { ping = true }: { ping?: boolean } = {}): Command {
    command
      .option('--redis <url>', 'Redis URL, redis:// or rediss:// (default: $REDIS_URL)')
      .option('--prefix <prefix>', 'key and queue prefix, as given to createTriggersContainer', 'triggers');
    if (ping) {
      command.addOption(
        new Option('--connect-timeout <ms>', 'how long to wait for Redis to answer before exiting 3')
          .default(DEFAULT_CONNECT_TIMEOUT_MS)
          .argParser(positiveInteger),
      );
    }
    return command;
  }

  /**
   * The Redis URL from `--redis` or `REDIS_URL`.
   *
   * @throws CommandLineError when there is none, or it is not a redis:// or rediss:// URL
   */
  static redisUrl(options: ConnectionOptions): string {
    const redis = options.redis ?? process.env.REDIS_URL;
    if (redis === undefined || redis.length === 0) {
      throw new CommandLineError('Missing --redis URL (or the REDIS_URL environment variable), e.g. --redis redis://127.0.0.1:6379');
    }
    if (!/^rediss?:\/\//.test(redis)) throw new CommandLineError(`--redis ${redis}: expected a redis:// or rediss:// URL`);
    return redis;
  }

  /** The container options the connection options stand for (for commands that build their own container, the worker). */
  static containerOptions(options: ConnectionOptions): TriggersContainerOptions {
    return { redis: StorageConnection.redisUrl(options), prefix: options.prefix };
  }

  /**
   * Builds the container and pings Redis.
   *
   * @throws StorageUnreachableError when Redis does not answer within `--connect-timeout`
   */
  static async open(options: ConnectionOptions): Promise<StorageConnection> {
    const redis = StorageConnection.redisUrl(options);
    const container = createTriggersContainer({ redis, prefix: options.prefix });
    const connection = new StorageConnection(container, { ...options, redis });
    try {
      await connection.ping(options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS);
    } catch (error) {
      // Stop ioredis's reconnection attempts at once (quitting would wait for them).
      container.get<RedisConnection>(TRIGGERS.RedisConnection).redis.disconnect();
      throw error;
    }
    return connection;
  }

  private async ping(timeoutMs: number): Promise<void> {
    const client = this.container.get<RedisConnection>(TRIGGERS.RedisConnection).redis;
    let lastError: string | undefined;
    // ioredis retries in the background and reports each failure as an
    // 'error' event: remember the last one for the message, print none.
    client.on('error', (error: Error) => {
      lastError = error.message;
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      const answer = await Promise.race([client.ping().catch((error: unknown) => error), timedOut]);
      if (answer !== 'PONG') {
        const reason = answer instanceof Error ? answer.message : lastError;
        throw new StorageUnreachableError({ url: redactUrl(this.options.redis), timeoutMs, reason });
      }
    } finally {
      clearTimeout(timer);
    }
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

/** `url` without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
