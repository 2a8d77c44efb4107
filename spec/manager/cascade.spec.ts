import { expect } from 'chai';
import { Task, TriggerTask } from '../../src';
import type { Kwargs } from '../../src';
import { expectInstance, expectUnresolvedTasks } from '../../src/testing';
import { fireAll, newSession } from '../support/fixtures';

/** Returns a fixed result, so dependents can show they received it. */
@TriggerTask({ name: 'MgrSpecCascadeRowsTask' })
class RowsTask extends Task {
  run(): Kwargs {
    return { rows: 3, names: ['a', 'b'] };
  }
}
void RowsTask;

describe('manager: cascades', () => {
  it('fire the finished task’s name with its result as kwargs', async () => {
    const { manager } = await newSession({
      t_import: { after: ['go'], run: 'MgrSpecCascadeRowsTask' },
      t_report: { after: ['t_import'], run: 'PassThruTask' },
    });
    await fireAll(manager, ['go']);
    await expectInstance(manager, 't_import#0').finished({ rows: 3, names: ['a', 'b'] });
    await expectInstance(manager, 't_report#0').finished({ t_import: { rows: 3, names: ['a', 'b'] } });
    expect((await manager.storage.getLatestKwargs()).t_import).to.deep.equal({ rows: 3, names: ['a', 'b'] });
  });

  it('chain: joinAll waits for every cascade', async () => {
    const { manager } = await newSession({
      t_1: { after: ['go'], run: 'PassThruTask' },
      t_2: { after: ['t_1'], run: 'PassThruTask' },
      t_3: { after: ['t_2'], run: 'PassThruTask' },
    });
    await fireAll(manager, [['go', { n: 1 }]]);
    await expectInstance(manager, 't_3#0').finished({ t_2: { t_1: { go: { n: 1 } } } });
    await expectUnresolvedTasks(manager, []);
  });

  it('joins with other triggers in a complex after', async () => {
    const { manager } = await newSession({
      t_1: { after: ['go'], run: 'DevNullTask' },
      t_2: { after: ['t_1', 'extra'], run: 'PassThruTask' },
    });
    await fireAll(manager, ['go']);
    await expectInstance(manager, 't_2#0').unstarted();
    await fireAll(manager, [['extra', { e: 1 }]]);
    await expectInstance(manager, 't_2#0').finished({ t_1: {}, extra: { e: 1 } });
  });

  it('feed an andEvery task once per finished instance', async () => {
    const { manager } = await newSession({
      t_page: { after: [], andEvery: 'page', run: 'PassThruTask' },
      t_perPage: { after: [], andEvery: 't_page', run: 'PassThruTask' },
    });
    await fireAll(manager, [['page', { p: 1 }], ['page', { p: 2 }]]);
    const results = await Promise.all(
      [0, 1].map(async (i) => (await expectInstance(manager, `t_perPage#${i}`).finished()).metadata.result),
    );
    expect(results).to.have.deep.members([{ t_page: { page: { p: 1 } } }, { t_page: { page: { p: 2 } } }]);
  });

  it('do not happen for a failed, skipped-by-itself or abandoned instance', async () => {
    const { manager } = await newSession({
      t_fail: { after: ['go'], run: 'FailingTask' },
      t_skip: { after: ['go'], run: 'SelfSkippingTask' },
      t_abandon: { after: ['go'], unless: ['stop'], run: 'DevNullTask' },
      t_afterFail: { after: ['t_fail'], run: 'PassThruTask' },
      t_afterSkip: { after: ['t_skip'], run: 'PassThruTask' },
      t_afterAbandon: { after: ['t_abandon'], run: 'PassThruTask' },
    });
    await fireAll(manager, ['stop', 'go']);
    await expectInstance(manager, 't_fail#0').failed('DeliberateFailure');
    await expectInstance(manager, 't_skip#0').skipped();
    await expectInstance(manager, 't_abandon#0').abandoned();
    for (const name of ['t_afterFail#0', 't_afterSkip#0', 't_afterAbandon#0']) await expectInstance(manager, name).missing();
    expect(await manager.storage.getLatestKwargs()).to.have.all.keys('stop', 'go');
  });
});
