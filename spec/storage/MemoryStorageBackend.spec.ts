import { expect } from 'chai';
import { InvalidKwargsError, MemoryStorageBackend, getManager } from '../../src';
import { createTestContainer, expectInstance } from '../../src/testing';
import { fireAll, newSession } from '../support/fixtures';
import { expectRejection } from '../support/rejection';

describe('storage: MemoryStorageBackend', () => {
  it("is the test container's storage, registered as 'memory'", async () => {
    const { manager } = await newSession();
    expect(manager.storage).to.be.instanceOf(MemoryStorageBackend);
  });

  describe('keeps serialized copies', () => {
    it('mutating the kwargs object after fire changes nothing stored', async () => {
      const { manager } = await newSession({ t_a: { after: ['a', 'b'], run: 'PassThruTask' } });
      const kwargs = { nested: { n: 1 }, list: [1] };
      await manager.fire('a', kwargs);
      kwargs.nested.n = 99;
      kwargs.list.push(2);
      expect((await manager.storage.getInstance('t_a#0')).kwargs).to.deep.equal({ a: { nested: { n: 1 }, list: [1] } });
      expect((await manager.storage.getLatestKwargs()).a).to.deep.equal({ nested: { n: 1 }, list: [1] });
      await fireAll(manager, ['b']);
      await expectInstance(manager, 't_a#0').finished({ a: { nested: { n: 1 }, list: [1] }, b: {} });
    });

    it('mutating a loaded instance changes nothing stored', async () => {
      const { manager } = await newSession({ t_a: { after: ['a', 'b'], run: 'DevNullTask' } });
      await manager.fire('a', { n: 1 });
      const loaded = await manager.storage.getInstance('t_a#0');
      loaded.status = 'finished';
      (loaded.kwargs.a as { n: number }).n = 2;
      loaded.metadata.note = 'local';
      loaded.abandonState.add('x');
      const fresh = await manager.storage.getInstance('t_a#0');
      expect(fresh).not.to.equal(loaded);
      expect(fresh.status).to.equal('unstarted');
      expect(fresh.kwargs).to.deep.equal({ a: { n: 1 } });
      expect(fresh.metadata).not.to.have.property('note');
      expect([...fresh.abandonState]).to.deep.equal([]);
    });

    it('mutating the configuration object after updateConfiguration changes nothing stored', async () => {
      const { manager } = await newSession();
      const config = { t_a: { after: ['go'], run: 'PassThruTask', withParams: { go: { p: 1 } } } };
      await manager.updateConfiguration(config);
      config.t_a.after.push('other');
      config.t_a.withParams.go.p = 2;
      const stored = (await manager.storage.getTasks()).t_a;
      expect([...stored.after]).to.deep.equal(['go']);
      expect(stored.withParams).to.deep.equal({ go: { p: 1 } });
      await fireAll(manager, ['go']);
      await expectInstance(manager, 't_a#0').finished({ go: { p: 1 } });
    });

    it('refuses kwargs JSON cannot carry and saves nothing', async () => {
      const { manager } = await newSession({ t_a: { after: ['a', 'b'], run: 'DevNullTask' } });
      await expectRejection(manager.fire('a', { when: new Date() }), InvalidKwargsError, 'when', 'Date');
      expect(await manager.storage.getInstances()).to.deep.equal([]);
      expect(await manager.storage.getLatestKwargs()).to.deep.equal({});
    });
  });

  describe('isolation', () => {
    it('sessions of one container never see each other', async () => {
      const container = createTestContainer();
      const config = { t_a: { after: ['go'], run: 'PassThruTask' } };
      const { manager: one } = await newSession(config, { container });
      const { manager: two } = await newSession(config, { container });
      await fireAll(one, [['go', { who: 'one' }]]);
      await expectInstance(one, 't_a#0').finished({ go: { who: 'one' } });
      await expectInstance(two, 't_a#0').missing();
      expect(await two.storage.getLatestKwargs()).to.deep.equal({});
    });

    it('managers on the same uid of one container share the session', async () => {
      const { container, manager } = await newSession({ t_a: { after: ['go'], run: 'DevNullTask' } });
      const again = getManager(container, manager.storage.uid);
      await fireAll(again, ['go']);
      await expectInstance(manager, 't_a#0').finished({});
    });

    it('containers never see each other, even for the same uid', async () => {
      const config = { t_a: { after: ['go'], run: 'DevNullTask' } };
      const { manager: one } = await newSession(config, { uid: 'core-spec-shared-uid' });
      const { manager: two } = await newSession({}, { uid: 'core-spec-shared-uid' });
      await fireAll(one, ['go']);
      await expectInstance(one, 't_a#0').finished({});
      expect(await two.storage.getTasks()).to.deep.equal({});
      expect(await two.storage.getInstances()).to.deep.equal([]);
    });
  });

  it('deleteSession() forgets the session, which starts empty again', async () => {
    const { container, manager } = await newSession({ t_a: { after: ['go'], run: 'DevNullTask' } });
    const neighbour = getManager(container, `${manager.storage.uid}-neighbour`);
    await neighbour.updateConfiguration({ t_a: { after: ['go'], run: 'DevNullTask' } });
    await fireAll(manager, ['go']);
    await manager.storage.deleteSession();
    expect(await manager.storage.getTasks()).to.deep.equal({});
    expect(await manager.storage.getInstances()).to.deep.equal([]);
    expect(await manager.storage.getLatestKwargs()).to.deep.equal({});
    expect(Object.keys(await neighbour.storage.getTasks())).to.deep.equal(['t_a']);
    await manager.updateConfiguration({ t_a: { after: ['go'], run: 'DevNullTask' } });
    await fireAll(manager, ['go']);
    await expectInstance(manager, 't_a#0').finished({});
    await expectInstance(manager, 't_a#1').missing();
  });
});
