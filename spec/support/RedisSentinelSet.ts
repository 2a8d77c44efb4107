import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { RedisNode } from '../../src/redis/connection/RedisEndpoint';
import { RestartableRedis, freePort } from './restartableRedis';
import { waitFor } from './waitFor';

/**
 * A Sentinel set-up on loopback for failover tests: one primary, replicas
 * of it and sentinels monitoring it (quorum 2, down after 1 s), every one a
 * private `redis-server` on a free port. {@link killPrimary} crashes the
 * primary; {@link waitForFailover} waits until the sentinels promoted a
 * replica; {@link rejoin} brings a killed server back as a replica.
 */
export class RedisSentinelSet {
  private readonly dir = mkdtempSync(join(tmpdir(), 'triggers-sentinel-'));
  private readonly sentinelProcesses: ChildProcess[] = [];

  private constructor(
    readonly name: string,
    private readonly servers: RestartableRedis[],
    readonly sentinels: RedisNode[],
    private readonly serverArgs: readonly string[],
  ) {}

  /**
   * Starts the primary, `replicas` replicas and `sentinels` sentinels, and
   * waits until every sentinel knows every replica. `serverArgs` go to every
   * data server (e.g. `--appendfsync everysec` in place of the fixture's
   * fsync on every write).
   */
  static async start(options: { replicas?: number; sentinels?: number; name?: string; serverArgs?: string[] } = {}): Promise<RedisSentinelSet> {
    const name = options.name ?? 'triggers-primary';
    const serverArgs = options.serverArgs ?? [];
    // No delay before the full sync a replica starts with (Redis waits 5 s by default for more replicas to join).
    const primary = await RedisSentinelSet.server(['--repl-diskless-sync-delay', '0', ...serverArgs]);
    const replicas: RestartableRedis[] = [];
    for (let i = 0; i < (options.replicas ?? 2); i += 1) {
      replicas.push(await RedisSentinelSet.server(['--replicaof', '127.0.0.1', String(primary.port), '--repl-diskless-sync-delay', '0', ...serverArgs]));
    }
    await waitFor(
      'every replica to be in sync with the primary',
      async () => {
        const redis = new Redis({ host: '127.0.0.1', port: primary.port, lazyConnect: true });
        redis.on('error', () => undefined);
        try {
          await redis.connect();
          const info = await redis.info('replication');
          return (info.match(/state=online/g) ?? []).length === replicas.length;
        } finally {
          redis.disconnect();
        }
      },
      20_000,
    );
    const ports: number[] = [];
    for (let i = 0; i < (options.sentinels ?? 3); i += 1) ports.push(await freePort());
    const set = new RedisSentinelSet(name, [primary, ...replicas], ports.map((port) => ({ host: '127.0.0.1', port })), serverArgs);
    for (const port of ports) set.startSentinel(port, primary.port);
    await waitFor(
      'every sentinel to see every replica',
      async () => (await set.sentinelAnswers((redis) => redis.call('SENTINEL', 'replicas', name))).every((reply) => (reply as unknown[]).length === replicas.length),
      20_000,
    );
    return set;
  }

  /** The port of the current primary, as the first sentinel that answers says. */
  async primaryPort(): Promise<number> {
    const [reply] = await this.sentinelAnswers((redis) => redis.call('SENTINEL', 'get-master-addr-by-name', this.name));
    return Number((reply as string[])[1]);
  }

  /** Crashes the current primary (SIGKILL); returns its port. */
  async killPrimary(): Promise<number> {
    const port = await this.primaryPort();
    const server = this.servers.find((candidate) => candidate.port === port);
    if (server === undefined) throw new Error(`no server of this set on port ${port}`);
    await server.kill();
    return port;
  }

  /** Waits until the sentinels name a primary other than `oldPort` and it accepts writes. */
  async waitForFailover(oldPort: number, timeoutMs = 30_000): Promise<number> {
    let port = oldPort;
    await waitFor(
      `a replica promoted in place of the primary on port ${oldPort}`,
      async () => {
        port = await this.primaryPort().catch(() => oldPort);
        if (port === oldPort) return false;
        const redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        redis.on('error', () => undefined);
        try {
          await redis.connect();
          return ((await redis.call('ROLE')) as unknown[])[0] === 'master';
        } catch {
          return false;
        } finally {
          redis.disconnect();
        }
      },
      timeoutMs,
    );
    return port;
  }

  /**
   * Starts the server on `port` (a killed primary) again as a replica of the
   * current primary, as an operator brings a failed node back, and waits
   * until the primary counts every server of the set as an online replica.
   */
  async rejoin(port: number, timeoutMs = 30_000): Promise<void> {
    const server = this.servers.find((candidate) => candidate.port === port);
    if (server === undefined) throw new Error(`no server of this set on port ${port}`);
    const primary = await this.primaryPort();
    await server.start(['--replicaof', '127.0.0.1', String(primary), '--repl-diskless-sync-delay', '0', ...this.serverArgs]);
    await waitFor(
      `the server on port ${port} back in sync as a replica of ${primary}`,
      async () => {
        const redis = new Redis({ host: '127.0.0.1', port: primary, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        redis.on('error', () => undefined);
        try {
          await redis.connect();
          const info = await redis.info('replication');
          return (info.match(/state=online/g) ?? []).length === this.servers.length - 1;
        } catch {
          return false;
        } finally {
          redis.disconnect();
        }
      },
      timeoutMs,
    );
  }

  /** Stops every process and deletes their data. */
  async stop(): Promise<void> {
    for (const child of this.sentinelProcesses) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(this.servers.map((server) => server.remove()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private static async server(extraArgs: string[]): Promise<RestartableRedis> {
    const server = await RestartableRedis.onFreePort(extraArgs);
    await server.start();
    return server;
  }

  private startSentinel(port: number, primaryPort: number): void {
    const file = join(this.dir, `sentinel-${port}.conf`);
    writeFileSync(
      file,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${this.dir}`,
        `sentinel monitor ${this.name} 127.0.0.1 ${primaryPort} 2`,
        `sentinel down-after-milliseconds ${this.name} 1000`,
        `sentinel failover-timeout ${this.name} 3000`,
        `sentinel parallel-syncs ${this.name} 1`,
        '',
      ].join('\n'),
    );
    this.sentinelProcesses.push(spawn(process.env.REDIS_SERVER_BIN ?? 'redis-server', [file, '--sentinel'], { stdio: 'ignore' }));
  }

  /** What every sentinel answers to `ask` (each through a short-lived connection). */
  private async sentinelAnswers(ask: (redis: Redis) => Promise<unknown>): Promise<unknown[]> {
    return Promise.all(
      this.sentinels.map(async ({ host, port }) => {
        const redis = new Redis({ host, port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        redis.on('error', () => undefined); // a sentinel not up yet: connect() rejects, which the caller's poll handles
        try {
          await redis.connect();
          return await ask(redis);
        } finally {
          redis.disconnect();
        }
      }),
    );
  }
}
