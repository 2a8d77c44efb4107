/**
 * Whether `name` cannot be used as a trigger or task name: `__proto__`.
 *
 * Trigger and task names are keys of plain JSON objects (an instance's
 * `kwargs`, the latest kwargs, a configuration); assigning `__proto__` on
 * such an object changes its prototype instead of storing a value, so the
 * firing would silently be lost. The framework refuses the name instead.
 */
export function isReservedName(name: string): boolean {
  return name === '__proto__';
}
