import { expect } from 'chai';
import { MalformedJobError } from '../../../src';
import { parseBullMQJobData } from '../../../src/redis/bullmq/BullMQJobData';

const VALID = { uid: 'u', instance: 't_a#0', manager: 'default', storage: 'redis', kwargs: { go: {} } };

describe('redis/bullmq: parseBullMQJobData (the data of a job on the queue)', () => {
  it('keeps the payload and the two hints only this wing reads', () => {
    expect(parseBullMQJobData({ ...VALID, depth: 2, record: '{}', session: 'p:{x}:', extra: 1 })).to.deep.equal({
      ...VALID,
      depth: 2,
      record: '{}',
      session: 'p:{x}:',
    });
  });

  it('names every bad field, the payload\'s and the hints\', in one error', () => {
    const bad = { uid: '', instance: 3, manager: 'default', storage: 'redis', kwargs: [], depth: -1, record: 5, session: {} };
    expect(() => parseBullMQJobData(bad)).to.throw(
      MalformedJobError,
      'Malformed job payload: "uid" must be a non-empty string; "instance" must be a non-empty string; "kwargs" must be an object; ' +
        '"depth" must be a non-negative integer; "record" must be a string; "session" must be a string',
    );
  });
});
