import type { FaultScenarioOptions } from '../../support/faultSuite/FaultScenario';
import { describeFaultScenario } from '../../support/faultSuite/describeFaultScenario';

const seed = Number(process.env.TRIGGERS_FAULT_SEED ?? 11);

const common: Omit<FaultScenarioOptions, 'redisRestarts' | 'workerKills' | 'producerKills' | 'duplicateBatches' | 'forgedBatches' | 'seed'> = {
  sessions: 12,
  producers: 2,
  workers: 2,
  concurrency: 3,
  paceMs: 300,
  settleMs: 20_000,
  lockDurationMs: 1000,
  stalledIntervalMs: 500,
};

/**
 * The fault suite, short and seeded (`npm run soak` runs it longer; the
 * seed can be set with TRIGGERS_FAULT_SEED): CLI workers and producer
 * processes over a private Redis with its append-only file. The control
 * run has duplicate deliveries and forged jobs but no process dies, so
 * every check must pass there whatever the release; the chaos run adds
 * Redis restarts and SIGKILLed workers and producers. See
 * docs/guarantees.md.
 */
describe('faults: the fault suite', () => {
  describeFaultScenario('control: duplicate deliveries and forged jobs, nobody dies', {
    ...common,
    seed,
    sessions: 8,
    paceMs: 150,
    redisRestarts: 0,
    workerKills: 0,
    producerKills: 0,
    duplicateBatches: 2,
    forgedBatches: 1,
  });

  describeFaultScenario('chaos: Redis restarted (AOF), workers and producers SIGKILLed mid-stream, duplicates, forged jobs', {
    ...common,
    seed: seed + 1,
    redisRestarts: 3,
    workerKills: 4,
    producerKills: 2,
    duplicateBatches: 2,
    forgedBatches: 1,
  });
});
