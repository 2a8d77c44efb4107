import { expect } from 'chai';
import { ThreadingTaskRunner, expectInstance, expectUnresolvedTasks } from '../../src/testing';
import { SESSION_FINALIZED } from '../../examples/questionnaire/configuration';
import { FinalizingManager } from '../../examples/questionnaire/FinalizingManager';
import { fireAll, newSession } from '../support/fixtures';

/**
 * A recipe (docs/firing.md): "finalize a session: a manager subclass whose
 * postFire fires sessionFinalized once every other task is resolved". The
 * class under test is the one the README and the demo point users to.
 */
async function finalizingSession(config: Parameters<typeof newSession>[0]) {
  const { manager } = await newSession(
    { ...config, t_archive: { after: [SESSION_FINALIZED], run: 'PassThruTask' } },
    { manager: 'finalizing' },
  );
  expect(manager).to.be.instanceOf(FinalizingManager);
  return manager;
}

describe('recipe: a finalizing manager', () => {
  it('fires sessionFinalized once every other task is resolved, naming what completed the session', async () => {
    const manager = await finalizingSession({
      t_a: { after: ['go'], run: 'PassThruTask' },
      t_b: { after: ['t_a'], run: 'PassThruTask' },
      t_embedded: { after: ['go', 'browser'], unless: ['embedded'], run: 'PassThruTask' },
    });
    await fireAll(manager, ['embedded', 'go']);
    expect((await manager.storage.getLatestKwargs())[SESSION_FINALIZED]).to.deep.equal({ after: 't_b' });
    await expectInstance(manager, 't_embedded#0').abandoned();
    await expectInstance(manager, 't_archive#0').finished({ [SESSION_FINALIZED]: { after: 't_b' } });
    await expectUnresolvedTasks(manager, []);
  });

  it('does not finalize while a task still waits for a trigger', async () => {
    const manager = await finalizingSession({
      t_a: { after: ['go'], run: 'PassThruTask' },
      t_waiting: { after: ['go', 'later'], run: 'PassThruTask' },
    });
    await fireAll(manager, ['go']);
    expect(await manager.storage.getLatestKwargs()).to.not.have.property(SESSION_FINALIZED);
    await expectInstance(manager, 't_archive#0').missing();
    await fireAll(manager, ['later']);
    await expectInstance(manager, 't_archive#0').finished({ [SESSION_FINALIZED]: { after: 't_waiting' } });
  });

  it('does not finalize while an instance is failed, and does once it is skipped without cascade (postSkip)', async () => {
    const manager = await finalizingSession({ t_flaky: { after: ['go'], run: 'FailingTask' } });
    await fireAll(manager, ['go']);
    await expectInstance(manager, 't_flaky#0').failed('DeliberateFailure');
    await expectInstance(manager, 't_archive#0').missing();
    await manager.skipFailedInstance('t_flaky#0');
    await ThreadingTaskRunner.joinAll();
    await expectInstance(manager, 't_archive#0').finished({ [SESSION_FINALIZED]: { after: 't_flaky#0' } });
  });

  it('finalizes once: later firings do not create a second archive instance', async () => {
    const manager = await finalizingSession({ t_a: { after: ['go'], run: 'PassThruTask' } });
    await fireAll(manager, ['go']);
    await fireAll(manager, ['go', 'unrelated']);
    await expectInstance(manager, 't_archive#0').finished();
    await expectInstance(manager, 't_archive#1').missing();
    expect((await manager.storage.getLatestKwargs())[SESSION_FINALIZED]).to.deep.equal({ after: 't_a' });
  });
});
