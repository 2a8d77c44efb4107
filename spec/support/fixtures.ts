import type { Container } from 'inversify';
import { getManager } from '../../src';
import type { TriggerConfiguration, TriggerManager } from '../../src';
import { ThreadingTaskRunner, createTestContainer } from '../../src/testing';

let sessions = 0;

/**
 * A fresh test container (memory storage, in-process runner) and a manager on
 * a new session (or on `uid`, with the given registered manager and storage types).
 */
export async function newSession(
  config: TriggerConfiguration = {},
  options: { manager?: string; storage?: string; container?: Container; uid?: string } = {},
): Promise<{ container: Container; manager: TriggerManager }> {
  const container = options.container ?? createTestContainer();
  sessions += 1;
  const manager = getManager(container, options.uid ?? `session-${sessions}`, { manager: options.manager, storage: options.storage });
  if (Object.keys(config).length > 0) await manager.updateConfiguration(config);
  return { container, manager };
}

/** Fires each trigger in turn (with its kwargs), then waits for every task and cascade. */
export async function fireAll(manager: TriggerManager, triggers: Array<string | [string, Record<string, unknown>]>): Promise<void> {
  for (const item of triggers) {
    const [trigger, kwargs] = typeof item === 'string' ? [item, {}] : item;
    await manager.fire(trigger, kwargs);
  }
  await ThreadingTaskRunner.joinAll();
}
