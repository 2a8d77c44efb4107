import type { Redis } from 'ioredis';
import { BullMQInternals } from '../bullmq/BullMQInternals';
import type { RedisSettings } from '../connection/RedisSettings';
import { RedisSessionKeys } from '../storage/RedisSessionKeys';
import { startOnFetchScript } from './StartOnFetchScript';
import type { FetchedStart } from './StartOnFetchScript';

/** How many fetched starts are kept at most (each is taken within moments, as its job begins). */
const MAX_KEPT = 10_000;

/** A Redis command argument as BullMQ passes them (its options are msgpack buffers). */
type CommandArgument = string | number | Buffer;

/**
 * Makes the BullMQ scripts that fetch a job on a worker connection —
 * `moveToFinished` (complete a job, fetch the next one) and `moveToActive`
 * (fetch a job for an idle worker) — also start the fetched job's instance
 * ({@link startOnFetchScript}), and keeps what they started by job id until
 * the worker runs that job.
 *
 * BullMQ defines its scripts on the connection once (`defineCommand`, named
 * `<script>:<bullmq version>`) and never redefines one that exists; this
 * class watches that definition on the worker's own connection and puts
 * the wrapped script in its place, built from the very text BullMQ
 * defined. Nothing else of BullMQ's changes: its result is returned
 * unchanged. Which scripts these are, and their key counts, is
 * {@link BullMQInternals}'s to say: none when the installed BullMQ does
 * not match.
 */
export class StartOnFetch {
  private readonly started = new Map<string, FetchedStart>();
  /**
   * By shard: what BullMQ's keys of that shard start with, and what every
   * session key base of that shard starts with. The script starts only a
   * session of the fetched job's own shard: on a Cluster, that is the one
   * whose keys share the slot of the queue's keys.
   */
  private readonly keyHeads: ReadonlyArray<{ readonly bullmqKeyHead: string; readonly sessionKeyHead: string }>;
  private readonly ttlSeconds: number;
  /** The key prefix as JSON text: the script checks a job's id against the instance it would start. */
  private readonly prefixJson: string;

  constructor(settings: RedisSettings) {
    const shards = settings.endpoint.shardsOf(settings.prefix);
    this.keyHeads = shards.all.map((shard) => ({
      bullmqKeyHead: `${shards.bullmqPrefixOf(shard)}:`,
      sessionKeyHead: RedisSessionKeys.keyHead(shards.keyPrefixOf(shard)),
    }));
    this.ttlSeconds = settings.sessionTtlSeconds ?? 0;
    this.prefixJson = JSON.stringify(settings.prefix);
  }

  /** Installs the wrapping on `connection`; call before any BullMQ worker uses it. */
  install(connection: Redis): void {
    const define = connection.defineCommand.bind(connection);
    connection.defineCommand = (name, definition) => {
      define(name, definition);
      const keyCount = BullMQInternals.installed().fetchingKeyCount(name);
      if (keyCount === undefined || definition.numberOfKeys !== keyCount) return;
      const original = (connection as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[name];
      const wrapping = startOnFetchScript(definition.lua);
      // Loaded right away, ahead of its first use on this connection (so never re-sent as EVAL later).
      // Should the wrapped text not load (a BullMQ whose script no longer fits), BullMQ's own is used.
      let usable: boolean | undefined;
      const loaded = wrapping.preload(connection).then(
        () => (usable = true),
        () => (usable = false),
      );
      const run = wrapping.run.bind(wrapping);
      // Called for every job BullMQ fetches: no extra promise once the script is known to be loaded.
      const wrapped = (...args: unknown[]): Promise<unknown> => {
        if (usable === true) return this.fetch(connection, run, keyCount, args.flat() as CommandArgument[], () => original.apply(connection, args));
        if (usable === false) return original.apply(connection, args);
        return loaded.then(() => wrapped(...args));
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

  private fetch(
    connection: Redis,
    run: (redis: Redis, keys: readonly CommandArgument[], args: readonly CommandArgument[]) => Promise<unknown>,
    keyCount: number,
    args: CommandArgument[],
    unwrapped: () => Promise<unknown>,
  ): Promise<unknown> {
    const keys = args.slice(0, keyCount);
    const sessionKeyHead = this.sessionKeyHeadOf(keys[0]);
    // Keys of no shard of this prefix (not expected): BullMQ's own script, as it is.
    if (sessionKeyHead === undefined) return unwrapped();
    const argv = [...args.slice(keyCount), new Date().toISOString(), this.ttlSeconds, sessionKeyHead, this.prefixJson];
    return run(connection, keys, argv).then((result) => this.keep(result));
  }

  /** The session key head of the shard whose BullMQ key `key` is. */
  private sessionKeyHeadOf(key: CommandArgument | undefined): string | undefined {
    const keyHeads = this.keyHeads;
    if (keyHeads.length === 1) return keyHeads[0].sessionKeyHead;
    const text = String(key);
    for (const { bullmqKeyHead, sessionKeyHead } of keyHeads) if (text.startsWith(bullmqKeyHead)) return sessionKeyHead;
    return undefined;
  }

  /** Keeps the start the fetch made, if any, and returns BullMQ's own result. */
  private keep(result: unknown): unknown {
    if (!Array.isArray(result) || result.length < 5) return result;
    const [instance, record, taskEntry, tasksVersion, uidJson] = result[4] as string[];
    // Each job's start is taken as the job begins; one never taken (a job BullMQ fetched and then dropped) goes
    // first when the map is full, and its job, re-delivered, finds the instance running: a lost worker.
    if (this.started.size >= MAX_KEPT) this.started.delete(this.started.keys().next().value as string);
    this.started.set(String(result[1]), { instance, record, taskEntry, tasksVersion, uidJson });
    return result.slice(0, 4);
  }
}
