import { expect } from 'chai';
import { AssertionError } from 'node:assert';
import { expectInstance, expectUnresolvedTasks } from '../../src/testing';
import { fireAll, newSession } from '../support/fixtures';

describe('testing: expectInstance', () => {
  it('passes when the instance finished with the expected result', async () => {
    const { manager } = await newSession({ t_a: { after: ['go'], run: 'PassThruTask' } });
    await fireAll(manager, [['go', { n: 1 }]]);
    await expectInstance(manager, 't_a#0').finished({ go: { n: 1 } });
    await expectUnresolvedTasks(manager, []);
  });

  it('fails with a message showing the status and metadata', async () => {
    const { manager } = await newSession({ t_a: { after: ['go'], run: 'FailingTask' } });
    await fireAll(manager, ['go']);
    const error = await expectInstance(manager, 't_a#0').finished().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(AssertionError);
    expect((error as Error).message).to.contain('it is failed').and.to.contain('DeliberateFailure');
  });
});
