import type { BenchContext } from '../support/BenchContext';
import type { ScenarioResult } from '../support/BenchReport';
import { embeddedScenario } from './embedded';
import { historyScenario } from './history';
import { hotSessionScenario } from './hotSession';

/** A named benchmark scenario. */
export interface Scenario {
  name: string;
  description: string;
  run: (ctx: BenchContext) => Promise<ScenarioResult>;
}

/** Every scenario, in report order. */
export const SCENARIOS: Scenario[] = [
  { name: 'embedded', description: 'memory storage + in-process runner', run: embeddedScenario },
  { name: 'history', description: 'Redis fire latency vs resolved instances in the session', run: historyScenario },
  { name: 'hot', description: '50 concurrent firers on one Redis session', run: hotSessionScenario },
];
