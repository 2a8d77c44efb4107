export { StartOnFetch } from './StartOnFetch';
export { TriggerWorker } from './TriggerWorker';
export type { JobCompletedEvent, JobFailedEvent, TriggerWorkerEvents, TriggerWorkerOptions } from './TriggerWorker';
