import { expect } from 'chai';
import { getManager } from '../../src';
import type { Kwargs } from '../../src';
import { ThreadingTaskRunner, expectInstance, expectUnresolvedInstances } from '../../src/testing';
import type { Container } from 'inversify';
import { newSession } from '../support/fixtures';
import { closeRedisContainers, redisTestContainer } from '../support/redisContainers';

const N = 50;
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

const STORAGES: Array<[string, () => Promise<Container | undefined>]> = [
  ['memory', async () => undefined],
  ['redis', () => redisTestContainer()],
];

for (const [storage, makeContainer] of STORAGES) describe(`manager: concurrent operations on one session (${storage} storage)`, () => {
  afterEach(closeRedisContainers);

  const storageSession = async (config: Parameters<typeof newSession>[0]) => newSession(config, { container: await makeContainer() });
  it(`${N} concurrent andEvery firings create ${N} instances with the right kwargs and lose nothing`, async () => {
    const { manager } = await storageSession({ t_each: { after: ['start'], andEvery: 'page', run: 'PassThruTask' } });
    await manager.fire('start', { s: 1 });
    await Promise.all(range(N).map((i) => manager.fire('page', { i })));
    await ThreadingTaskRunner.joinAll();
    const instances = await manager.storage.instancesOfTask('t_each');
    expect(instances.map((i) => i.name)).to.deep.equal(range(N).map((i) => `t_each#${i}`));
    const pages = instances.map((instance) => {
      expect(instance.status).to.equal('finished');
      expect(instance.metadata.result).to.deep.equal(instance.kwargs);
      expect(instance.kwargs.start).to.deep.equal({ s: 1 });
      return (instance.kwargs.page as Kwargs).i as number;
    });
    expect([...pages].sort((a, b) => a - b)).to.deep.equal(range(N));
    // The latest kwargs are those of the firing that took the lock last, i.e. the one that created the last instance.
    expect((await manager.storage.getLatestKwargs()).page).to.deep.equal(instances[N - 1].kwargs.page);
    await expectUnresolvedInstances(manager, []);
  });

  it(`${N} concurrent firings of distinct after triggers run the one-shot task exactly once, with every kwargs`, async () => {
    const triggers = range(N).map((i) => `trigger${i}`);
    const { manager } = await storageSession({ t_all: { after: triggers, run: 'PassThruTask' } });
    await Promise.all(triggers.map((trigger, i) => manager.fire(trigger, { i })));
    await ThreadingTaskRunner.joinAll();
    const expected = Object.fromEntries(triggers.map((trigger, i) => [trigger, { i }]));
    await expectInstance(manager, 't_all#0').finished(expected);
    await expectInstance(manager, 't_all#1').missing();
    const latest = await manager.storage.getLatestKwargs();
    for (const [trigger, kwargs] of Object.entries(expected)) expect(latest[trigger]).to.deep.equal(kwargs);
  });

  it(`${N} concurrent firings of one trigger through separate managers of the session run a one-shot task once`, async () => {
    const { container, manager } = await storageSession({ t_once: { after: ['go'], run: 'PassThruTask' } });
    const uid = manager.storage.uid;
    await Promise.all(range(N).map((i) => getManager(container, uid).fire('go', { i })));
    await ThreadingTaskRunner.joinAll();
    const instances = await manager.storage.getInstances();
    expect(instances).to.have.length(1);
    expect(instances[0].status).to.equal('finished');
  });

  it('concurrent fires, replays and skips on one session keep every change', async () => {
    const { manager } = await storageSession({
      t_fail: { after: [], andEvery: 'go', run: 'FailingTask' },
      t_next: { after: [], andEvery: 't_fail', run: 'PassThruTask' },
    });
    await Promise.all(range(10).map((i) => manager.fire('go', { i })));
    await ThreadingTaskRunner.joinAll();
    await Promise.all([
      ...range(5).map((i) => manager.replayFailedInstance(`t_fail#${i}`)),
      ...range(5).map((i) => manager.skipFailedInstance(`t_fail#${i + 5}`, { cascade: true, result: { skipped: i + 5 } })),
      ...range(5).map((i) => manager.fire('go', { extra: i })),
    ]);
    await ThreadingTaskRunner.joinAll();
    for (const i of range(5)) await expectInstance(manager, `t_fail#${i}`).replayed();
    for (const i of range(5)) await expectInstance(manager, `t_fail#${i + 5}`).skipped();
    // 10 originals + 5 replay clones + 5 new firings
    expect(await manager.storage.instancesOfTask('t_fail')).to.have.length(20);
    const skippedResults = (await manager.storage.instancesOfTask('t_next')).map((i) => i.metadata.result);
    expect(skippedResults).to.have.length(5);
    expect(skippedResults).to.have.deep.members(range(5).map((i) => ({ t_fail: { skipped: i + 5 } })));
  });
});
