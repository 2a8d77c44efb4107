import { expect } from 'chai';
import { MalformedJobError } from '../../../src';
import { parseBullMQJobData, recordHintText } from '../../../src/redis/bullmq/BullMQJobData';

const VALID = { uid: 'u', instance: 't_a#0', manager: 'default', storage: 'redis', kwargs: { go: {} } };

describe('redis/bullmq: parseBullMQJobData (the data of a job on the queue)', () => {
  it('keeps the payload and the two hints only this wing reads', () => {
    const record = { name: 't_a#0', status: 'scheduled' };
    expect(parseBullMQJobData({ session: 'p:{x}:', record, ...VALID, depth: 2, extra: 1 })).to.deep.equal({
      ...VALID,
      depth: 2,
      record,
      session: 'p:{x}:',
    });
  });

  it('gives the record hint as text, whether the job carries a JSON value or (an earlier build\'s job) a string', () => {
    expect(recordHintText({ name: 't_a#0', kwargs: { go: {} } })).to.equal('{"name":"t_a#0","kwargs":{"go":{}}}');
    expect(recordHintText('{"name":"t_a#0"}')).to.equal('{"name":"t_a#0"}');
    expect(parseBullMQJobData({ ...VALID, record: '{}' }).record).to.equal('{}');
    expect(recordHintText(undefined)).to.equal(undefined);
    expect(recordHintText([1])).to.equal(undefined);
  });

  it('names every bad field, the payload\'s and the hints\', in one error', () => {
    const bad = { uid: '', instance: 3, manager: 'default', storage: 'redis', kwargs: [], depth: -1, record: 5, session: {} };
    expect(() => parseBullMQJobData(bad)).to.throw(
      MalformedJobError,
      'Malformed job payload: "uid" must be a non-empty string; "instance" must be a non-empty string; "kwargs" must be an object; ' +
        '"depth" must be a non-negative integer; "record" must be an object or a string; "session" must be a string',
    );
  });
});
