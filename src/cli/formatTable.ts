/**
 * Rows as a plain-text table: upper-case headers, columns padded to their
 * widest cell, two spaces between columns, no trailing spaces. Empty cells
 * print as `-`.
 */
export function formatTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const cells = rows.map((row) => headers.map((_, index) => (row[index] === undefined || row[index] === '' ? '-' : row[index])));
  const widths = headers.map((header, index) => Math.max(header.length, ...cells.map((row) => row[index].length)));
  const line = (row: readonly string[]): string => row.map((cell, index) => cell.padEnd(widths[index])).join('  ').trimEnd();
  return `${[line(headers.map((header) => header.toUpperCase())), ...cells.map(line)].join('\n')}\n`;
}
