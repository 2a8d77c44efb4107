/**
 * `value` as an error message shows it: its JSON text (`"name"`, `42`,
 * `null`), or a plain description when JSON cannot show it (`undefined`, a
 * BigInt, a function, a symbol, a cycle).
 */
export function quote(value: unknown): string {
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return json;
  } catch {
    // A BigInt or a cycle: described below.
  }
  switch (typeof value) {
    case 'bigint':
      return `${value}n`;
    case 'function':
      return 'a function';
    case 'symbol':
      return value.toString();
    case 'undefined':
      return 'undefined';
    default:
      return 'an unserializable object';
  }
}
