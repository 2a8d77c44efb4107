import { expect } from 'chai';
import { InvalidConfigurationError } from '../../src';
import type { TriggerConfiguration } from '../../src';
import { expectInstance, expectUnresolvedTasks } from '../../src/testing';
import { fireAll, newSession } from '../support/fixtures';
import { expectRejection } from '../support/rejection';
import { sessionState } from '../support/sessionState';

async function entries(manager: { storage: { getTasks(): Promise<Record<string, { toEntry(): unknown }>> } }): Promise<Record<string, unknown>> {
  const tasks = await manager.storage.getTasks();
  return Object.fromEntries(Object.entries(tasks).map(([name, task]) => [name, task.toEntry()]));
}

describe('manager: updateConfiguration', () => {
  it('saves the task entries as given, extras included', async () => {
    const config: TriggerConfiguration = {
      t_a: { after: ['a'], run: 'PassThruTask', withParams: { a: { x: 1 } }, owner: 'data-team' },
      t_b: { after: [], andEvery: 'e', unless: ['u'], run: 'DevNullTask', using: 'threading' },
    };
    const { manager } = await newSession(config);
    expect(await entries(manager)).to.deep.equal(config);
    expect((await manager.storage.getTasks()).t_a.extras).to.deep.equal({ owner: 'data-team' });
  });

  it('merges by task name: new names are added, existing ones replaced whole, others kept', async () => {
    const { manager } = await newSession({
      t_a: { after: ['a'], run: 'PassThruTask' },
      t_b: { after: ['b'], unless: ['u'], run: 'PassThruTask', priority: 1 },
    });
    await manager.updateConfiguration({
      t_b: { after: ['b2'], run: 'DevNullTask' },
      t_c: { after: ['c'], run: 'PassThruTask' },
    });
    expect(await entries(manager)).to.deep.equal({
      t_a: { after: ['a'], run: 'PassThruTask' },
      t_b: { after: ['b2'], run: 'DevNullTask' },
      t_c: { after: ['c'], run: 'PassThruTask' },
    });
    const tasks = await manager.storage.getTasks();
    expect([...tasks.t_b.unless]).to.deep.equal([]);
    expect(tasks.t_b.extras).to.deep.equal({});
  });

  it('does not replay previously fired triggers against new tasks', async () => {
    const { manager } = await newSession({});
    await fireAll(manager, [['go', { n: 1 }]]);
    await manager.updateConfiguration({ t_late: { after: ['go'], run: 'PassThruTask' } });
    await expectInstance(manager, 't_late#0').missing();
    await expectUnresolvedTasks(manager, ['t_late']);
    // A later firing creates the instance; its own kwargs are the new ones.
    await fireAll(manager, [['go', { n: 2 }]]);
    await expectInstance(manager, 't_late#0').finished({ go: { n: 2 } });
  });

  it('lets a new task use the latest kwargs of earlier triggers once one of its triggers fires', async () => {
    const { manager } = await newSession({});
    await fireAll(manager, [['a', { n: 1 }]]);
    await manager.updateConfiguration({ t_late: { after: ['a', 'b'], run: 'PassThruTask' } });
    await fireAll(manager, [['b', { m: 1 }]]);
    await expectInstance(manager, 't_late#0').finished({ a: { n: 1 }, b: { m: 1 } });
  });

  it('makes existing instances follow the task’s current configuration: a failed one replays with the new run', async () => {
    const { manager } = await newSession({ t_a: { after: ['go'], run: 'FailingTask' } });
    await fireAll(manager, [['go', { n: 1 }]]);
    await expectInstance(manager, 't_a#0').failed('DeliberateFailure');
    await manager.updateConfiguration({ t_a: { after: ['go'], run: 'PassThruTask' } });
    expect((await manager.storage.getInstance('t_a#0')).config.run).to.equal('PassThruTask');
    await manager.replayFailedInstance('t_a#0');
    await fireAll(manager, []);
    await expectInstance(manager, 't_a#1').finished({ go: { n: 1 } });
  });

  it('makes a waiting instance follow the new after', async () => {
    const { manager } = await newSession({ t_a: { after: ['a', 'b'], run: 'PassThruTask' } });
    await fireAll(manager, [['a', { n: 1 }]]);
    await manager.updateConfiguration({ t_a: { after: ['a', 'c'], run: 'PassThruTask' } });
    await fireAll(manager, ['b']);
    await expectInstance(manager, 't_a#0').unstarted();
    await fireAll(manager, [['c', { k: 1 }]]);
    await expectInstance(manager, 't_a#0').finished({ a: { n: 1 }, c: { k: 1 } });
  });

  describe('refuses invalid configuration with InvalidConfigurationError naming task and directive, saving nothing', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const cases: Array<[string, unknown, string]> = [
      ['missing after', { run: 'PassThruTask' }, 'after'],
      ['missing run', { after: ['x'] }, 'run'],
      ['after not an array of strings', { after: ['x', 1], run: 'PassThruTask' }, 'after'],
      ['withParams not an object of objects', { after: ['x'], withParams: { x: 'p' }, run: 'PassThruTask' }, 'withParams'],
      ['andEvery not a string', { after: ['x'], andEvery: ['e'], run: 'PassThruTask' }, 'andEvery'],
      ['empty after without andEvery', { after: [], run: 'PassThruTask' }, 'after'],
      ['unknown runner in using', { after: ['x'], using: 'MgrSpecConfigNoSuchRunner', run: 'PassThruTask' }, 'using'],
      ['a non-JSON value (Date)', { after: ['x'], run: 'PassThruTask', withParams: { x: { d: new Date(0) } } }, 'withParams'],
      ['a non-JSON value (function)', { after: ['x'], run: 'PassThruTask', hook: () => 1 }, 'hook'],
      ['a non-JSON value (cycle)', { after: ['x'], run: 'PassThruTask', extra: cyclic }, 'circular'],
    ];
    for (const [what, entry, directive] of cases) {
      it(what, async () => {
        const { manager } = await newSession({ t_old: { after: ['x'], run: 'DevNullTask' } });
        await fireAll(manager, ['y']);
        const before = await sessionState(manager);
        const config = { t_old: { after: ['z'], run: 'PassThruTask' }, t_new: { after: ['x'], run: 'PassThruTask' }, t_bad: entry };
        await expectRejection(manager.updateConfiguration(config as TriggerConfiguration), InvalidConfigurationError, 't_bad', directive);
        expect(await sessionState(manager)).to.deep.equal(before);
        expect(Object.keys(await manager.storage.getTasks())).to.deep.equal(['t_old']);
      });
    }

    it('a configuration that is not an object', async () => {
      const { manager } = await newSession({ t_old: { after: ['x'], run: 'DevNullTask' } });
      const before = await sessionState(manager);
      await expectRejection(manager.updateConfiguration([] as unknown as TriggerConfiguration), InvalidConfigurationError);
      expect(await sessionState(manager)).to.deep.equal(before);
    });
  });
});
