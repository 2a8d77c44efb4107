/**
 * Freezes a JSON value and everything in it, and returns it: configuration
 * entries are shared by every operation (and, on Redis, every session) that
 * reads them, so nothing may change them in place.
 */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
