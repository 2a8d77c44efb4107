export { closeTriggersContainer } from './closeTriggersContainer';
export { createTriggersContainer } from './createTriggersContainer';
export type { TriggersContainerOptions } from './createTriggersContainer';
export { getManager } from './getManager';
