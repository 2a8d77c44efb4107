import type { BenchContext } from '../support/BenchContext';
import type { ScenarioResult } from '../support/BenchReport';
import { cascadeHopScenario } from './cascadeHop';
import { clusterScenario } from './cluster';
import { embeddedScenario } from './embedded';
import { handRolledScenario } from './handRolled';
import { historyScenario } from './history';
import { hotSessionScenario } from './hotSession';
import { reconcileScenario } from './reconcile';
import { throughputScenario } from './throughput';

/** A named benchmark scenario. */
export interface Scenario {
  name: string;
  description: string;
  run: (ctx: BenchContext) => Promise<ScenarioResult>;
  /** Run only when named in `BENCH_ONLY` (not part of the default run). */
  optIn?: boolean;
}

/** Every scenario, in report order. */
export const SCENARIOS: Scenario[] = [
  { name: 'embedded', description: 'memory storage + in-process runner', run: embeddedScenario },
  { name: 'cascade', description: 'cascade hop across a worker process vs raw BullMQ chain', run: cascadeHopScenario },
  { name: 'throughput', description: '3-task workflows in many sessions vs raw BullMQ, concurrency 50', run: throughputScenario },
  { name: 'handrolled', description: 'join of A and B: Triggers vs a Redis set + BullMQ by hand', run: handRolledScenario },
  { name: 'history', description: 'Redis fire latency vs resolved instances in the session', run: historyScenario },
  { name: 'hot', description: '50 concurrent firers on one Redis session', run: hotSessionScenario },
  { name: 'reconcile', description: "the worker's reconciliation pass over N unresolved instances", run: reconcileScenario },
  { name: 'cluster', description: 'throughput and cascade hop: 3-master Redis Cluster beside the single node', run: clusterScenario, optIn: true },
];
