export { Manager } from './Manager';
export { OperationScope } from './OperationScope';
export { TriggerManager } from './TriggerManager';
export type { SkipOptions, UpdateStatusOptions } from './TriggerManager';
