import { expect } from 'chai';
import { jsonCopy } from '../../src';

/** Key order, prototypes, own "__proto__" keys and -0 included: what deep.equal alone would not compare. */
function expectSameAsRoundTrip(value: object): void {
  const expected: unknown = JSON.parse(JSON.stringify(value));
  const actual: unknown = jsonCopy(value);
  expect(JSON.stringify(actual)).to.equal(JSON.stringify(expected));
  expect(shape(actual)).to.deep.equal(shape(expected));
}

/** A structural description: every object's prototype kind and own key order, every number's sign. */
function shape(value: unknown): unknown {
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : value;
  if (value === null || typeof value !== 'object') return value;
  const proto = Object.getPrototypeOf(value) === Object.prototype ? 'Object' : Array.isArray(value) ? 'Array' : 'other';
  return { proto, entries: Reflect.ownKeys(value).map((key) => [String(key), shape((value as Record<string | symbol, unknown>)[key])]) };
}

describe('model: jsonCopy (what the memory backend stores and hands out)', () => {
  it('copies plain JSON data deeply: nothing is shared with the source', () => {
    const source = { a: { b: [1, { c: 'x' }] }, n: null, t: true };
    const copy = jsonCopy(source);
    expect(copy).to.deep.equal(source);
    expect(copy.a).not.to.equal(source.a);
    expect(copy.a.b).not.to.equal(source.a.b);
    expect(copy.a.b[1]).not.to.equal(source.a.b[1]);
    expectSameAsRoundTrip(source);
  });

  it('gives exactly what JSON.parse(JSON.stringify(value)) gives for values JSON drops or converts', () => {
    const cases: object[] = [
      { u: undefined, f: () => 1, s: Symbol('s'), keep: 1 },
      { list: [undefined, () => 1, Symbol('s'), NaN, Infinity, -Infinity, -0] },
      { nan: NaN, inf: Infinity, negZero: -0 },
      { date: new Date(0), map: new Map([[1, 2]]), set: new Set([1]), re: /x/g },
      { boxed: [new Number(1), new String('s'), new Boolean(false)] },
      { custom: { toJSON: () => ({ replaced: true }) } },
      { notCallable: { toJSON: 5 } },
      { instance: new (class Point { constructor(readonly x = 1) {} })() },
      // eslint-disable-next-line no-sparse-arrays
      { sparse: [1, , 3] },
      { nullProto: Object.assign(Object.create(null) as object, { a: 1 }) },
      { 2: 'b', 1: 'a', z: 'z', y: 'y', '-1': 'neg', '01': 'lead' },
      JSON.parse('{"__proto__": {"isAdmin": true}, "n": 1}') as object,
      { nested: JSON.parse('{"__proto__": [1, {"__proto__": null}]}') as object },
      { text: 'lone \ud800 surrogate, quote " and \\ backslash, \u2028' },
      { typed: new Uint8Array([1, 2]) },
      [1, 'two', { three: 3 }],
    ];
    for (const value of cases) expectSameAsRoundTrip(value);
  });

  it('keeps a "__proto__" key as an own data key, not a prototype', () => {
    const copy = jsonCopy(JSON.parse('{"__proto__": {"isAdmin": true}}') as Record<string, unknown>);
    expect(Object.getPrototypeOf(copy)).to.equal(Object.prototype);
    expect((copy as { isAdmin?: boolean }).isAdmin).to.equal(undefined);
    expect(Object.hasOwn(copy, '__proto__')).to.equal(true);
  });

  it('calls a getter once and copies its value, like the round trip', () => {
    let calls = 0;
    const value = Object.defineProperty({}, 'g', { get: () => (calls += 1), enumerable: true });
    expect(jsonCopy(value)).to.deep.equal({ g: 1 });
    expect(calls).to.equal(1);
  });

  it('throws what JSON.stringify throws for a cycle or a bigint', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = { back: cyclic };
    expect(() => jsonCopy(cyclic)).to.throw(TypeError, /circular/i);
    expect(() => jsonCopy({ big: 1n })).to.throw(TypeError, /BigInt/i);
  });

  it('copies data deeper than its recursion limit through the round trip, unchanged', () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 2000; i += 1) deep = { d: deep };
    expect(JSON.stringify(jsonCopy(deep))).to.equal(JSON.stringify(deep));
  });

  it('honours a toJSON someone added to Object.prototype, as JSON.stringify does', () => {
    const proto = Object.prototype as { toJSON?: () => unknown };
    proto.toJSON = () => 'replaced';
    try {
      expect(jsonCopy({ a: { b: 1 } })).to.equal('replaced');
    } finally {
      delete proto.toJSON;
    }
  });
});
