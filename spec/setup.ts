/**
 * Loaded by mocha before every spec (see .mocharc.json): reflect-metadata
 * first, and root hooks that stop the private Redis if a spec started it.
 */
import 'reflect-metadata';
import { stopSharedRedis } from './support/sharedRedis';

export const mochaHooks = {
  async afterAll(): Promise<void> {
    await stopSharedRedis();
  },
};
