export { BaseTaskRunner } from './BaseTaskRunner';
export { Runner } from './Runner';
export { parseTaskJobPayload, payloadFor } from './TaskJobPayload';
export type { TaskJobPayload } from './TaskJobPayload';
export { ThreadingTaskRunner } from './ThreadingTaskRunner';
