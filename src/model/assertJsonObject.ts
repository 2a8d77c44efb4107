import { InvalidKwargsError } from '../errors';
import { describeValue } from './describeValue';
import type { Kwargs } from './Kwargs';

/**
 * Checks that `value` is a plain JSON object whose every nested value survives
 * `JSON.stringify` unchanged (no functions, `undefined`, symbols, bigints,
 * non-finite numbers, class instances such as `Date`, or cycles).
 *
 * Called at every boundary where user data enters a session, so bad data is
 * refused at the call that introduced it and nothing is half-saved.
 *
 * @param value the candidate kwargs
 * @param what  names the culprit in the error (`kwargs of trigger "x"`)
 * @throws InvalidKwargsError naming `what` and the offending path
 */
export function assertJsonObject(value: unknown, what: string): asserts value is Kwargs {
  if (!isPlainObject(value)) {
    throw new InvalidKwargsError({ what, reason: 'must be a JSON object', found: describeValue(value) });
  }
  // Valid data (every call that saves anything) is checked without building
  // paths or a set; only invalid data takes the walk that names the culprit.
  if (isJsonData(value, [])) return;
  checkValue(value, what, '', new Set());
}

/**
 * Whether {@link checkValue} would accept `value`: the same walk (own
 * enumerable keys, array items `forEach` visits, a cycle through the
 * current path refused), answering yes or no only. `path` holds the objects
 * being visited (a few levels: a linear search beats a Set).
 */
function isJsonData(value: unknown, path: object[]): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (path.includes(value)) return false;
  path.push(value);
  let ok = true;
  if (Array.isArray(value)) {
    const length = value.length;
    for (let i = 0; ok && i < length; i += 1) if (i in value) ok = isJsonData(value[i], path);
  } else if (isPlainObject(value)) {
    const source = value as Record<string, unknown>;
    for (const key of Object.keys(source)) {
      if (!isJsonData(source[key], path)) {
        ok = false;
        break;
      }
    }
  } else {
    ok = false;
  }
  path.pop();
  return ok;
}

function checkValue(value: unknown, what: string, path: string, seen: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) fail(what, path, `non-finite number ${value}`);
      return;
    case 'object':
      break;
    default:
      fail(what, path, describeValue(value));
  }
  if (value === null) return;
  const obj = value as object;
  if (seen.has(obj)) fail(what, path, 'a circular reference');
  seen.add(obj);
  if (Array.isArray(obj)) {
    obj.forEach((item, i) => checkValue(item, what, `${path}[${i}]`, seen));
  } else if (isPlainObject(obj)) {
    for (const [key, item] of Object.entries(obj)) checkValue(item, what, path ? `${path}.${key}` : key, seen);
  } else {
    fail(what, path, describeValue(obj));
  }
  seen.delete(obj);
}

function fail(what: string, path: string, found: string): never {
  throw new InvalidKwargsError({ what, reason: 'is not JSON-serializable', path, found });
}

/** True for `{}`-style objects (prototype Object or null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
