export { Manager } from './Manager';
export { OperationScope } from './OperationScope';
export { TriggerManager } from './TriggerManager';
export type { FireOptions, SkipOptions, UpdateStatusOptions } from './TriggerManager';
