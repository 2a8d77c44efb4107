import { Cluster, Redis } from 'ioredis';
import type { ClusterOptions, RedisOptions } from 'ioredis';
import { InvalidStorageSettingsError } from '../../errors';
import { DEFAULT_CLUSTER_SHARDS, MAX_CLUSTER_SHARDS, SessionShards } from '../storage/SessionShards';

/** A `host`/`port` pair, as a Sentinel or Cluster node list names them. */
export interface RedisNode {
  host: string;
  port: number;
}

/** A primary managed by Redis Sentinel: the sentinels to ask and the name they monitor it under. */
export interface RedisSentinelOption {
  sentinels: RedisNode[];
  name: string;
  /** More ioredis options (password, tls, sentinelPassword, db...). */
  options?: RedisOptions;
}

/** A Redis Cluster: some of its nodes (the rest is discovered) and how sessions are spread over it. */
export interface RedisClusterOption {
  cluster: RedisNode[];
  /** ioredis Cluster options (`redisOptions` for password, tls...). */
  options?: ClusterOptions;
  /**
   * Shards each prefix's sessions and queues are spread over (default 16;
   * fixed for the life of the data: see docs/storage.md, "Redis Cluster").
   */
  shards?: number;
}

/**
 * Where Triggers connects (`createTriggersContainer({ redis })`): a
 * `redis://` or `rediss://` URL (or a unix socket path), ioredis options,
 * a Sentinel-managed primary, a Redis Cluster, or an application's own
 * ioredis client or Cluster (whose options are copied: Triggers opens its
 * own connections with them and never closes the application's client).
 */
export type RedisConnectionOption = string | RedisOptions | RedisSentinelOption | RedisClusterOption | Redis | Cluster;

/** The Cluster part of an endpoint: its seed nodes, options and shard count. */
interface ClusterTarget {
  nodes: RedisNode[];
  options: ClusterOptions;
  shards: number;
}

/**
 * One normalised Redis target, shared by the storage connection, the
 * BullMQ queues and the workers of a container, so every client of the
 * container talks to the same server with the same options.
 */
export class RedisEndpoint {
  private constructor(
    /** The URL form, when given as one. */
    private readonly url: string | undefined,
    /** The ioredis options every client starts from. */
    private readonly options: RedisOptions,
    /** Where the connections go, for messages (no password). */
    readonly target: string,
    /** Set for a Redis Cluster. */
    private readonly cluster?: ClusterTarget,
  ) {}

  /** Whether this endpoint is a Redis Cluster. */
  get isCluster(): boolean {
    return this.cluster !== undefined;
  }

  /** How sessions under `prefix` are placed on this endpoint (one shard, or the Cluster's shards). */
  shardsOf(prefix: string): SessionShards {
    return new SessionShards(prefix, this.cluster?.shards);
  }

  /**
   * Normalises a `redis` option.
   *
   * @throws InvalidStorageSettingsError for anything else, naming what was given
   */
  static from(option: unknown): RedisEndpoint {
    if (typeof option === 'string') return RedisEndpoint.fromUrl(option);
    if (option instanceof Redis) return RedisEndpoint.fromOptions({ ...(option.options as RedisOptions) }, 'the given ioredis client');
    if (option instanceof Cluster) {
      const { startupNodes } = option as unknown as { startupNodes: Array<string | number | { host?: string; port?: number | string }> };
      return RedisEndpoint.fromCluster({ cluster: startupNodes.map(nodeOf), options: { ...option.options } });
    }
    if (typeof option !== 'object' || option === null || Array.isArray(option)) {
      throw RedisEndpoint.refused(option, 'must be a redis:// or rediss:// URL, ioredis options, { cluster }, { sentinels, name }, or an ioredis client or Cluster');
    }
    if ('cluster' in option) return RedisEndpoint.fromCluster(option as Partial<RedisClusterOption>);
    if ('sentinels' in option) return RedisEndpoint.fromSentinels(option as Partial<RedisSentinelOption>);
    return RedisEndpoint.fromOptions(option as RedisOptions, 'ioredis options');
  }

  /**
   * A new client of this endpoint with `overrides` on top of its options.
   * It reconnects when a server answers `READONLY` (a primary demoted by a
   * failover), so it finds the new primary; the refused command itself
   * fails (it was not applied).
   */
  client(overrides: RedisOptions): Redis {
    if (this.cluster !== undefined) return this.clusterClient(this.cluster, overrides);
    const options: RedisOptions = { reconnectOnError: reconnectOnReadonly, ...this.options, ...overrides };
    return this.url === undefined ? new Redis(options) : new Redis(this.url, options);
  }

  /**
   * A Cluster client with `overrides` applied to every node connection
   * (`enableAutoPipelining` to the Cluster itself). It follows `MOVED` and
   * `ASK` redirections and refreshes its slot map after a failover.
   * Typed as a `Redis`: the commands Triggers sends (keyed commands,
   * scripts, `multi` within one slot) have the same API on both; code
   * that needs a single node's socket checks `isCluster` first.
   */
  private clusterClient(cluster: ClusterTarget, overrides: RedisOptions): Redis {
    const { enableAutoPipelining, ...nodeOverrides } = overrides;
    const options: ClusterOptions = {
      // A failover takes a few seconds: keep retrying a slot that has no master meanwhile.
      retryDelayOnClusterDown: 100,
      retryDelayOnFailover: 100,
      retryDelayOnTryAgain: 100,
      ...cluster.options,
      ...(enableAutoPipelining === undefined ? {} : { enableAutoPipelining }),
      redisOptions: { ...cluster.options.redisOptions, ...nodeOverrides },
    };
    return new Cluster(cluster.nodes, options) as unknown as Redis;
  }

  /** Connection options for a BullMQ `Queue` or `Worker` that opens its own connections (a Cluster client on a Cluster). */
  bullmqOptions(overrides: RedisOptions): (RedisOptions & { url?: string }) | Cluster {
    if (this.cluster !== undefined) return this.clusterClient(this.cluster, overrides) as unknown as Cluster;
    return this.url === undefined ? { ...this.options, ...overrides } : { ...this.options, ...overrides, url: this.url };
  }

  private static fromUrl(url: string): RedisEndpoint {
    // An empty string silently means "localhost:6379" to ioredis (someone else's Redis); a bare host:port is not a URL.
    if (!/^(rediss?:\/\/|\/)/.test(url)) {
      throw RedisEndpoint.refused(url, 'must be a redis:// or rediss:// URL (or a unix socket path)');
    }
    if (url.startsWith('/')) return new RedisEndpoint(undefined, { path: url }, url);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw RedisEndpoint.refused(url, 'is not a valid URL');
    }
    return new RedisEndpoint(url, {}, `${parsed.hostname || 'localhost'}:${parsed.port || '6379'}`);
  }

  private static fromSentinels(option: Partial<RedisSentinelOption>): RedisEndpoint {
    const { sentinels, name } = option;
    if (!Array.isArray(sentinels) || sentinels.length === 0 || !sentinels.every(isNode)) {
      throw RedisEndpoint.refused(option, '"sentinels" must be a non-empty array of { host, port }');
    }
    if (typeof name !== 'string' || name.length === 0) throw RedisEndpoint.refused(option, '"name" must name the monitored primary');
    if (option.options !== undefined && (typeof option.options !== 'object' || option.options === null)) {
      throw RedisEndpoint.refused(option, '"options" must be ioredis options');
    }
    return new RedisEndpoint(
      undefined,
      { ...option.options, sentinels: sentinels.map(({ host, port }) => ({ host, port })), name },
      `primary "${name}" via sentinels ${sentinels.map(({ host, port }) => `${host}:${port}`).join(',')}`,
    );
  }

  private static fromCluster(option: Partial<RedisClusterOption>): RedisEndpoint {
    const { cluster, options, shards = DEFAULT_CLUSTER_SHARDS } = option;
    if (!Array.isArray(cluster) || cluster.length === 0 || !cluster.every(isNode)) {
      throw RedisEndpoint.refused(option, '"cluster" must be a non-empty array of { host, port }');
    }
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw RedisEndpoint.refused(option, '"options" must be ioredis Cluster options');
    }
    if (!Number.isInteger(shards) || shards < 1 || shards > MAX_CLUSTER_SHARDS) {
      throw RedisEndpoint.refused(option, `"shards" must be a whole number from 1 to ${MAX_CLUSTER_SHARDS}`);
    }
    const nodes = cluster.map(({ host, port }) => ({ host, port }));
    return new RedisEndpoint(undefined, {}, `cluster ${nodes.map(({ host, port }) => `${host}:${port}`).join(',')}`, {
      nodes,
      options: { ...options },
      shards,
    });
  }

  private static fromOptions(options: RedisOptions, what: string): RedisEndpoint {
    const sentinels = options.sentinels;
    if (Array.isArray(sentinels) && sentinels.length > 0) {
      return RedisEndpoint.fromSentinels({ sentinels: sentinels as RedisNode[], name: options.name, options });
    }
    if (options.path !== undefined) return new RedisEndpoint(undefined, options, options.path);
    if (options.port !== undefined && !(Number.isInteger(options.port) && options.port > 0)) {
      throw RedisEndpoint.refused(options, `${what}: "port" must be a positive integer`);
    }
    return new RedisEndpoint(undefined, options, `${options.host ?? 'localhost'}:${options.port ?? 6379}`);
  }

  private static refused(value: unknown, reason: string): InvalidStorageSettingsError {
    return new InvalidStorageSettingsError({
      setting: 'redis',
      value: describeOption(value),
      reason: `createTriggersContainer({ redis }) ${reason}, got ${describeOption(value)}`,
    });
  }
}

/** ioredis `reconnectOnError`: reconnect (without re-sending) when a demoted primary refuses a write. */
function reconnectOnReadonly(error: Error): 1 | false {
  return error.message.startsWith('READONLY') ? 1 : false;
}

/** A Cluster's startup node (`"host:port"`, a port, or `{ host, port }`) as a {@link RedisNode}. */
function nodeOf(node: string | number | { host?: string; port?: number | string }): RedisNode {
  if (typeof node === 'number') return { host: 'localhost', port: node };
  if (typeof node === 'string') {
    const colon = node.lastIndexOf(':');
    return colon < 0 ? { host: node, port: 6379 } : { host: node.slice(0, colon) || 'localhost', port: Number(node.slice(colon + 1)) };
  }
  return { host: node.host ?? 'localhost', port: Number(node.port ?? 6379) };
}

function isNode(value: unknown): value is RedisNode {
  if (typeof value !== 'object' || value === null) return false;
  const { host, port } = value as Partial<RedisNode>;
  return typeof host === 'string' && host.length > 0 && Number.isInteger(port) && (port as number) > 0;
}

/** The option as a message may show it: strings as JSON (a URL's password hidden), objects by their keys. */
function describeOption(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@'));
  if (value === null || typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return 'an array';
  return `{ ${Object.keys(value).join(', ')} }`;
}
