import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

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

  constructor(
    readonly name: string,
    readonly lua: string,
  ) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  /**
   * Runs the script atomically on the server with `keys` and `args`. The
   * `EVALSHA` is sent synchronously (before this returns its promise);
   * `onResent` is called when it had to be re-sent as `EVAL`, i.e. after
   * commands issued in the meantime.
   */
  async run(redis: Redis, keys: readonly string[], args: ReadonlyArray<string | number>, onResent?: () => void): Promise<R> {
    try {
      return (await redis.evalsha(this.sha, keys.length, ...keys, ...args)) as R;
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      onResent?.();
      return (await redis.eval(this.lua, keys.length, ...keys, ...args)) as R;
    }
  }
}
