import { createHash } from 'node:crypto';
import { Command } from 'ioredis';
import type { Cluster, Redis } from 'ioredis';
import type { ComposedLua } from '../lua/ComposedLua';
import { LuaScriptLoader } from '../lua/LuaScriptLoader';

/**
 * A Lua script run with `EVALSHA`, falling back to `EVAL` (which also caches
 * it on the server) when the server does not know it yet.
 *
 * Used instead of ioredis's `defineCommand` because, with auto-pipelining,
 * that one re-sends the whole script text in every pipeline batch.
 */
export class RedisScript<R> {
  /** SHA-1 of the script text (its name in the server's script cache). */
  readonly sha: string;

  /**
   * @param source where the text was composed from, if from files: a Lua
   *   error Redis reports at a line of the text then also names the file
   *   and line it comes from
   */
  constructor(
    readonly name: string,
    readonly lua: string,
    private readonly source?: ComposedLua,
  ) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  /** The command `name` of the shipped `.lua` files ({@link LuaScriptLoader}), with the text of its placeholders. */
  static load<R>(name: string, inserts?: Readonly<Record<string, string>>): RedisScript<R> {
    return RedisScript.from<R>(LuaScriptLoader.shared.compose(name, inserts));
  }

  /** The script of a composed command. */
  static from<R>(composed: ComposedLua): RedisScript<R> {
    return new RedisScript<R>(composed.name, composed.text, composed);
  }

  /**
   * Runs the script atomically on the server with `keys` and `args`. The
   * `EVALSHA` is sent synchronously (before this returns its promise);
   * `onResent` is called when it had to be re-sent as `EVAL`, i.e. after
   * commands issued in the meantime.
   */
  run(redis: Redis, keys: ReadonlyArray<string | Buffer | number>, args: ReadonlyArray<string | number | Buffer>, onResent?: () => void): Promise<R> {
    // Not an async function: every script call of the framework goes through here, and a `then` is one
    // promise where an async frame with an await is several.
    let sent: Promise<unknown>;
    try {
      sent = RedisScript.evalsha(redis, [this.sha, keys.length, ...keys, ...args]);
    } catch (error) {
      return Promise.reject(error);
    }
    return sent.then(
      (reply) => reply as R,
      (error: unknown) => {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw this.located(error);
        onResent?.();
        return (redis.eval(this.lua, keys.length, ...keys, ...args) as Promise<R>).catch((failure: unknown) => {
          throw this.located(failure);
        });
      },
    );
  }

  /**
   * Puts the script in the server's cache ahead of its first run, so that
   * its `EVALSHA` is not answered `NOSCRIPT` (and re-sent as `EVAL`, behind
   * commands issued meanwhile). On a Cluster client `SCRIPT LOAD` goes to
   * one node only: the script is loaded on every node (replicas too, a
   * replica promoted by a failover then knows it; scripts are not
   * replicated), on each node the client adds later, and on every node
   * again whenever its connection is ready anew (a restarted node has an
   * empty cache). Resolves once every master has it, or at once on a
   * Cluster client not connected yet (its nodes load it when ready).
   */
  async preload(redis: Redis): Promise<void> {
    if (!redis.isCluster) {
      await redis.script('LOAD', this.lua);
      return;
    }
    const cluster = redis as unknown as Cluster;
    const watched = new WeakSet<Redis>();
    const load = (node: Redis): Promise<unknown> => node.script('LOAD', this.lua);
    const watch = (node: Redis): void => {
      if (watched.has(node)) return;
      watched.add(node);
      node.on('ready', () => void load(node).catch(() => undefined));
    };
    cluster.on('+node', (node: Redis) => {
      watch(node);
      if (node.status === 'ready') void load(node).catch(() => undefined);
    });
    for (const node of cluster.nodes('all')) watch(node);
    // Not connected yet (or in an outage): each node loads it when its connection is ready.
    if (cluster.status !== 'ready') return;
    for (const node of cluster.nodes('slave')) void load(node).catch(() => undefined);
    await Promise.all(cluster.nodes('master').map(load));
  }

  /** `error` with its message naming the file and line of the script a Lua error points at, when known. */
  private located(error: unknown): unknown {
    if (this.source !== undefined && error instanceof Error) error.message = this.source.explain(error.message);
    return error;
  }

  /**
   * Holds the connection's writes back until the microtasks queued now have
   * run (`process.nextTick`), then sends them in one socket write. Callers
   * that settle together (50 producers whose replies arrived in one read,
   * a worker's finishes) then cost one write syscall instead of one each,
   * and no event-loop turn is added.
   * Returns `send(redis)`; does nothing extra on a connection not ready,
   * nor on a Cluster client (it has one socket per node).
   */
  static corkedUntilMicrotasksRan<T>(redis: Redis, send: (redis: Redis) => T): T {
    if (redis.status !== 'ready' || redis.isCluster) return send(redis);
    const stream = redis.stream;
    stream.cork();
    try {
      return send(redis);
    } finally {
      process.nextTick(() => stream.uncork());
    }
  }

  /**
   * `EVALSHA`, written now (corked until the microtasks ran, see
   * {@link corkedUntilMicrotasksRan}) when the connection has no
   * auto-pipeline batch waiting, else appended to that batch.
   * Auto-pipelining defers every write to the next `setImmediate` so that
   * commands issued together share one socket write: worth it under load,
   * but a lone command (a worker's start, then its finish) pays an
   * event-loop turn of latency and CPU for nothing (bench/README.md has the
   * figures). With no batch waiting, writing now cannot overtake anything:
   * order is kept. A Cluster client routes the `EVALSHA` by its first key,
   * through its own auto-pipelines.
   */
  private static evalsha(redis: Redis, args: Array<string | number | Buffer>): Promise<unknown> {
    if (!redis.isCluster && redis.options.enableAutoPipelining === true && redis.autoPipelineQueueSize === 0 && redis.status === 'ready') {
      return RedisScript.corkedUntilMicrotasksRan(redis, (ready) => ready.sendCommand(new Command('evalsha', args, { replyEncoding: 'utf8' })) as Promise<unknown>);
    }
    return redis.evalsha(args[0] as string, args[1] as number, ...args.slice(2));
  }
}
