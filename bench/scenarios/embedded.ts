import { ThreadingTaskRunner, getManager } from '../../src';
import type { TriggerConfiguration } from '../../src';
import { createTestContainer } from '../../src/testing';
import type { BenchContext } from '../support/BenchContext';
import { target } from '../support/BenchReport';
import type { ScenarioResult } from '../support/BenchReport';

/** Ten tasks: nine joins `after [a_i, b_i]` and one `andEvery tick`, all run by the no-op task. */
function tenTaskSession(): TriggerConfiguration {
  const config: TriggerConfiguration = {};
  for (let i = 0; i < 9; i += 1) config[`t_join${i}`] = { after: [`a${i}`, `b${i}`], run: 'DevNullTask' };
  config.t_every = { after: [], andEvery: 'tick', run: 'DevNullTask' };
  return config;
}

/** A chain `t_0 after go`, `t_i after t_(i-1)`. */
export function chainConfiguration(length: number, run: string): TriggerConfiguration {
  const config: TriggerConfiguration = {};
  for (let i = 0; i < length; i += 1) config[`t_${i}`] = { after: [i === 0 ? 'go' : `t_${i - 1}`], run };
  return config;
}

/**
 * Embedded mode (memory storage, in-process runner): fires per second that
 * schedule nothing, fires per second that each create and complete a task,
 * and the latency of one cascade hop along a chain.
 */
export async function embeddedScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const { harness, sizes } = ctx;
  const container = createTestContainer();
  let session = 0;
  const newSession = async (config: TriggerConfiguration) => {
    const manager = getManager(container, `embedded-${(session += 1)}`);
    await manager.updateConfiguration(config);
    return manager;
  };

  const noSchedule = await harness.measure(
    'embedded fires (schedule nothing)',
    [{ id: 'embedded.fire.noSchedule', label: 'embedded fire, schedules nothing', unit: 'fires/s', direction: 'higher' }],
    async () => {
      const manager = await newSession(tenTaskSession());
      for (let i = 0; i < 9; i += 1) await manager.fire(`a${i}`);
      const n = sizes.embeddedFires;
      const start = performance.now();
      for (let i = 0; i < n; i += 1) await manager.fire(`a${i % 9}`, { n: i });
      const seconds = (performance.now() - start) / 1000;
      const unresolved = await manager.storage.getUnresolvedInstances();
      if (unresolved.length !== 9) throw new Error(`expected 9 unstarted joins, found ${unresolved.length}`);
      return { 'embedded.fire.noSchedule': n / seconds };
    },
  );

  const complete = await harness.measure(
    'embedded fires (each completes a task)',
    [{ id: 'embedded.fire.completeTask', label: 'embedded fire, runs a task to completion', unit: 'fires/s', direction: 'higher' }],
    async () => {
      const manager = await newSession(tenTaskSession());
      const n = Math.round(sizes.embeddedFires / 4);
      const start = performance.now();
      for (let i = 0; i < n; i += 1) await manager.fire('tick', { n: i });
      await ThreadingTaskRunner.joinAll();
      const seconds = (performance.now() - start) / 1000;
      const last = await manager.storage.getInstance(`t_every#${n - 1}`);
      if (last.status !== 'finished') throw new Error(`t_every#${n - 1} is ${last.status}, expected finished`);
      return { 'embedded.fire.completeTask': n / seconds };
    },
  );

  const chain = await harness.measure(
    'embedded cascade chain',
    [{ id: 'embedded.cascade.hop', label: 'embedded cascade hop', unit: 'ms/hop', direction: 'lower' }],
    async () => {
      const length = sizes.chainLength;
      const manager = await newSession(chainConfiguration(length, 'DevNullTask'));
      const start = performance.now();
      await manager.fire('go');
      await ThreadingTaskRunner.joinAll();
      const ms = performance.now() - start;
      const last = await manager.storage.getInstance(`t_${length - 1}#0`);
      if (last.status !== 'finished') throw new Error(`chain end is ${last.status}`);
      return { 'embedded.cascade.hop': ms / length };
    },
  );

  const measurements = [...noSchedule, ...complete, ...chain];
  return {
    measurements,
    targets: [target('embedded', 'embedded fires/s (schedule nothing) >= 50,000', noSchedule[0].median, '>=', 50_000, 'fires/s')],
  };
}
