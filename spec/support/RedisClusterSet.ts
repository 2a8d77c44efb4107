import { Redis } from 'ioredis';
import type { RedisNode } from '../../src/redis/connection/RedisEndpoint';
import { createCluster, freeClusterPort } from '../../src/testing/RedisClusterProcess';
import { RestartableRedis } from './restartableRedis';
import { waitFor } from './waitFor';

/**
 * A Redis Cluster on loopback for cluster and failover tests: `masters`
 * masters with `replicasPerMaster` replicas each, every one a private
 * `redis-server --cluster-enabled yes` on a free port (its own folder and
 * `nodes.conf`), joined by `redis-cli --cluster create`. Node timeout 1 s,
 * so {@link killMaster} followed by {@link waitForFailover} sees a replica
 * promoted within a few seconds. Never touches the shared Redis on 6379.
 */
export class RedisClusterSet {
  private constructor(private readonly servers: RestartableRedis[]) {}

  /** Starts the nodes, creates the cluster and waits until every node says it is ok and every replica is in sync. */
  /**
   * `fsyncAlways`: every write on disk before its reply (`appendfsync
   * always`), for specs that restart a killed node from its own data;
   * otherwise `everysec` (a revived master loses its last second, which
   * does not matter where a replica took over).
   */
  static async start(options: { masters?: number; replicasPerMaster?: number; fsyncAlways?: boolean } = {}): Promise<RedisClusterSet> {
    const masters = options.masters ?? 3;
    const replicas = options.replicasPerMaster ?? 1;
    const servers: RestartableRedis[] = [];
    const set = new RedisClusterSet(servers);
    try {
      for (let i = 0; i < masters * (1 + replicas); i += 1) {
        const server = RestartableRedis.onPort(await freeClusterPort(), [
          ...['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '1000'],
          // A replica may always take over (however long its link was down), and syncs at once.
          ...['--cluster-replica-validity-factor', '0', '--repl-diskless-sync-delay', '0', '--appendfsync', options.fsyncAlways === true ? 'always' : 'everysec'],
        ]);
        servers.push(server);
      }
      await Promise.all(servers.map((server) => server.start()));
      await createCluster(set.nodes, replicas);
      await set.waitUntilHealthy(30_000);
    } catch (error) {
      await set.stop();
      throw error;
    }
    return set;
  }

  /** Every node, as a Cluster client's seed list. */
  get nodes(): RedisNode[] {
    return this.servers.map((server) => ({ host: '127.0.0.1', port: server.port }));
  }

  /** The ports of the nodes that are masters now (as the first live node's `CLUSTER NODES` says). */
  async masterPorts(): Promise<number[]> {
    const lines = await this.clusterNodes();
    return lines.filter((line) => line.flags.includes('master') && !line.flags.includes('fail')).map((line) => line.port);
  }

  /** The port of a live master that still has a live replica (one a failover can replace). */
  async masterWithReplica(): Promise<number> {
    const text = await this.nodesText();
    const lines = text.trim().split('\n').map((line) => line.split(' '));
    const alive = (flags: string): boolean => !flags.split(',').some((flag) => flag === 'fail' || flag === 'fail?');
    for (const [id, address, flags] of lines) {
      if (!flags.includes('master') || !alive(flags)) continue;
      if (lines.some((other) => other[3] === id && alive(other[2]))) return Number(/:(\d+)@/.exec(address)?.[1]);
    }
    throw new Error('no master with a live replica');
  }

  /** Crashes a master (SIGKILL; the first one unless `port` is given); returns its port. */
  async killMaster(port?: number): Promise<number> {
    const target = port ?? (await this.masterPorts())[0];
    const server = this.servers.find((candidate) => candidate.port === target);
    if (server === undefined) throw new Error(`no node of this cluster on port ${target}`);
    await server.kill();
    this.dead.add(target);
    return target;
  }

  /** Waits until a replica took over every slot of the master on `oldPort` and every live node says the cluster is ok. */
  async waitForFailover(oldPort: number, timeoutMs = 30_000): Promise<void> {
    await waitFor(
      `a replica promoted in place of the master on port ${oldPort}`,
      async () => {
        const lines = await this.clusterNodes();
        const old = lines.find((line) => line.port === oldPort);
        return old !== undefined && old.flags.includes('fail') && !old.flags.includes('fail?') && (await this.everyNodeOk());
      },
      timeoutMs,
    );
  }

  /**
   * Starts a killed node again (same port, data and `nodes.conf`), as a
   * supervisor would, and waits until every node says the cluster is ok
   * and every replica is in sync (a master whose slots a replica took over
   * rejoins as that replica's replica: see {@link waitForReplica}).
   */
  async revive(port: number, timeoutMs = 30_000): Promise<void> {
    const server = this.servers.find((candidate) => candidate.port === port);
    if (server === undefined) throw new Error(`no node of this cluster on port ${port}`);
    await server.start();
    this.dead.delete(port);
    await this.waitUntilHealthy(timeoutMs);
  }

  /** Waits until the node on `port` is a replica (a revived master whose slots a replica took over). */
  async waitForReplica(port: number, timeoutMs = 30_000): Promise<void> {
    await waitFor(
      `the node on port ${port} to be a replica`,
      async () => /role:slave/.test(await ask(port, (redis) => redis.info('replication'))),
      timeoutMs,
    );
  }

  /** Stops every node and deletes their data. */
  async stop(): Promise<void> {
    await Promise.all(this.servers.map((server) => server.remove()));
  }

  private readonly dead = new Set<number>();

  private get live(): RestartableRedis[] {
    return this.servers.filter((server) => !this.dead.has(server.port));
  }

  private async waitUntilHealthy(timeoutMs: number): Promise<void> {
    await waitFor('every cluster node to say cluster_state:ok', () => this.everyNodeOk(), timeoutMs);
    await waitFor(
      'every replica to be in sync with its master',
      async () => {
        const infos = await Promise.all(this.live.map((server) => ask(server.port, (redis) => redis.info('replication'))));
        return infos.every((info) => !/role:slave/.test(info) || /master_link_status:up/.test(info));
      },
      timeoutMs,
    );
  }

  private async everyNodeOk(): Promise<boolean> {
    const infos = await Promise.all(this.live.map((server) => ask(server.port, (redis) => redis.call('CLUSTER', 'INFO') as Promise<string>)));
    return infos.every((info) => info.includes('cluster_state:ok'));
  }

  private async nodesText(): Promise<string> {
    const [first] = this.live;
    if (first === undefined) throw new Error('no live node');
    return ask(first.port, (redis) => redis.call('CLUSTER', 'NODES') as Promise<string>);
  }

  private async clusterNodes(): Promise<Array<{ port: number; flags: string[] }>> {
    const text = await this.nodesText();
    return text
      .trim()
      .split('\n')
      .map((line) => {
        const [, address, flags] = line.split(' ');
        return { port: Number(/:(\d+)@/.exec(address)?.[1]), flags: flags.split(',') };
      });
  }
}

/** `question` asked of the node on `port` through a short-lived connection. */
async function ask<T>(port: number, question: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await question(redis);
  } finally {
    redis.disconnect();
  }
}
