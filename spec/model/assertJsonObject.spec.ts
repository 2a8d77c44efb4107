import { expect } from 'chai';
import { InvalidKwargsError, assertJsonObject } from '../../src';

function rejection(value: unknown): string {
  try {
    assertJsonObject(value, 'kwargs of trigger "t"');
  } catch (error) {
    expect(error).to.be.instanceOf(InvalidKwargsError);
    return (error as Error).message;
  }
  throw new Error('expected a rejection');
}

describe('model: assertJsonObject (the guard at every entry point)', () => {
  it('accepts plain JSON data, an object reached twice without a cycle, and holes in arrays (forEach skips them)', () => {
    const shared = { s: 1 };
    // eslint-disable-next-line no-sparse-arrays
    const accepted: unknown[] = [{}, { a: 'x', b: [1, true, null, { c: -0 }] }, { left: shared, right: [shared, shared] }, { list: [1, , 3] }];
    for (const value of accepted) expect(() => assertJsonObject(value, 'kwargs')).not.to.throw();
    expect(() => assertJsonObject(Object.assign(Object.create(null) as object, { a: 1 }), 'kwargs')).not.to.throw();
  });

  it('names the first offending path, as the whole walk did, for every kind of value JSON cannot carry', () => {
    const cyclic: Record<string, unknown> = { a: { ok: 1 } };
    (cyclic.a as Record<string, unknown>).back = cyclic;
    const arrayCycle: unknown[] = [1];
    arrayCycle.push({ inner: arrayCycle });
    const cases: Array<[unknown, string]> = [
      [{ a: { b: undefined } }, 'a.b is undefined'],
      [{ list: [1, NaN] }, 'list[1] is non-finite number NaN'],
      [{ n: Infinity }, 'n is non-finite number Infinity'],
      [{ when: new Date(0) }, 'when is'],
      [{ f: () => 1 }, 'f is'],
      [{ big: 1n }, 'big is'],
      [{ s: Symbol('s') }, 's is'],
      [{ m: new Map() }, 'm is'],
      [{ ok: 1, nested: [{ fine: true }, { bad: [undefined] }] }, 'nested[1].bad[0] is undefined'],
      [cyclic, 'a.back is a circular reference'],
      [{ arr: arrayCycle }, 'arr[1].inner is a circular reference'],
    ];
    for (const [value, expected] of cases) {
      expect(rejection(value), expected).to.include(`kwargs of trigger "t" is not JSON-serializable: ${expected}`);
    }
  });

  it('refuses a non-object at the root, naming what it got', () => {
    for (const value of [null, [], 'x', 1, new Date(0)]) expect(rejection(value)).to.match(/^kwargs of trigger "t" must be a JSON object, got /);
  });
});
