import { expect } from 'chai';
import { deepMerge } from '../../src';

describe('model: deepMerge (withParams under trigger kwargs)', () => {
  it('lets values of the second object win, merges nested objects, replaces arrays and scalars, and copies', () => {
    const base = { go: { mode: 'slow', nested: { keep: 1, over: 'param' }, list: [1, 2] } };
    const over = { go: { mode: 'fast', nested: { over: 'kwarg' }, list: [3] }, other: { x: 1 } };
    const merged = deepMerge(base, over);
    expect(merged).to.deep.equal({ go: { mode: 'fast', nested: { keep: 1, over: 'kwarg' }, list: [3] }, other: { x: 1 } });
    expect(base.go.mode).to.equal('slow');
  });

  it('keeps a "__proto__" key from JSON.parse as data: it neither replaces a prototype nor leaks inherited values', () => {
    const kwargs = JSON.parse('{"go": {"__proto__": {"isAdmin": true}, "n": 1}}') as Record<string, Record<string, unknown>>;
    const merged = deepMerge({ go: { p: 1 } }, kwargs) as Record<string, Record<string, unknown>>;
    expect(Object.getPrototypeOf(merged.go)).to.equal(Object.prototype);
    expect(merged.go.isAdmin).to.equal(undefined);
    expect(Object.hasOwn(merged.go, '__proto__')).to.equal(true);
    expect(JSON.parse(JSON.stringify(merged))).to.deep.equal(JSON.parse('{"go": {"p": 1, "__proto__": {"isAdmin": true}, "n": 1}}'));
  });

  it('treats keys every object inherits (constructor, toString) as absent in the base', () => {
    const merged = deepMerge({}, { constructor: { a: 1 }, toString: 'x' });
    expect(Object.hasOwn(merged, 'constructor')).to.equal(true);
    expect(merged).to.deep.equal({ constructor: { a: 1 }, toString: 'x' });
  });
});
