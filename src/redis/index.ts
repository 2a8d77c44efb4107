/**
 * The Redis and BullMQ wing: the only part of Triggers that imports
 * `ioredis` or `bullmq`. Everything outside it speaks to the storage and
 * runner contracts (`StorageBackend`, `BaseTaskRunner`).
 */
export { BullMQTaskRunner } from './bullmq/BullMQTaskRunner';
export { DEFAULT_QUEUE } from './bullmq/BullMQRunnerOptions';
export type { BullMQRunnerOptions } from './bullmq/BullMQRunnerOptions';
export type { QueueRouter } from './bullmq/QueueRouter';
export { bullmqConnection, bullmqPrefix } from './connection/bullmqConnection';
export { ConnectionHealth } from './connection/ConnectionHealth';
export type { ConnectionLog, ConnectionLogEntry } from './connection/ConnectionHealth';
export { RedisConnection } from './connection/RedisConnection';
export type { RedisSettings } from './connection/RedisSettings';
export { RedisSessionKeys } from './storage/RedisSessionKeys';
export { RedisStorageBackend } from './storage/RedisStorageBackend';
export { TriggerWorker } from './worker/TriggerWorker';
export type { JobCompletedEvent, JobFailedEvent, TriggerWorkerEvents, TriggerWorkerOptions } from './worker/TriggerWorker';
export { RedisEndpoint } from './connection/RedisEndpoint';
export type { RedisClusterOption, RedisConnectionOption, RedisNode, RedisSentinelOption } from './connection/RedisEndpoint';
export type { ReplicationWait } from './connection/RedisSettings';
export type { ReconcileReport } from './worker/InstanceReconciler';
export { RedisDirectory } from './storage/RedisDirectory';
