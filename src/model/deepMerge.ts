import { isPlainObject } from './assertJsonObject';

/**
 * Deep-merges `over` onto `base` into a new object: values of `over` win,
 * nested plain objects merge recursively, arrays and scalars replace.
 * Used to lay an instance's trigger kwargs over the task's `withParams`.
 */
export function deepMerge<T extends Record<string, unknown>>(base: T, over: Record<string, unknown>): T {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] = isPlainObject(prev) && isPlainObject(value) ? deepMerge(prev, value) : value;
  }
  return out as T;
}
