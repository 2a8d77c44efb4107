export { BaseTaskRunner } from './BaseTaskRunner';
export { Runner } from './Runner';
export { parseTaskJobPayload, payloadFor, storageNameOf } from './TaskJobPayload';
export type { TaskJobPayload } from './TaskJobPayload';
export { ThreadingTaskRunner } from './ThreadingTaskRunner';
