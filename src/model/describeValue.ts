/**
 * Names what kind of value something is, for error messages that must say
 * what was found instead of a JSON object: `null`, `an array`, `an instance of
 * Map`, `a function`, `a number`, `undefined`.
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `an instance of ${(value as object).constructor?.name ?? 'an unknown class'}`;
  if (typeof value === 'undefined') return 'undefined';
  return `a ${typeof value}`;
}
