import { expect } from 'chai';
import { InvalidInstanceStateError, InvalidKwargsError, TaskStatus, UnknownInstanceError } from '../../src';
import type { TaskInstance } from '../../src';
import { ThreadingTaskRunner, expectInstance } from '../../src/testing';
import { fireAll, newSession } from '../support/fixtures';
import { expectRejection } from '../support/rejection';
import { sessionState } from '../support/sessionState';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function timestamps(instance: TaskInstance): Record<string, string> {
  return instance.metadata.timestamps ?? {};
}

async function finishedSession() {
  const session = await newSession({
    t_a: { after: ['go'], run: 'PassThruTask' },
    t_next: { after: ['t_a'], run: 'PassThruTask' },
  });
  await fireAll(session.manager, [['go', { n: 1 }]]);
  return session;
}

describe('manager: manual tools', () => {
  describe('timestamps', () => {
    it('a finished instance has created, lastModified and one ISO-8601 UTC stamp per status reached, in order', async () => {
      const { manager } = await newSession({ t_a: { after: ['go'], run: 'PassThruTask' } });
      await fireAll(manager, ['go']);
      const stamps = timestamps(await expectInstance(manager, 't_a#0').finished());
      expect(stamps).to.have.all.keys('created', 'lastModified', 'unstarted', 'scheduled', 'running', 'finished');
      for (const value of Object.values(stamps)) expect(value).to.match(ISO_UTC);
      const order = [stamps.created, stamps.scheduled, stamps.running, stamps.finished];
      expect([...order].sort()).to.deep.equal(order);
      expect(stamps.lastModified).to.equal(stamps.finished);
    });

    it('a failed instance has a failed stamp and no finished stamp', async () => {
      const { manager } = await newSession({ t_a: { after: ['go'], run: 'FailingTask' } });
      await fireAll(manager, ['go']);
      const stamps = timestamps(await expectInstance(manager, 't_a#0').failed());
      expect(stamps).to.have.property('failed');
      expect(stamps).not.to.have.property('finished');
    });
  });

  describe('updateInstanceStatus', () => {
    for (const status of Object.values(TaskStatus)) {
      it(`sets ${status} from finished, stamps it, merges metadata and returns the updated instance`, async () => {
        const { manager } = await finishedSession();
        const before = timestamps(await manager.storage.getInstance('t_a#0'));
        const returned = await manager.updateInstanceStatus('t_a#0', status, { metadata: { note: 'by hand' } });
        expect(returned.status).to.equal(status);
        const stored = await expectInstance(manager, 't_a#0').status(status);
        expect(stored.metadata.note).to.equal('by hand');
        expect(stored.metadata.result).to.deep.equal({ go: { n: 1 } });
        const after = timestamps(stored);
        expect(after[status]).to.equal(after.lastModified);
        expect(after[status] >= before.finished).to.equal(true);
        // Every other stamp is kept.
        const { [status]: _changed, lastModified: _l1, ...kept } = after;
        const { [status]: _was, lastModified: _l2, ...keptBefore } = before;
        expect(kept).to.deep.equal(keptBefore);
        expect(returned.metadata).to.deep.equal(stored.metadata);
      });
    }

    it('with cascade, fires the task name with cascadeKwargs', async () => {
      const { manager } = await newSession({
        t_a: { after: ['go'], run: 'FailingTask' },
        t_next: { after: ['t_a'], run: 'PassThruTask' },
      });
      await fireAll(manager, ['go']);
      await manager.updateInstanceStatus('t_a#0', TaskStatus.Finished, { cascade: true, cascadeKwargs: { fixed: 'by hand' } });
      await ThreadingTaskRunner.joinAll();
      await expectInstance(manager, 't_a#0').finished();
      await expectInstance(manager, 't_next#0').finished({ t_a: { fixed: 'by hand' } });
    });

    it('with cascade and no cascadeKwargs, fires {}', async () => {
      const { manager } = await newSession({
        t_a: { after: ['go'], run: 'FailingTask' },
        t_next: { after: ['t_a'], run: 'PassThruTask' },
      });
      await fireAll(manager, ['go']);
      await manager.updateInstanceStatus('t_a#0', TaskStatus.Skipped, { cascade: true });
      await ThreadingTaskRunner.joinAll();
      await expectInstance(manager, 't_next#0').finished({ t_a: {} });
    });

    it('without cascade, fires nothing', async () => {
      const { manager } = await newSession({
        t_a: { after: ['go'], run: 'FailingTask' },
        t_next: { after: ['t_a'], run: 'PassThruTask' },
      });
      await fireAll(manager, ['go']);
      await manager.updateInstanceStatus('t_a#0', TaskStatus.Finished);
      await ThreadingTaskRunner.joinAll();
      await expectInstance(manager, 't_next#0').missing();
    });

    it('back to unstarted makes the instance wait for triggers again', async () => {
      const { manager } = await newSession({ t_a: { after: ['a', 'b'], run: 'PassThruTask' } });
      await fireAll(manager, [['a', { n: 1 }], ['b', { m: 1 }]]);
      await manager.updateInstanceStatus('t_a#0', TaskStatus.Unstarted);
      await fireAll(manager, [['b', { m: 2 }]]);
      await expectInstance(manager, 't_a#0').finished({ a: { n: 1 }, b: { m: 1 } });
      await expectInstance(manager, 't_a#1').missing();
    });

    it('refuses an unknown status with InvalidInstanceStateError, saving nothing', async () => {
      const { manager } = await finishedSession();
      const before = await sessionState(manager);
      await expectRejection(manager.updateInstanceStatus('t_a#0', 'done' as TaskStatus), InvalidInstanceStateError, 't_a#0', 'done');
      expect(await sessionState(manager)).to.deep.equal(before);
    });

    it('refuses an unknown instance with UnknownInstanceError naming it', async () => {
      const { manager } = await finishedSession();
      await expectRejection(manager.updateInstanceStatus('t_zz#0', TaskStatus.Finished), UnknownInstanceError, 't_zz#0');
    });

    it('refuses metadata or cascade kwargs JSON cannot carry with InvalidKwargsError, saving and firing nothing', async () => {
      const { manager } = await finishedSession();
      const before = await sessionState(manager);
      await expectRejection(
        manager.updateInstanceStatus('t_a#0', TaskStatus.Failed, { metadata: { when: new Date(0) } }),
        InvalidKwargsError,
        't_a#0',
      );
      await expectRejection(
        manager.updateInstanceStatus('t_a#0', TaskStatus.Failed, { cascade: true, cascadeKwargs: { f: () => 1 } }),
        InvalidKwargsError,
        't_a#0',
      );
      expect(await sessionState(manager)).to.deep.equal(before);
      expect(ThreadingTaskRunner.pendingCount).to.equal(0);
    });
  });

  describe('updateInstanceMetadata', () => {
    it('merges metadata, keeps the status and its stamps, and moves lastModified', async () => {
      const { manager } = await finishedSession();
      const before = await manager.storage.getInstance('t_a#0');
      await manager.updateInstanceMetadata('t_a#0', { reviewedBy: 'ops', result: { overridden: true } });
      const after = await expectInstance(manager, 't_a#0').finished({ overridden: true });
      expect(after.metadata.reviewedBy).to.equal('ops');
      expect(after.metadata.actualKwargs).to.deep.equal(before.metadata.actualKwargs);
      const { lastModified, ...rest } = timestamps(after);
      const { lastModified: previous, ...restBefore } = timestamps(before);
      expect(rest).to.deep.equal(restBefore);
      expect(lastModified >= previous).to.equal(true);
    });

    it('refuses metadata JSON cannot carry and unknown instances, saving nothing', async () => {
      const { manager } = await finishedSession();
      const before = await sessionState(manager);
      await expectRejection(manager.updateInstanceMetadata('t_a#0', { n: Number.NaN }), InvalidKwargsError, 't_a#0');
      await expectRejection(manager.updateInstanceMetadata('t_a#7', { n: 1 }), UnknownInstanceError, 't_a#7');
      expect(await sessionState(manager)).to.deep.equal(before);
    });
  });

  describe('markInstanceLogsResolved', () => {
    it('sets logsResolved, which removes the instance from the unresolved logs, and moves lastModified', async () => {
      const { manager } = await newSession({ t_a: { after: ['go'], run: 'FailingTask' } });
      await fireAll(manager, ['go']);
      await manager.updateInstanceMetadata('t_a#0', { logLevel: 'error' });
      expect((await manager.storage.getInstancesWithUnresolvedLogs()).map((i) => i.name)).to.deep.equal(['t_a#0']);
      const before = timestamps(await manager.storage.getInstance('t_a#0'));
      await manager.markInstanceLogsResolved('t_a#0');
      const after = await expectInstance(manager, 't_a#0').failed();
      expect(after.logsResolved).to.equal(true);
      expect(after.metadata.logsResolved).to.equal(true);
      expect(timestamps(after).lastModified >= before.lastModified).to.equal(true);
      expect(await manager.storage.getInstancesWithUnresolvedLogs()).to.deep.equal([]);
    });

    it('refuses an unknown instance with UnknownInstanceError', async () => {
      const { manager } = await newSession({});
      await expectRejection(manager.markInstanceLogsResolved('t_a#0'), UnknownInstanceError, 't_a#0');
    });
  });
});
