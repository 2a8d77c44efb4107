import { execFile } from 'node:child_process';
import { createConnection } from 'node:net';
import { RedisServerStartError } from '../errors';
import type { RedisNode } from '../redis/connection/RedisEndpoint';
import { RedisServerProcess, freePort } from './RedisServerProcess';

/**
 * A private Redis Cluster on loopback, for tests, examples and benchmarks:
 * `masters` masters (default 3) with `replicasPerMaster` replicas each
 * (default 0), every node a {@link RedisServerProcess} started with
 * `--cluster-enabled yes`, joined by `redis-cli --cluster create`. Nothing
 * is kept on disk; `stop()` stops every node.
 *
 * ```ts
 * const cluster = await RedisClusterProcess.start();
 * const container = createTriggersContainer({ redis: { cluster: cluster.nodes } });
 * ...
 * await cluster.stop();
 * ```
 */
export class RedisClusterProcess {
  private constructor(private readonly servers: RedisServerProcess[]) {}

  /** Every node, as a Cluster client's seed list. */
  get nodes(): RedisNode[] {
    return this.servers.map((server) => ({ host: '127.0.0.1', port: server.port }));
  }

  /**
   * Starts the nodes, creates the cluster and waits until every node says
   * `cluster_state:ok`.
   *
   * @throws RedisServerStartError when `redis-server` or `redis-cli` is missing, a node does not start, or the cluster is not ok in time
   */
  static async start(options: { masters?: number; replicasPerMaster?: number; timeoutMs?: number } = {}): Promise<RedisClusterProcess> {
    const masters = options.masters ?? 3;
    const replicas = options.replicasPerMaster ?? 0;
    const timeoutMs = options.timeoutMs ?? 30_000;
    const cluster = new RedisClusterProcess([]);
    try {
      for (let i = 0; i < masters * (1 + replicas); i += 1) {
        cluster.servers.push(
          await RedisServerProcess.start({
            port: await freeClusterPort(),
            args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'],
          }),
        );
      }
      await createCluster(cluster.nodes, replicas);
      const deadline = Date.now() + timeoutMs;
      for (const { port } of cluster.nodes) {
        while (!(await clusterInfo(port)).includes('cluster_state:ok')) {
          if (Date.now() > deadline) throw new RedisServerStartError({ port, timeoutMs });
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** The cluster nodes' processes, e.g. to account their CPU. */
  get processes(): readonly RedisServerProcess[] {
    return this.servers;
  }

  /** Stops every node. */
  async stop(): Promise<void> {
    await Promise.all(this.servers.map((server) => server.stop()));
  }
}

/** A free loopback port whose cluster bus port (+10000, so at most 65535) is free too. */
export async function freeClusterPort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    const free = await freePort(port).then(
      () => freePort(port + 10_000).then(() => true),
      () => false,
    ).catch(() => false);
    if (free) return port;
  }
}

/**
 * Joins started `--cluster-enabled` nodes into one cluster with
 * `redis-cli --cluster create` (`replicas` per master).
 *
 * @throws RedisServerStartError when `redis-cli` is missing or refuses
 */
export function createCluster(nodes: RedisNode[], replicas: number): Promise<void> {
  const binary = process.env.REDIS_CLI_BIN ?? 'redis-cli';
  const args = ['--cluster', 'create', ...nodes.map(({ host, port }) => `${host}:${port}`), '--cluster-replicas', String(replicas), '--cluster-yes'];
  return new Promise((resolve, reject) => {
    execFile(binary, args, (error, stdout, stderr) => {
      if (error === null) return resolve();
      const code = (error as NodeJS.ErrnoException).code;
      reject(code === 'ENOENT' ? new RedisServerStartError({ binary }) : new RedisServerStartError({ exitCode: typeof code === 'number' ? code : null, output: `${stdout}${stderr}` }));
    });
  });
}

/** `CLUSTER INFO` of the node on `port` (empty when it does not answer). */
function clusterInfo(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let data = '';
    socket.once('error', () => resolve(''));
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString();
      const header = /^\$(\d+)\r\n/.exec(data);
      if (data.startsWith('-') || (header !== null && data.length >= header[0].length + Number(header[1]))) {
        socket.destroy();
        resolve(data);
      }
    });
    socket.once('connect', () => socket.write('CLUSTER INFO\r\n'));
  });
}
