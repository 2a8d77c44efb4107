import { describeFaultScenario } from '../../support/faultSuite/describeFaultScenario';

const seed = Number(process.env.TRIGGERS_FAULT_SEED ?? 31);

/**
 * A Sentinel failover mid-run (docs/guarantees.md, "Failover"): the fault
 * suite's workload fired by producer processes into CLI worker processes
 * over a Sentinel set (1 primary, 2 replicas, 3 sentinels on loopback),
 * every storage write waiting for both replicas (`--wait-replicas 2`). The
 * primary is SIGKILLed twice while producers fire and workers run tasks;
 * each time the sentinels promote a replica, clients follow it, a fire that
 * failed with StorageUnavailableError is retried by its producer under the
 * same idempotency key, and the killed server comes back as a replica.
 * Every session must end as the same fires end in memory, nothing lost,
 * doubled, stuck, or failed with WorkerLostError.
 */
describe('faults: Sentinel primaries killed mid-run', () => {
  describeFaultScenario(
    'the primary SIGKILLed twice while producers fire and workers run tasks, a replica promoted each time',
    {
      seed,
      sessions: 8,
      producers: 2,
      workers: 2,
      concurrency: 3,
      paceMs: 150,
      settleMs: 20_000,
      lockDurationMs: 1000,
      stalledIntervalMs: 500,
      sentinel: true,
      primaryKills: 2,
      redisRestarts: 0,
      workerKills: 0,
      producerKills: 0,
      duplicateBatches: 0,
      forgedBatches: 0,
    },
    90_000,
  );
});
