export { bindTriggerClasses } from './bindTriggerClasses';
export { isNamedBound, resolveNamed } from './resolveNamed';
export { TRIGGERS, managerToken, runnerToken, storageToken, taskToken } from './tokens';
export { TriggerRegistry } from './TriggerRegistry';
export type { Constructor, Registration, RegistryKind } from './TriggerRegistry';
export { DEFAULT_MAX_RETRIES } from './TaskOptions';
export type { ResolvedTaskOptions, TriggerTaskOptions } from './TaskOptions';
