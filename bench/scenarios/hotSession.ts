import { closeTriggersContainer, createTriggersContainer, getManager } from '../../src';
import type { TriggerManager } from '../../src';
import type { Container } from 'inversify';
import type { BenchContext } from '../support/BenchContext';
import { target } from '../support/BenchReport';
import type { ScenarioResult } from '../support/BenchReport';
import '../tasks';

/**
 * Hot session: 50 concurrent firers on one Redis session, each firing
 * `hit` (an `andEvery` task: one new instance per fire, accepted by a runner
 * that runs nothing). Two variants: the 50 firers share one container (one
 * process, one connection), or each has its own container and connection,
 * so they contend through Redis exactly like 50 processes. Every run checks
 * that every fire was applied: one instance per fire, each with its own
 * kwargs.
 */
export async function hotSessionScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const { hotFirers, hotFiresEach } = ctx.sizes;
  const total = hotFirers * hotFiresEach;
  const containers: Container[] = Array.from({ length: hotFirers }, () =>
    createTriggersContainer({ redis: ctx.redisUrl, prefix: 'bench-hot', defaultRunner: 'bench-accept' }),
  );
  const config = { t_hot: { after: [], andEvery: 'hit', run: 'BenchNoopTask' } };

  const runHot = async (uid: string, managers: TriggerManager[]): Promise<number> => {
    await managers[0].updateConfiguration(config);
    const start = performance.now();
    await Promise.all(
      managers.map(async (manager, firer) => {
        for (let i = 0; i < hotFiresEach; i += 1) await manager.fire('hit', { firer, i });
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    await verify(managers[0], uid);
    return total / seconds;
  };

  const verify = async (manager: TriggerManager, uid: string): Promise<void> => {
    const instances = await manager.storage.instancesOfTask('t_hot');
    const seen = new Set(instances.map((instance) => JSON.stringify(instance.kwargs.hit)));
    if (instances.length !== total || seen.size !== total) {
      throw new Error(`hot session ${uid}: ${total} fires gave ${instances.length} instances with ${seen.size} distinct kwargs`);
    }
  };

  try {
    let run = 0;
    const measured = await ctx.harness.measure(
      `${hotFirers} firers x ${hotFiresEach} fires on one session`,
      [
        { id: 'redis.hot.separate', label: `hot session, ${hotFirers} firers with own connections (as processes)`, unit: 'fires/s', direction: 'higher' },
        { id: 'redis.hot.shared', label: `hot session, ${hotFirers} firers sharing one container`, unit: 'fires/s', direction: 'higher' },
      ],
      async () => {
        run += 1;
        const separateUid = `hot-separate-${run}`;
        const separate = await runHot(separateUid, containers.map((c) => getManager(c, separateUid)));
        const sharedUid = `hot-shared-${run}`;
        const shared = await runHot(sharedUid, containers.map(() => getManager(containers[0], sharedUid)));
        return { 'redis.hot.separate': separate, 'redis.hot.shared': shared };
      },
      {},
    );
    return {
      measurements: measured,
      targets: [target('hot', `hot session (${hotFirers} firers, own connections) >= 2,000 fires/s`, measured[0].median, '>=', 2_000, 'fires/s')],
    };
  } finally {
    await Promise.all(containers.map((c) => closeTriggersContainer(c)));
  }
}
