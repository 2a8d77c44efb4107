import { RedisServerProcess } from '../../src/testing';

let server: Promise<RedisServerProcess> | undefined;

/**
 * The suite's private `redis-server` (started on first use, on a free port,
 * stopped after the whole run). Specs namespace their keys with a unique
 * prefix, so they never need to flush anything.
 */
export function sharedRedis(): Promise<RedisServerProcess> {
  server ??= RedisServerProcess.start();
  return server;
}

/** Stops the shared server if it was started. */
export async function stopSharedRedis(): Promise<void> {
  if (server === undefined) return;
  const started = server;
  server = undefined;
  await (await started.catch(() => undefined))?.stop();
}

let counter = 0;

/** A key prefix no other spec uses in this run. */
export function uniquePrefix(label = 'spec'): string {
  counter += 1;
  return `t${process.pid}-${label}-${counter}`;
}
