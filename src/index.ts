/**
 * Triggers: run tasks once a set of events has happened, in any order, on
 * any server. Start with `createTriggersContainer()` and `getManager()`.
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
