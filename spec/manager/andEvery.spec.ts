import { expect } from 'chai';
import { ThreadingTaskRunner, expectInstance, expectUnresolvedInstances } from '../../src/testing';
import { fireAll, newSession } from '../support/fixtures';

const RESPONSES = { t_responses: { after: ['t_subject'], andEvery: 'page', run: 'PassThruTask' } };

describe('manager: andEvery', () => {
  it('creates a new instance for each firing once the after triggers fired, each with its own kwargs', async () => {
    const { manager } = await newSession(RESPONSES);
    await fireAll(manager, [['t_subject', { id: 7 }], ['page', { p: 1 }], ['page', { p: 2 }], ['page', { p: 3 }]]);
    await expectInstance(manager, 't_responses#0').finished({ t_subject: { id: 7 }, page: { p: 1 } });
    await expectInstance(manager, 't_responses#1').finished({ t_subject: { id: 7 }, page: { p: 2 } });
    await expectInstance(manager, 't_responses#2').finished({ t_subject: { id: 7 }, page: { p: 3 } });
    await expectInstance(manager, 't_responses#3').missing();
  });

  it('creates an instance per firing while the other after triggers are missing, and runs them all when they arrive', async () => {
    const { manager } = await newSession(RESPONSES);
    await fireAll(manager, [['page', { p: 1 }], ['page', { p: 2 }]]);
    expect((await expectInstance(manager, 't_responses#0').unstarted()).kwargs).to.deep.equal({ page: { p: 1 } });
    expect((await expectInstance(manager, 't_responses#1').unstarted()).kwargs).to.deep.equal({ page: { p: 2 } });
    await fireAll(manager, [['t_subject', { id: 1 }]]);
    await expectInstance(manager, 't_responses#0').finished({ page: { p: 1 }, t_subject: { id: 1 } });
    await expectInstance(manager, 't_responses#1').finished({ page: { p: 2 }, t_subject: { id: 1 } });
    await expectInstance(manager, 't_responses#2').missing();
  });

  it('does not create an instance when the firing applied to an existing one', async () => {
    const { manager } = await newSession({ t_pair: { after: ['a'], andEvery: 'e', run: 'PassThruTask' } });
    // The first firing of `a` creates #0 (a task with no instance always gets one).
    await fireAll(manager, [['a', { n: 1 }]]);
    await expectInstance(manager, 't_pair#0').unstarted();
    // `e` applies to #0 (which lacks it): no new instance.
    await fireAll(manager, [['e', { p: 1 }]]);
    await expectInstance(manager, 't_pair#0').finished({ a: { n: 1 }, e: { p: 1 } });
    await expectInstance(manager, 't_pair#1').missing();
    // Now nothing waits for `e`: the next firing creates #1.
    await fireAll(manager, [['e', { p: 2 }]]);
    await expectInstance(manager, 't_pair#1').finished({ a: { n: 1 }, e: { p: 2 } });
  });

  it('does not create an instance for a firing of one of its other after triggers', async () => {
    const { manager } = await newSession(RESPONSES);
    await fireAll(manager, [['t_subject', { id: 1 }], ['page', { p: 1 }], ['t_subject', { id: 2 }], ['t_subject', { id: 3 }]]);
    expect((await manager.storage.instancesOfTask('t_responses')).map((i) => i.name)).to.deep.equal(['t_responses#0']);
  });

  it('copies the latest kwargs of the other after triggers into a new instance', async () => {
    const { manager } = await newSession({ t_each: { after: ['a', 'b'], andEvery: 'e', run: 'PassThruTask' } });
    await fireAll(manager, [['a', { n: 1 }], ['b', { m: 1 }], ['e', { p: 1 }]]);
    await expectInstance(manager, 't_each#0').finished({ a: { n: 1 }, b: { m: 1 }, e: { p: 1 } });
    // Later firings of `a` apply to no instance but update its latest kwargs...
    await fireAll(manager, [['a', { n: 2 }], ['e', { p: 2 }]]);
    // ...which the next instance starts with.
    await expectInstance(manager, 't_each#1').finished({ a: { n: 2 }, b: { m: 1 }, e: { p: 2 } });
  });

  it('with an empty after, runs once per firing', async () => {
    const { manager } = await newSession({ t_every: { after: [], andEvery: 'tick', run: 'PassThruTask' } });
    await fireAll(manager, [['tick', { i: 0 }], ['tick', { i: 1 }], ['tick', { i: 2 }]]);
    for (const i of [0, 1, 2]) await expectInstance(manager, `t_every#${i}`).finished({ tick: { i } });
    await expectUnresolvedInstances(manager, []);
  });

  it('keeps creating instances for firings while earlier ones are still scheduled', async () => {
    const { manager } = await newSession({ t_every: { after: [], andEvery: 'tick', run: 'PassThruTask' } });
    await manager.fire('tick', { i: 0 });
    await manager.fire('tick', { i: 1 });
    await expectInstance(manager, 't_every#0').scheduled();
    await expectInstance(manager, 't_every#1').scheduled();
    await ThreadingTaskRunner.joinAll();
    await expectInstance(manager, 't_every#1').finished({ tick: { i: 1 } });
  });
});
