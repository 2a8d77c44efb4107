import type { Redis } from 'ioredis';
import type { RedisSettings } from '../container/RedisSettings';
import { startOnFetchScript } from '../storage/StartOnFetchScript';
import type { FetchedStart } from '../storage/StartOnFetchScript';

/** How many fetched starts are kept at most (each is taken within moments, as its job begins). */
const MAX_KEPT = 10_000;

/** A Redis command argument as BullMQ passes them (its options are msgpack buffers). */
type CommandArgument = string | number | Buffer;

/**
 * Makes a worker connection's `moveToFinished` — the BullMQ script that
 * completes a job and fetches the worker's next one — also start the
 * fetched job's instance ({@link startOnFetchScript}), and keeps what it
 * started by job id until the worker runs that job.
 *
 * BullMQ defines its scripts on the connection once (`defineCommand`, named
 * `<script>:<bullmq version>`) and never redefines one that exists; this
 * class watches that definition on the worker's own connection and puts
 * the wrapped script in its place, built from the very text BullMQ
 * defined. Nothing else of BullMQ's changes: its result is returned
 * unchanged.
 */
export class StartOnFetch {
  private readonly started = new Map<string, FetchedStart>();

  constructor(private readonly settings: RedisSettings) {}

  /** Installs the wrapping on `connection`; call before any BullMQ worker uses it. */
  install(connection: Redis): void {
    const define = connection.defineCommand.bind(connection);
    connection.defineCommand = (name, definition) => {
      define(name, definition);
      if (!name.startsWith('moveToFinished:') || definition.numberOfKeys !== 14) return;
      const original = (connection as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[name];
      const script = startOnFetchScript(definition.lua);
      // Loaded right away, ahead of its first use on this connection (so never re-sent as EVAL later).
      // Should the wrapped text not load (a BullMQ whose script no longer fits), BullMQ's own is used.
      const loaded = connection.script('LOAD', script.lua).then(
        () => true,
        () => false,
      );
      const wrapped = async (...args: unknown[]): Promise<unknown> => {
        if (!(await loaded)) return original.apply(connection, args);
        return this.moveToFinished(connection, script.run.bind(script), args.flat() as CommandArgument[]);
      };
      Object.assign(connection, { [name]: wrapped });
    };
  }

  /** Takes what the fetch of job `jobId` started, if anything (once). */
  take(jobId: string): FetchedStart | undefined {
    if (this.started.size === 0) return undefined;
    const start = this.started.get(jobId);
    if (start !== undefined) this.started.delete(jobId);
    return start;
  }

  private async moveToFinished(
    connection: Redis,
    run: (redis: Redis, keys: readonly CommandArgument[], args: readonly CommandArgument[]) => Promise<unknown>,
    args: CommandArgument[],
  ): Promise<unknown> {
    const result = await run(connection, args.slice(0, 14), [
      ...args.slice(14),
      new Date().toISOString(),
      this.settings.sessionTtlSeconds ?? 0,
      `${this.settings.prefix}:{`,
    ]);
    if (!Array.isArray(result) || result.length < 5) return result;
    const [instance, record, taskEntry, tasksVersion] = result[4] as string[];
    // Each job's start is taken as the job begins; one never taken (a job BullMQ fetched and then dropped) goes
    // first when the map is full, and its job, re-delivered, finds the instance running: a lost worker.
    if (this.started.size >= MAX_KEPT) this.started.delete(this.started.keys().next().value as string);
    this.started.set(String(result[1]), { instance, record, taskEntry, tasksVersion });
    return result.slice(0, 4);
  }
}
