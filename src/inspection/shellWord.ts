/**
 * `value` as one POSIX shell word: unchanged when it holds only characters
 * no shell treats specially, else single-quoted. Used in the commands the
 * `why` advice suggests, so they can be pasted as they are.
 */
export function shellWord(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-][A-Za-z0-9_@%+=:,./#-]*$/.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
