export { RetryRequest } from './RetryRequest';
export type { RetryOptions } from './RetryRequest';
export { SkipRequest } from './SkipRequest';
export { Task } from './Task';
export { TaskContext } from './TaskContext';
export { TaskExecutor } from './TaskExecutor';
export type { ExecutionHooks } from './TaskExecutor';
export { TriggerTask } from './TriggerTask';
