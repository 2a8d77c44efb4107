export { errorTypeName, failureMetadata } from './failureMetadata';
export { RetryRequest } from './RetryRequest';
export type { RetryOptions } from './RetryRequest';
export { SkipRequest } from './SkipRequest';
export { Task } from './Task';
export { TaskContext } from './TaskContext';
export { TaskExecutor } from './TaskExecutor';
export { DEFAULT_MAX_RETRIES, TriggerTask } from './TriggerTask';
export type { ResolvedTaskOptions, TriggerTaskOptions } from './TriggerTask';
