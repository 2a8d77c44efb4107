import type { TriggerManager } from '../../src';

/**
 * Everything stored for the manager's session, as plain JSON: compare two of
 * these to prove that a refused operation saved nothing.
 */
export async function sessionState(manager: TriggerManager): Promise<unknown> {
  return JSON.parse(JSON.stringify(await manager.storage.debugRepr())) as unknown;
}
