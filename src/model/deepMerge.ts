import { isPlainObject } from './assertJsonObject';

/**
 * Deep-merges `over` onto `base` into a new object: values of `over` win,
 * nested plain objects merge recursively, arrays and scalars replace.
 * Used to lay an instance's trigger kwargs over the task's `withParams`.
 *
 * Keys are defined, never assigned: a `"__proto__"` key (which `JSON.parse`
 * produces as an ordinary own key) stays data instead of replacing the
 * merged object's prototype, so kwargs cannot slip inherited values past
 * the task.
 */
export function deepMerge<T extends Record<string, unknown>>(base: T, over: Record<string, unknown>): T {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = Object.hasOwn(out, key) ? out[key] : undefined;
    const merged = isPlainObject(prev) && isPlainObject(value) ? deepMerge(prev, value) : value;
    Object.defineProperty(out, key, { value: merged, enumerable: true, writable: true, configurable: true });
  }
  return out as T;
}
