/**
 * Test helpers for applications built on Triggers (import from
 * `triggers-ts/testing`): an in-process test container, ready-made tasks,
 * assertions on instances that read fresh state, and a private Redis.
 */
import 'reflect-metadata';

export { ThreadingTaskRunner } from '../runners/ThreadingTaskRunner';
export { MemoryLogSink } from '../logging/MemoryLogSink';
export { createTestContainer } from './createTestContainer';
export { InstanceExpectation, expectInstance, expectUnresolvedInstances, expectUnresolvedTasks } from './expectInstance';
export { DeliberateFailure, DevNullTask, FailingTask, PassThruTask, SelfRetryingTask, SelfSkippingTask } from './tasks';
export { RedisServerProcess } from './RedisServerProcess';
export { RedisClusterProcess } from './RedisClusterProcess';
