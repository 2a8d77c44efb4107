import type { Container } from 'inversify';
import { StorageUnavailableError, closeTriggersContainer, createTriggersContainer } from '../../src';
import type { ConnectionLogEntry, TriggersContainerOptions } from '../../src';
import { MemoryLogSink } from '../../src/testing';
import '../../src/testing/tasks';
import { uniquePrefix } from './sharedRedis';

/** A short operation timeout, so outages show within a spec's time. */
export const FAULT_TIMEOUT_MS = 400;

const open: Container[] = [];

/**
 * A container on `url` (Redis storage, in-process runner unless `options`
 * says otherwise) whose connection-health lines are collected in `log`
 * instead of going to stderr. Closed by {@link closeFaultContainers}.
 */
export function faultContainer(
  url: string,
  options: Partial<TriggersContainerOptions> = {},
): { container: Container; prefix: string; log: ConnectionLogEntry[] } {
  const log: ConnectionLogEntry[] = [];
  const prefix = options.prefix ?? uniquePrefix('faults');
  const container = createTriggersContainer({
    defaultRunner: 'threading',
    logSink: new MemoryLogSink(),
    operationTimeoutMs: FAULT_TIMEOUT_MS,
    connectionLog: (entry) => log.push(entry),
    ...options,
    redis: url,
    prefix,
  });
  open.push(container);
  return { container, prefix, log };
}

/** Closes every container {@link faultContainer} opened (call in `afterEach`). */
export async function closeFaultContainers(): Promise<void> {
  await Promise.all(open.splice(0).map((container) => closeTriggersContainer(container)));
}

/** How `promise` settled and after how long: the error it rejected with (undefined if it resolved). */
export async function settleTimed(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await promise;
    return { error: undefined, ms: Date.now() - started };
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
}

/** `operation()`'s result once it stops failing with StorageUnavailableError (other errors fail at once). */
export async function onceAvailable<T>(what: string, operation: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await operation();
    } catch (error) {
      if (!(error instanceof StorageUnavailableError)) throw error;
      if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}: ${error.message}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
