import type { BenchContext } from '../support/BenchContext';
import type { ScenarioResult } from '../support/BenchReport';
import { embeddedScenario } from './embedded';

/** A named benchmark scenario. */
export interface Scenario {
  name: string;
  description: string;
  run: (ctx: BenchContext) => Promise<ScenarioResult>;
}

/** Every scenario, in report order. */
export const SCENARIOS: Scenario[] = [
  { name: 'embedded', description: 'memory storage + in-process runner', run: embeddedScenario },
];
