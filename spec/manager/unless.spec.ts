import { expect } from 'chai';
import { ThreadingTaskRunner, expectInstance, expectUnresolvedTasks } from '../../src/testing';
import { fireAll, newSession } from '../support/fixtures';

describe('manager: unless', () => {
  it('abandons the instance only once all unless triggers fired', async () => {
    const { manager } = await newSession({ t_a: { after: ['go'], unless: ['u1', 'u2'], run: 'PassThruTask' } });
    await fireAll(manager, ['u1']);
    const waiting = await expectInstance(manager, 't_a#0').unstarted();
    expect([...waiting.abandonState]).to.deep.equal(['u1']);
    await fireAll(manager, ['u2']);
    const abandoned = await expectInstance(manager, 't_a#0').abandoned();
    expect([...abandoned.abandonState].sort()).to.deep.equal(['u1', 'u2']);
    expect(abandoned.metadata.timestamps).to.have.property('abandoned');
  });

  it('does not prevent the run when only some unless triggers fired', async () => {
    const { manager } = await newSession({ t_a: { after: ['go'], unless: ['u1', 'u2'], run: 'PassThruTask' } });
    await fireAll(manager, ['u2', ['go', { n: 1 }]]);
    await expectInstance(manager, 't_a#0').finished({ go: { n: 1 } });
  });

  it('completing before after prevents the run for good', async () => {
    const { manager } = await newSession({ t_a: { after: ['go'], unless: ['u'], run: 'PassThruTask' } });
    await fireAll(manager, ['u', 'go', 'go', 'u', 'go']);
    await expectInstance(manager, 't_a#0').abandoned();
    await expectInstance(manager, 't_a#1').missing();
    await expectUnresolvedTasks(manager, []);
  });

  it('completing while the after triggers are half-fired abandons the waiting instance', async () => {
    const { manager } = await newSession({ t_a: { after: ['a', 'b'], unless: ['u'], run: 'PassThruTask' } });
    await fireAll(manager, ['a', 'u', 'b']);
    const abandoned = await expectInstance(manager, 't_a#0').abandoned();
    expect(abandoned.kwargs).to.deep.equal({ a: {} });
    await expectInstance(manager, 't_a#1').missing();
  });

  it('completing after the instance was scheduled changes nothing', async () => {
    const { manager } = await newSession({ t_a: { after: ['go'], unless: ['u'], run: 'PassThruTask' } });
    await manager.fire('go', { n: 1 });
    await manager.fire('u');
    const scheduled = await expectInstance(manager, 't_a#0').scheduled();
    expect([...scheduled.abandonState]).to.deep.equal([]);
    await ThreadingTaskRunner.joinAll();
    await expectInstance(manager, 't_a#0').finished({ go: { n: 1 } });
    await fireAll(manager, ['u']);
    await expectInstance(manager, 't_a#0').finished();
    await expectInstance(manager, 't_a#1').missing();
  });

  it('when both the after and the unless trigger are one trigger, the instance is abandoned', async () => {
    const { manager } = await newSession({ t_a: { after: ['go'], unless: ['go'], run: 'PassThruTask' } });
    await fireAll(manager, ['go']);
    await expectInstance(manager, 't_a#0').abandoned();
  });

  describe('with andEvery', () => {
    const EVERY = { t_each: { after: ['start'], andEvery: 'page', unless: ['stop'], run: 'PassThruTask' } };

    it('abandons waiting instances when the unless completes, and runs none afterwards', async () => {
      const { manager } = await newSession(EVERY);
      await fireAll(manager, [['page', { p: 1 }], ['page', { p: 2 }], 'stop']);
      await expectInstance(manager, 't_each#0').abandoned();
      await expectInstance(manager, 't_each#1').abandoned();
      await fireAll(manager, ['start']);
      await expectInstance(manager, 't_each#2').missing();
    });

    it('starts each new instance with the unless triggers already fired, so it is abandoned at once', async () => {
      const { manager } = await newSession(EVERY);
      await fireAll(manager, [['start', { s: 1 }], ['page', { p: 1 }], 'stop', ['page', { p: 2 }]]);
      await expectInstance(manager, 't_each#0').finished({ start: { s: 1 }, page: { p: 1 } });
      const late = await expectInstance(manager, 't_each#1').abandoned();
      expect([...late.abandonState]).to.deep.equal(['stop']);
      expect(late.kwargs).to.deep.equal({ start: { s: 1 }, page: { p: 2 } });
    });
  });
});
