import { expect } from 'chai';
import { AssertionError } from 'node:assert';
import type { TriggerManager } from '../../src';
import {
  DeliberateFailure,
  expectInstance,
  expectUnresolvedInstances,
  expectUnresolvedTasks,
} from '../../src/testing';
import '../support/coreRunners';
import { fireAll, newSession } from '../support/fixtures';

/** The AssertionError an expectation raised (fails the spec if it did not raise one). */
async function assertionFrom(check: Promise<unknown>): Promise<AssertionError> {
  const error = await check.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected the assertion to fail').to.be.instanceOf(AssertionError);
  return error as AssertionError;
}

describe('testing: expectInstance', () => {
  /** One session with an instance in each status. */
  let manager: TriggerManager;

  before(async () => {
    ({ manager } = await newSession({
      t_finished: { after: ['go'], run: 'PassThruTask' },
      t_failed: { after: ['go'], run: 'FailingTask' },
      t_abandoned: { after: ['go', 'later'], unless: ['stop'], run: 'DevNullTask' },
      t_unstarted: { after: ['go', 'later'], run: 'DevNullTask' },
      t_skipped: { after: ['go'], run: 'SelfSkippingTask' },
      t_replayed: { after: ['go'], run: 'FailingTask' },
      t_scheduled: { after: ['go'], run: 'DevNullTask', using: 'coreSpecParking' },
    }));
    await fireAll(manager, [['go', { n: 1 }], 'stop']);
    await manager.replayFailedInstance('t_replayed#0');
    await fireAll(manager, []);
  });

  describe('passes when the instance is in the expected state', () => {
    it('finished(), with or without the expected result', async () => {
      const instance = await expectInstance(manager, 't_finished#0').finished({ go: { n: 1 } });
      expect(instance.name).to.equal('t_finished#0');
      await expectInstance(manager, 't_finished#0').finished();
    });

    it('failed(), with an error class, an error class name, or nothing', async () => {
      await expectInstance(manager, 't_failed#0').failed(DeliberateFailure);
      await expectInstance(manager, 't_failed#0').failed('DeliberateFailure');
      await expectInstance(manager, 't_failed#0').failed();
    });

    it('abandoned(), replayed(), skipped(), unstarted(), scheduled()', async () => {
      await expectInstance(manager, 't_abandoned#0').abandoned();
      await expectInstance(manager, 't_replayed#0').replayed();
      await expectInstance(manager, 't_skipped#0').skipped();
      await expectInstance(manager, 't_unstarted#0').unstarted();
      await expectInstance(manager, 't_scheduled#0').scheduled();
    });

    it('missing() for an instance that does not exist', async () => {
      await expectInstance(manager, 't_finished#1').missing();
      await expectInstance(manager, 't_nothing#0').missing();
    });

    it('reads fresh state each time', async () => {
      const expectation = expectInstance(manager, 't_unstarted#0');
      await expectation.unstarted();
      const { manager: other } = await newSession({ t_a: { after: ['go', 'later'], run: 'DevNullTask' } });
      const fresh = expectInstance(other, 't_a#0');
      await fresh.missing();
      await fireAll(other, ['go', 'later']);
      await fresh.finished({});
    });
  });

  describe('fails with a message showing the status and metadata', () => {
    it('finished() of a failed instance', async () => {
      const error = await assertionFrom(expectInstance(manager, 't_failed#0').finished());
      expect(error.message).to.contain('"t_failed#0"').and.to.contain('to be finished').and.to.contain('it is failed');
      expect(error.message).to.contain('"exceptionType": "DeliberateFailure"');
    });

    it('finished(result) with another result', async () => {
      const error = await assertionFrom(expectInstance(manager, 't_finished#0').finished({ go: { n: 2 } }));
      expect(error.message).to.contain('to have result {"go":{"n":2}}').and.to.contain('it is finished');
      expect(error.message).to.contain('"n": 1');
    });

    it('failed(type) with another error type, and failed() of a finished instance', async () => {
      const wrongType = await assertionFrom(expectInstance(manager, 't_failed#0').failed(TypeError));
      expect(wrongType.message).to.contain('to have failed with TypeError').and.to.contain('DeliberateFailure');
      const wrongName = await assertionFrom(expectInstance(manager, 't_failed#0').failed('RangeError'));
      expect(wrongName.message).to.contain('RangeError');
      const notFailed = await assertionFrom(expectInstance(manager, 't_finished#0').failed());
      expect(notFailed.message).to.contain('to be failed').and.to.contain('it is finished');
    });

    for (const [method, name, status] of [
      ['abandoned', 't_unstarted#0', 'unstarted'],
      ['replayed', 't_failed#0', 'failed'],
      ['skipped', 't_replayed#1', 'failed'],
      ['unstarted', 't_abandoned#0', 'abandoned'],
      ['scheduled', 't_finished#0', 'finished'],
    ] as const) {
      it(`${method}() of a ${status} instance`, async () => {
        const error = await assertionFrom(expectInstance(manager, name)[method]());
        expect(error.message).to.contain(`"${name}"`).and.to.contain(`to be ${method}`).and.to.contain(`it is ${status}`);
        expect(error.message).to.contain('"timestamps"');
      });
    }

    it('missing() of an existing instance', async () => {
      const error = await assertionFrom(expectInstance(manager, 't_skipped#0').missing());
      expect(error.message).to.contain('not to exist').and.to.contain('it is skipped').and.to.contain('SelfSkippingTask');
    });

    it('any status of an instance that does not exist', async () => {
      const error = await assertionFrom(expectInstance(manager, 't_finished#7').finished());
      expect(error.message).to.contain('"t_finished#7"').and.to.contain('does not exist');
    });
  });
});

describe('testing: expectUnresolvedTasks / expectUnresolvedInstances', () => {
  it('pass with the unresolved names in any order', async () => {
    const { manager } = await newSession({
      t_b: { after: ['go'], run: 'FailingTask' },
      t_a: { after: ['go', 'later'], run: 'DevNullTask' },
      t_c: { after: ['never'], run: 'DevNullTask' },
      t_done: { after: ['go'], run: 'DevNullTask' },
    });
    await fireAll(manager, ['go']);
    await expectUnresolvedTasks(manager, ['t_c', 't_b', 't_a']);
    await expectUnresolvedInstances(manager, ['t_b#0', 't_a#0']);
  });

  it('fail with the sorted expected and actual names (and statuses of the instances)', async () => {
    const { manager } = await newSession({
      t_b: { after: ['go'], run: 'FailingTask' },
      t_a: { after: ['go', 'later'], run: 'DevNullTask' },
    });
    await fireAll(manager, ['go']);
    const tasks = await assertionFrom(expectUnresolvedTasks(manager, ['t_b']));
    expect(tasks.message).to.contain('unresolved tasks ["t_b"], got ["t_a","t_b"]');
    const instances = await assertionFrom(expectUnresolvedInstances(manager, []));
    expect(instances.message).to.contain('unresolved instances [], got ["t_a#0","t_b#0"]');
    expect(instances.message).to.contain('t_a#0: unstarted').and.to.contain('t_b#0: failed');
  });
});
