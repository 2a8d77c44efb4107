import { join } from 'node:path';

/** Compiled paths of the benchmark's worker processes. */
export const WORKER_SCRIPTS = {
  rawBullmq: join(__dirname, '..', 'workers', 'rawBullmqWorker.js'),
  triggers: join(__dirname, '..', 'workers', 'triggersWorker.js'),
};
