/**
 * Triggers: run tasks once a set of events has happened, in any order, on
 * any server. Start with `createTriggersContainer()` and `getManager()`.
 *
 * The test helpers are not exported here: they come from the `/testing`
 * entry only, so importing the package registers no ready-made task.
 *
 * @packageDocumentation
 */
import 'reflect-metadata';

export * from './config';
export * from './container';
export * from './dashboard';
export * from './errors';
export * from './inspection';
export * from './logging';
export * from './manager';
export * from './model';
export * from './redis';
export * from './registry';
export * from './runners';
export * from './storage';
export * from './tasks';
export { TelemetryAttributes } from './telemetry';
