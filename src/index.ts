/**
 * Triggers: run tasks once a set of events has happened, in any order, on
 * any server. Start with `createTriggersContainer()` and `getManager()`.
 *
 * As API.md says, everything is exported from here, the test helpers
 * included (they are also the whole of `triggers/testing`). They need no
 * test framework; importing them registers the five ready-made tasks
 * (`PassThruTask`, `DevNullTask`, `FailingTask`, `SelfSkippingTask`,
 * `SelfRetryingTask`) by those names.
 *
 * @packageDocumentation
 */
import 'reflect-metadata';

export * from './config';
export * from './container';
export * from './errors';
export * from './logging';
export * from './manager';
export * from './model';
export * from './runners';
export * from './storage';
export * from './tasks';
export * from './worker';
export {
  DeliberateFailure,
  DevNullTask,
  FailingTask,
  InstanceExpectation,
  PassThruTask,
  RedisServerProcess,
  SelfRetryingTask,
  SelfSkippingTask,
  createTestContainer,
  expectInstance,
  expectUnresolvedInstances,
  expectUnresolvedTasks,
} from './testing';
