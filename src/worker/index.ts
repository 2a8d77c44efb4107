export { TriggerWorker } from './TriggerWorker';
export type { JobCompletedEvent, JobFailedEvent, TriggerWorkerEvents, TriggerWorkerOptions } from './TriggerWorker';
