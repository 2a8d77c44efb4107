import type { Container } from 'inversify';
import type { TriggerManager } from '../manager/TriggerManager';
import type { ManagerFactory, ManagerTypeOptions } from '../manager/ManagerFactory';
import { TRIGGERS } from '../registry/tokens';

/**
 * The manager of session `uid`, of the default (or the given registered)
 * manager and storage types. Cheap: build one per request or per task.
 *
 * ```ts
 * const manager = getManager(container, 'survey-42', { manager: 'finalizing' });
 * await manager.fire('pageReceived', { page: 3 });
 * ```
 */
export function getManager<M extends TriggerManager = TriggerManager>(
  container: Container,
  uid: string,
  options?: ManagerTypeOptions,
): M {
  return container.get<ManagerFactory>(TRIGGERS.ManagerFactory)(uid, options) as M;
}
