/** What {@link copyPlain} returns for a value it leaves to the JSON round trip. */
const NOT_PLAIN: unique symbol = Symbol('not plain JSON data');

/** Deeper than this, {@link jsonCopy} takes the round trip (which also reports a cycle as `JSON.stringify` does). */
const MAX_DEPTH = 512;

/**
 * `JSON.parse(JSON.stringify(value))` for a JSON object, without the
 * string when `value` is already plain JSON data — plain objects and
 * arrays of strings, booleans, null and finite numbers, nothing JSON would
 * drop or convert. The memory backend stores and hands out records this
 * way: a deep copy of a small record costs a fraction of a stringify or a
 * parse, and strings, being immutable, are shared instead of re-created.
 *
 * The result is always exactly what the round trip gives (same keys in the
 * same order, `"__proto__"` kept as an own data key): any value the fast
 * copy is not sure about (`undefined`, a function, a `Date` or other class
 * instance, `NaN`, a `toJSON` method, a sparse array, very deep or circular
 * data...) makes it take the round trip instead, which also throws the
 * round trip's errors (a cycle, a bigint).
 */
export function jsonCopy<T extends object>(value: T): T {
  if (!prototypesUntouched()) return JSON.parse(JSON.stringify(value)) as T;
  const copy = copyPlain(value, 0);
  return (copy === NOT_PLAIN ? JSON.parse(JSON.stringify(value)) : copy) as T;
}

/** False if someone gave every object or array a `toJSON` (JSON.stringify would call it). */
function prototypesUntouched(): boolean {
  return !('toJSON' in Object.prototype) && !('toJSON' in Array.prototype);
}

function copyPlain(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      // JSON writes -0 as 0 and non-finite numbers as null.
      return Number.isFinite(value) ? (value === 0 ? 0 : value) : NOT_PLAIN;
    case 'object':
      break;
    default:
      return NOT_PLAIN;
  }
  if (value === null) return null;
  if (depth >= MAX_DEPTH) return NOT_PLAIN;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return NOT_PLAIN;
    const length = value.length;
    const out: unknown[] = new Array(length);
    for (let i = 0; i < length; i += 1) {
      // A hole reads as undefined, which JSON writes as null: left to the round trip.
      const item = copyPlain(value[i], depth + 1);
      if (item === NOT_PLAIN) return NOT_PLAIN;
      out[i] = item;
    }
    return out;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return NOT_PLAIN;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    // An own `toJSON` function, like any function, is left to the round trip.
    const item = copyPlain(source[key], depth + 1);
    if (item === NOT_PLAIN) return NOT_PLAIN;
    if (key === '__proto__') Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
    else out[key] = item;
  }
  return out;
}
