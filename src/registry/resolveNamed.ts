import type { Container } from 'inversify';
import { UnknownManagerError, UnknownRunnerError, UnknownStorageError, UnknownTaskError } from '../errors';
import type { TriggersError } from '../errors';
import { TriggerRegistry } from './TriggerRegistry';
import type { RegistryKind } from './TriggerRegistry';
import { bindTriggerClasses } from './bindTriggerClasses';
import { managerToken, runnerToken, storageToken, taskToken } from './tokens';

const TOKEN: Record<RegistryKind, (name: string) => string> = {
  task: taskToken,
  runner: runnerToken,
  manager: managerToken,
  storage: storageToken,
};

const ERROR: Record<RegistryKind, (name: unknown, known: readonly string[], context?: string) => TriggersError> = {
  task: (task, known, context) => new UnknownTaskError({ task, known, context }),
  runner: (runner, known, context) => new UnknownRunnerError({ runner, known, context }),
  manager: (manager, known, context) => new UnknownManagerError({ manager, known, context }),
  storage: (storage, known, context) => new UnknownStorageError({ storage, known, context }),
};

/** Whether `kind` `name` can be resolved from `container` (binding late registrations first). */
export function isNamedBound(container: Container, kind: RegistryKind, name: string): boolean {
  const token = TOKEN[kind](name);
  if (container.isBound(token)) return true;
  bindTriggerClasses(container);
  return container.isBound(token);
}

/**
 * Resolves the class registered (or rebound) as `kind` `name`.
 *
 * Only registered names resolve: this is the single door through which a
 * name from a configuration or a job payload becomes code.
 *
 * @throws UnknownTaskError | UnknownRunnerError | UnknownManagerError | UnknownStorageError
 */
export function resolveNamed<T>(container: Container, kind: RegistryKind, name: unknown, context = ''): T {
  if (typeof name !== 'string' || !isNamedBound(container, kind, name)) {
    throw ERROR[kind](name, TriggerRegistry.global.names(kind), context || undefined);
  }
  return container.get<T>(TOKEN[kind](name));
}
