import type { Container } from 'inversify';
import { TriggerRegistry } from './TriggerRegistry';
import type { Registration } from './TriggerRegistry';
import { managerToken, runnerToken, storageToken, taskToken } from './tokens';

const bound = new WeakMap<Container, { revision: number }>();

/**
 * Binds every class registered with `@TriggerTask`, `@Runner`, `@Manager`
 * or `@Storage` that `container` does not know yet. Called when a container
 * is created, and again automatically whenever a name is not found, so
 * classes imported later are picked up. Bindings the user made (or rebound)
 * under the same token are left alone.
 */
export function bindTriggerClasses(container: Container, registry: TriggerRegistry = TriggerRegistry.global): void {
  let state = bound.get(container);
  if (state === undefined) bound.set(container, (state = { revision: -1 }));
  if (state.revision === registry.revision) return;
  for (const registration of [
    ...registry.all('task'),
    ...registry.all('runner'),
    ...registry.all('manager'),
    ...registry.all('storage'),
  ]) {
    const token = tokenOf(registration);
    if (container.isBound(token)) continue;
    const binding = container.bind(token).to(registration.target as never);
    if (registration.kind === 'runner') binding.inSingletonScope();
    else binding.inTransientScope();
  }
  state.revision = registry.revision;
}

function tokenOf(registration: Registration): string {
  switch (registration.kind) {
    case 'task':
      return taskToken(registration.name);
    case 'runner':
      return runnerToken(registration.name);
    case 'manager':
      return managerToken(registration.name);
    case 'storage':
      return storageToken(registration.name);
  }
}
