import { expect } from 'chai';
import { workerErrorLine } from '../../../src/cli/commands/worker';

describe('triggers worker: the line a worker error is printed as', () => {
  it('says what a lost BullMQ job lock means (expected after an outage or a failover, and harmless)', () => {
    for (const message of [
      'Missing lock for job i-3f2a. moveToFinished',
      'Lock mismatch for job i-3f2a. Cmd moveToFinished from active',
      'could not renew lock for job i-3f2a',
    ]) {
      const line = workerErrorLine(new Error(message));
      expect(line, message).to.equal(
        `worker error: ${message} (the job lost its BullMQ lock in an outage or a failover: its outcome is recorded, and its re-delivery runs nothing)`,
      );
    }
  });

  it('prints any other error as it is', () => {
    expect(workerErrorLine(new Error('ERR something else'))).to.equal('worker error: ERR something else');
    expect(workerErrorLine(new Error('a message that mentions Missing lock for job later'))).to.equal(
      'worker error: a message that mentions Missing lock for job later',
    );
  });
});
