import { expect } from 'chai';
import { InvalidInstanceStateError, InvalidKwargsError, Task, TaskStatus, TriggerTask, UnknownInstanceError, UnknownRunnerError } from '../../src';
import type { TriggerKwargs } from '../../src';
import { ThreadingTaskRunner, expectInstance } from '../../src/testing';
import { fireAll, newSession } from '../support/fixtures';
import { expectRejection } from '../support/rejection';
import { sessionState } from '../support/sessionState';

/** Declares a runner nobody registered. */
@TriggerTask({ name: 'MgrSpecReplayUnknownRunnerTask', using: 'MgrSpecReplayNoSuchRunner' })
class UnknownRunnerTask extends Task {
  run(): void {}
}
void UnknownRunnerTask;

/** A session whose t_a#0 failed after `go` {n: 1}; t_a then switched to PassThruTask so replays succeed. */
async function failedSession(extra: Record<string, { after: string[]; run: string; unless?: string[] }> = {}) {
  const session = await newSession({ t_a: { after: ['go'], unless: ['u1', 'u2'], run: 'FailingTask' }, ...extra });
  await fireAll(session.manager, ['u1', ['go', { n: 1 }]]);
  await expectInstance(session.manager, 't_a#0').failed('DeliberateFailure');
  return session;
}

async function switchToPassThru(manager: Awaited<ReturnType<typeof newSession>>['manager']): Promise<void> {
  await manager.updateConfiguration({ t_a: { after: ['go'], unless: ['u1', 'u2'], run: 'PassThruTask' } });
}

describe('manager: replayFailedInstance', () => {
  it('marks the instance replayed and schedules a clone with its kwargs, abandonState, depth and parent', async () => {
    const { manager } = await failedSession();
    await manager.replayFailedInstance('t_a#0');
    const original = await expectInstance(manager, 't_a#0').replayed();
    expect(original.metadata.timestamps).to.have.property('replayed');
    const clone = await expectInstance(manager, 't_a#1').scheduled();
    expect(clone.kwargs).to.deep.equal({ go: { n: 1 } });
    expect([...clone.abandonState]).to.deep.equal(['u1']);
    expect(clone.metadata.depth).to.equal(1);
    expect(clone.metadata.parent).to.equal('t_a#0');
    expect(clone.depth).to.equal(1);
    await ThreadingTaskRunner.joinAll();
    await expectInstance(manager, 't_a#1').failed('DeliberateFailure');
  });

  it('counts depth across generations of replays', async () => {
    const { manager } = await failedSession();
    await manager.replayFailedInstance('t_a#0');
    await ThreadingTaskRunner.joinAll();
    await manager.replayFailedInstance('t_a#1');
    await ThreadingTaskRunner.joinAll();
    const grandchild = await expectInstance(manager, 't_a#2').failed();
    expect(grandchild.depth).to.equal(2);
    expect(grandchild.metadata.parent).to.equal('t_a#1');
    await expectInstance(manager, 't_a#1').replayed();
  });

  it('accepts the instance object as well as its name', async () => {
    const { manager } = await failedSession();
    await manager.replayFailedInstance(await manager.storage.getInstance('t_a#0'));
    await expectInstance(manager, 't_a#0').replayed();
    await expectInstance(manager, 't_a#1').scheduled();
  });

  it('without replacement kwargs (undefined), keeps the kwargs', async () => {
    const { manager } = await failedSession();
    await switchToPassThru(manager);
    await manager.replayFailedInstance('t_a#0', undefined);
    await ThreadingTaskRunner.joinAll();
    await expectInstance(manager, 't_a#1').finished({ go: { n: 1 } });
  });

  it('with replacement kwargs, replaces the clone’s kwargs entirely', async () => {
    const { manager } = await failedSession();
    await switchToPassThru(manager);
    await manager.replayFailedInstance('t_a#0', { other: { fixed: true } });
    await ThreadingTaskRunner.joinAll();
    const clone = await expectInstance(manager, 't_a#1').finished({ other: { fixed: true } });
    expect(clone.kwargs).to.deep.equal({ other: { fixed: true } });
    expect((await manager.storage.getInstance('t_a#0')).kwargs).to.deep.equal({ go: { n: 1 } });
  });

  it('with {} as replacement kwargs, runs the clone with no kwargs', async () => {
    const { manager } = await failedSession();
    await switchToPassThru(manager);
    await manager.replayFailedInstance('t_a#0', {});
    await ThreadingTaskRunner.joinAll();
    const clone = await expectInstance(manager, 't_a#1').finished({});
    expect(clone.kwargs).to.deep.equal({});
  });

  it('runs the dependents of the task once the clone finishes', async () => {
    const { manager } = await failedSession({ t_next: { after: ['t_a'], run: 'PassThruTask' } });
    await expectInstance(manager, 't_next#0').missing();
    await switchToPassThru(manager);
    await manager.replayFailedInstance('t_a#0');
    await ThreadingTaskRunner.joinAll();
    await expectInstance(manager, 't_next#0').finished({ t_a: { go: { n: 1 } } });
  });

  describe('refuses', () => {
    for (const status of [TaskStatus.Finished, TaskStatus.Unstarted, TaskStatus.Scheduled, TaskStatus.Running, TaskStatus.Replayed, TaskStatus.Skipped, TaskStatus.Abandoned]) {
      it(`an instance in ${status} state, naming it and its status, saving nothing`, async () => {
        const { manager } = await failedSession();
        await manager.updateInstanceStatus('t_a#0', status);
        const before = await sessionState(manager);
        await expectRejection(
          manager.replayFailedInstance('t_a#0'),
          InvalidInstanceStateError,
          `Instance "t_a#0" in ${status} state cannot be replayed`,
        );
        expect(await sessionState(manager)).to.deep.equal(before);
        expect(ThreadingTaskRunner.pendingCount).to.equal(0);
      });
    }

    it('a finished instance with the documented message', async () => {
      const { manager } = await newSession({ t_a: { after: ['go'], run: 'DevNullTask' } });
      await fireAll(manager, ['go']);
      await expectRejection(manager.replayFailedInstance('t_a#0'), InvalidInstanceStateError, 'Instance "t_a#0" in finished state cannot be replayed');
    });

    it('an unknown instance with UnknownInstanceError naming it', async () => {
      const { manager } = await failedSession();
      await expectRejection(manager.replayFailedInstance('t_a#9'), UnknownInstanceError, 't_a#9');
      await expectRejection(manager.replayFailedInstance('nope'), UnknownInstanceError, 'nope');
    });

    it('a clone that cannot be scheduled (unknown runner), before any status changes', async () => {
      const { manager } = await failedSession();
      await manager.updateConfiguration({ t_a: { after: ['go'], run: 'MgrSpecReplayUnknownRunnerTask' } });
      const before = await sessionState(manager);
      await expectRejection(manager.replayFailedInstance('t_a#0'), UnknownRunnerError, 'MgrSpecReplayNoSuchRunner', 't_a#1');
      expect(await sessionState(manager)).to.deep.equal(before);
      await expectInstance(manager, 't_a#0').failed();
      await expectInstance(manager, 't_a#1').missing();
      // Once fixed, the replay gets the next free number.
      await switchToPassThru(manager);
      await manager.replayFailedInstance('t_a#0');
      await ThreadingTaskRunner.joinAll();
      await expectInstance(manager, 't_a#1').finished({ go: { n: 1 } });
    });

    const badKwargs: Array<[string, unknown]> = [
      ['a non-object value for a trigger', { go: 3 }],
      ['a Date inside', { go: { when: new Date(0) } }],
      ['an array', [{ go: {} }]],
      ['a function inside', { go: { f: () => 1 } }],
    ];
    for (const [what, kwargs] of badKwargs) {
      it(`replacement kwargs with ${what}, with InvalidKwargsError, saving nothing`, async () => {
        const { manager } = await failedSession();
        const before = await sessionState(manager);
        await expectRejection(manager.replayFailedInstance('t_a#0', kwargs as TriggerKwargs), InvalidKwargsError, 't_a#0');
        expect(await sessionState(manager)).to.deep.equal(before);
        await expectInstance(manager, 't_a#0').failed();
      });
    }
  });
});
