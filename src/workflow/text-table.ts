/** Renders rows as the boxed text tables the spec shows. */
export function renderTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const sep = '| ' + widths.map((w) => '-'.repeat(w)).join(' | ') + ' |';
  const line = (cells: string[]) => '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ') + ' |';
  return [sep, line(headers), sep, ...rows.map(line), sep].join('\n');
}
