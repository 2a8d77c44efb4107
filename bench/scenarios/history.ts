import { TaskStatus, closeTriggersContainer, createTriggersContainer, getManager } from '../../src';
import type { TriggerConfiguration, TriggerManager } from '../../src';
import { format } from '../harness';
import type { Measurement } from '../harness';
import type { BenchContext } from '../support/BenchContext';
import { compare, target } from '../support/BenchReport';
import type { HistoryPoint, ScenarioResult } from '../support/BenchReport';
import '../tasks';

/** A 10-task session whose `t_hist` creates an instance on every `h` (accepted by a runner that runs nothing). */
function historyConfiguration(): TriggerConfiguration {
  const config: TriggerConfiguration = { t_hist: { after: [], andEvery: 'h', run: 'BenchNoopTask', using: 'bench-accept' } };
  for (let i = 0; i < 9; i += 1) config[`t_other${i}`] = { after: [`a${i}`, 'h'], run: 'BenchNoopTask', using: 'bench-accept' };
  return config;
}

/** Writes `count` finished instances of `t_hist` through the backend's transaction API, in batches. */
async function buildHistory(manager: TriggerManager, count: number): Promise<void> {
  const batch = 500;
  for (let done = 0; done < count; done += batch) {
    await manager.storage.withLock(async (tx) => {
      const config = await tx.task('t_hist');
      for (let i = done; i < Math.min(count, done + batch); i += 1) {
        const instance = await tx.createInstance(config);
        instance.kwargs = { h: { n: i } };
        instance.setStatus(TaskStatus.Finished);
        tx.put(instance);
      }
    });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * History independence: the latency of one `fire` on Redis storage in
 * sessions holding 10, 1,000 and 10,000 resolved instances. Each fire
 * creates an instance of an `andEvery` task and schedules it (the runner
 * accepts and drops it, so only Triggers' own work is timed). Each
 * repetition times `historyFires` sequential fires per size, sizes
 * interleaved, and reports the median fire.
 */
export async function historyScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const { historySizes, historyFires } = ctx.sizes;
  const container = createTriggersContainer({ redis: ctx.redisUrl, prefix: 'bench-history', defaultRunner: 'bench-accept' });
  try {
    const managers = new Map<number, TriggerManager>();
    for (const size of historySizes) {
      const manager = getManager(container, `history-${size}`);
      await manager.updateConfiguration(historyConfiguration());
      await buildHistory(manager, size);
      for (let i = 0; i < 9; i += 1) await manager.fire(`a${i}`);
      managers.set(size, manager);
      ctx.log(`  built history of ${size.toLocaleString('en-US')} resolved instances`);
    }
    const metrics = historySizes.map((size) => ({
      id: `redis.fire.history${size}`,
      label: `Redis fire, ${size.toLocaleString('en-US')} resolved instances`,
      unit: 'ms/fire',
      direction: 'lower' as const,
    }));
    const measurements: Measurement[] = await ctx.harness.measure('fire latency vs history', metrics, async () => {
      const perFire = new Map<number, number[]>(historySizes.map((s) => [s, []]));
      for (let i = 0; i < historyFires; i += 1) {
        for (const size of historySizes) {
          const manager = managers.get(size) as TriggerManager;
          const start = performance.now();
          await manager.fire('h', { i });
          perFire.get(size)?.push(performance.now() - start);
        }
      }
      return Object.fromEntries(historySizes.map((size) => [`redis.fire.history${size}`, median(perFire.get(size) ?? [])]));
    });

    const largest = managers.get(historySizes[historySizes.length - 1]) as TriggerManager;
    const counted = await ctx.probe.count(() => largest.fire('h', { probe: true }));
    ctx.log(`  one fire on the largest session: ${counted.client} client commands, ${counted.scripted} inside scripts (${JSON.stringify(counted.byCommand)})`);

    const history: HistoryPoint[] = measurements.map((m, i) => ({ size: historySizes[i], medianMs: m.median, minMs: m.min, maxMs: m.max }));
    const ratio = measurements[measurements.length - 1].median / measurements[0].median;
    ctx.log(`  history ratio ${format(ratio)}`);
    return {
      measurements,
      history,
      comparisons: [
        compare(
          'history',
          `fire latency, ${historySizes[historySizes.length - 1].toLocaleString('en-US')} vs ${historySizes[0]} resolved instances`,
          measurements[measurements.length - 1],
          measurements[0],
          'lower is better; 1.0 means history costs nothing',
        ),
      ],
      targets: [target('history', `history ratio (${historySizes[historySizes.length - 1].toLocaleString('en-US')} vs ${historySizes[0]}) <= 1.2`, ratio, '<=', 1.2, 'x')],
      roundTrips: { 'Redis fire (andEvery task, schedules one instance)': { client: counted.client, scripted: counted.scripted, ...counted.byCommand } },
    };
  } finally {
    await closeTriggersContainer(container);
  }
}
