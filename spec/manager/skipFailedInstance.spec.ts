import { expect } from 'chai';
import { InvalidInstanceStateError, InvalidKwargsError, Task, TaskStatus, TriggerTask, UnknownInstanceError, UnknownRunnerError } from '../../src';
import type { Kwargs } from '../../src';
import { ThreadingTaskRunner, expectInstance, expectUnresolvedInstances, expectUnresolvedTasks } from '../../src/testing';
import { fireAll, newSession } from '../support/fixtures';
import { expectRejection } from '../support/rejection';
import { sessionState } from '../support/sessionState';

/** Declares a runner nobody registered. */
@TriggerTask({ name: 'MgrSpecSkipUnknownRunnerTask', using: 'MgrSpecSkipNoSuchRunner' })
class UnknownRunnerTask extends Task {
  run(): void {}
}
void UnknownRunnerTask;

async function failedSession() {
  const session = await newSession({
    t_a: { after: ['go'], run: 'FailingTask' },
    t_next: { after: ['t_a'], run: 'PassThruTask' },
  });
  await fireAll(session.manager, ['go']);
  await expectInstance(session.manager, 't_a#0').failed('DeliberateFailure');
  return session;
}

describe('manager: skipFailedInstance', () => {
  it('without cascade, marks it skipped (resolved) and runs no dependent', async () => {
    const { manager } = await failedSession();
    await manager.skipFailedInstance('t_a#0');
    await ThreadingTaskRunner.joinAll();
    const skipped = await expectInstance(manager, 't_a#0').skipped();
    expect(skipped.metadata).to.include({ cascade: false });
    expect(skipped.metadata.result).to.deep.equal({});
    expect(skipped.metadata.timestamps).to.have.property('skipped');
    expect(skipped.metadata.exceptionType).to.equal('DeliberateFailure');
    await expectInstance(manager, 't_next#0').missing();
    await expectUnresolvedTasks(manager, ['t_next']);
    await expectUnresolvedInstances(manager, []);
    expect(await manager.storage.getLatestKwargs()).not.to.have.property('t_a');
  });

  it('with cascade, fires the task name with the result so dependents run', async () => {
    const { manager } = await failedSession();
    await manager.skipFailedInstance('t_a#0', { cascade: true, result: { rows: 0 } });
    await ThreadingTaskRunner.joinAll();
    const skipped = await expectInstance(manager, 't_a#0').skipped();
    expect(skipped.metadata).to.deep.include({ cascade: true, result: { rows: 0 } });
    await expectInstance(manager, 't_next#0').finished({ t_a: { rows: 0 } });
    await expectUnresolvedTasks(manager, []);
  });

  it('with cascade and no result, cascades {}', async () => {
    const { manager } = await failedSession();
    await manager.skipFailedInstance(await manager.storage.getInstance('t_a#0'), { cascade: true });
    await ThreadingTaskRunner.joinAll();
    await expectInstance(manager, 't_next#0').finished({ t_a: {} });
  });

  it('copies the result: mutating it afterwards changes nothing stored', async () => {
    const { manager } = await failedSession();
    const result: Kwargs = { n: 1 };
    await manager.skipFailedInstance('t_a#0', { result });
    result.n = 2;
    expect((await manager.storage.getInstance('t_a#0')).metadata.result).to.deep.equal({ n: 1 });
  });

  describe('refuses', () => {
    for (const status of [TaskStatus.Finished, TaskStatus.Unstarted, TaskStatus.Scheduled, TaskStatus.Running, TaskStatus.Replayed, TaskStatus.Skipped, TaskStatus.Abandoned]) {
      it(`an instance in ${status} state, naming it and its status, saving nothing and cascading nothing`, async () => {
        const { manager } = await failedSession();
        await manager.updateInstanceStatus('t_a#0', status);
        const before = await sessionState(manager);
        await expectRejection(
          manager.skipFailedInstance('t_a#0', { cascade: true }),
          InvalidInstanceStateError,
          `Instance "t_a#0" in ${status} state cannot be skipped`,
        );
        expect(await sessionState(manager)).to.deep.equal(before);
        expect(ThreadingTaskRunner.pendingCount).to.equal(0);
      });
    }

    it('an unknown instance with UnknownInstanceError naming it', async () => {
      const { manager } = await failedSession();
      await expectRejection(manager.skipFailedInstance('t_a#1', { cascade: true }), UnknownInstanceError, 't_a#1');
    });

    it('a cascade whose dependent cannot be scheduled (unknown runner): nothing is saved and the instance can still be skipped', async () => {
      const { manager } = await failedSession();
      await manager.updateConfiguration({ t_next: { after: ['t_a'], run: 'MgrSpecSkipUnknownRunnerTask' } });
      const before = await sessionState(manager);
      await expectRejection(manager.skipFailedInstance('t_a#0', { cascade: true }), UnknownRunnerError, 'MgrSpecSkipNoSuchRunner');
      expect(await sessionState(manager)).to.deep.equal(before);
      await expectInstance(manager, 't_a#0').failed();
      await manager.updateConfiguration({ t_next: { after: ['t_a'], run: 'PassThruTask' } });
      await manager.skipFailedInstance('t_a#0', { cascade: true, result: { r: 1 } });
      await ThreadingTaskRunner.joinAll();
      await expectInstance(manager, 't_next#0').finished({ t_a: { r: 1 } });
    });

    it('a result JSON cannot carry, with InvalidKwargsError, saving nothing', async () => {
      const { manager } = await failedSession();
      const before = await sessionState(manager);
      await expectRejection(manager.skipFailedInstance('t_a#0', { cascade: true, result: { at: new Date(0) } }), InvalidKwargsError, 't_a#0');
      await expectRejection(manager.skipFailedInstance('t_a#0', { cascade: true, result: [] as unknown as Kwargs }), InvalidKwargsError);
      expect(await sessionState(manager)).to.deep.equal(before);
    });
  });
});
