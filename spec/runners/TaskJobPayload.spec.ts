import { expect } from 'chai';
import { MalformedJobError, parseTaskJobPayload } from '../../src';

const VALID = { uid: 'u', instance: 't_a#0', manager: 'default', storage: 'redis', kwargs: { go: {} } };

describe('runners: parseTaskJobPayload (what a worker accepts as job data)', () => {
  it('keeps the fields it knows and defaults kwargs to {}', () => {
    expect(parseTaskJobPayload({ ...VALID, depth: 2, record: '{}', extra: 1 })).to.deep.equal({ ...VALID, depth: 2 });
    expect(parseTaskJobPayload({ ...VALID, kwargs: undefined }).kwargs).to.deep.equal({});
  });

  it('refuses data that is not an object, naming what it got (an array as an array)', () => {
    expect(() => parseTaskJobPayload(null)).to.throw(MalformedJobError, 'the job data must be an object, got null');
    expect(() => parseTaskJobPayload('rm -rf /')).to.throw(MalformedJobError, 'got a string');
    expect(() => parseTaskJobPayload([VALID])).to.throw(MalformedJobError, 'got an array');
  });

  it('names every bad field in one error', () => {
    const bad = { uid: '', instance: 3, manager: 'default', storage: 'redis', kwargs: [], depth: -1 };
    expect(() => parseTaskJobPayload(bad)).to.throw(
      MalformedJobError,
      'Malformed job payload: "uid" must be a non-empty string; "instance" must be a non-empty string; "kwargs" must be an object; ' +
        '"depth" must be a non-negative integer',
    );
  });

  it('keeps a W3C trace context carrier (strings only) and refuses any other "trace"', () => {
    const trace = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'vendor=1' };
    expect(parseTaskJobPayload({ ...VALID, trace }).trace).to.deep.equal(trace);
    expect(parseTaskJobPayload(VALID)).not.to.have.property('trace');
    for (const bad of ['00-ab', [trace], { traceparent: 1 }]) {
      expect(() => parseTaskJobPayload({ ...VALID, trace: bad })).to.throw(MalformedJobError, '"trace" must be an object of strings');
    }
  });
});
