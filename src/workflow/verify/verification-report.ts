import { renderTable } from '../text-table.js';
import type { VerificationRun } from './verification-store.js';
import type { KeyDifference } from '../../core/verify/differing-keys.js';

/** By table key: a table's first differing keys, or why they could not be named. */
export type DifferingKeys = ReadonlyMap<string, KeyDifference[] | { readonly error: string }>;

/**
 * Characters a terminal shows as something else or not at all: controls (ESC and CR move the
 * cursor, a newline breaks the report's lines), format characters, and every space but ' ' (a
 * no-break space looked like a space). A key holding one is written as an escaped string.
 */
const UNSEEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/u;

/** A key's text value as SQL would write it: 'x', or E'0\u00A0' when it holds an unseen character (`UNSEEN`). */
export function keyValueText(v: string): string {
  if (!UNSEEN.test(v)) return `'${v.replace(/'/g, "''")}'`;
  let out = '';
  for (const ch of v) {
    const code = ch.codePointAt(0)!;
    out += ch === '\\' ? '\\\\' : ch === "'" ? "''" : ch === '\n' ? '\\n' : ch === '\r' ? '\\r' : ch === '\t' ? '\\t'
      : UNSEEN.test(ch) ? (code > 0xffff ? `\\U${code.toString(16).toUpperCase().padStart(8, '0')}` : `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`) : ch;
  }
  return `E'${out}'`;
}

/** `id=17, code='x'` (a key's columns as their canonical text; NULL bare; unseen characters escaped). */
function keyText(key: Readonly<Record<string, string | null>>): string {
  return Object.entries(key).map(([c, v]) => `${c}=${v === null ? 'NULL' : /^-?\d+(\.\d+)?$/.test(v) ? v : keyValueText(v)}`).join(', ');
}

function differenceText(d: KeyDifference): string {
  return d.kind === 'changed' ? `${keyText(d.key)} (different values)` : `${keyText(d.key)} (only on ${d.presentOn})`;
}

const jsonKey = (label: string) => label.toLowerCase().replace(/[^a-z0-9]+/g, '_');

/** The last line of a report: the verdict, naming every table that differs. */
export function verdictLine(run: VerificationRun): string {
  const bad = run.summary.mismatched;
  return bad.length === 0
    ? `MATCH: all ${run.summary.tables} table(s) have the same row count and checksum on ${run.leftLabel} and ${run.rightLabel}.`
    : `MISMATCH in ${bad.length} table(s): ${bad.join(', ')}`;
}

/**
 * Renders a verification run as a text table (TABLE, <LEFT> ROWS, <RIGHT> ROWS, RESULT), the tables
 * that could not be read with their errors, and the verdict as the very last line; or as JSON with
 * snake_case keys (`source_rows`, `target_checksum`, …, named after the sides' labels).
 */
export function renderVerificationReport(run: VerificationRun, format: 'table' | 'json', differingKeys?: DifferingKeys): string {
  const l = run.leftLabel;
  const r = run.rightLabel;
  if (format === 'json') {
    return JSON.stringify({
      run_id: run.runId,
      occasion: run.occasion,
      started_at: run.summary.startedAt,
      finished_at: run.summary.finishedAt,
      result: run.match ? 'MATCH' : 'MISMATCH',
      table_count: run.summary.tables,
      mismatched_tables: run.summary.mismatched,
      tables: run.results.map((t) => ({
        table_name: t.table,
        [`${jsonKey(l)}_rows`]: t.leftRows,
        [`${jsonKey(r)}_rows`]: t.rightRows,
        [`${jsonKey(l)}_checksum`]: t.leftChecksum,
        [`${jsonKey(r)}_checksum`]: t.rightChecksum,
        result: t.match ? 'MATCH' : 'MISMATCH',
        ...(t.error ? { error: t.error } : {}),
        ...keysJson(differingKeys?.get(t.table)),
      })),
    }, null, 2);
  }
  const count = (n: number | null) => (n === null ? '-' : String(n));
  const lines = [renderTable(['TABLE', `${l.toUpperCase()} ROWS`, `${r.toUpperCase()} ROWS`, 'RESULT'],
    run.results.map((t) => [t.table, count(t.leftRows), count(t.rightRows), t.match ? 'MATCH' : 'MISMATCH']))];
  const failed = run.results.filter((t) => t.error);
  if (failed.length > 0) {
    lines.push('', 'Tables that could not be compared, or cannot match:');
    for (const t of failed) lines.push(`  ${t.table}: ${t.error}`);
  }
  const sameCountDifferentRows = run.results.filter((t) => !t.match && !t.error && t.leftRows === t.rightRows);
  if (sameCountDifferentRows.length > 0) {
    lines.push('', `Same row count but different content (checksum differs): ${sameCountDifferentRows.map((t) => t.table).join(', ')}`);
  }
  const named = run.results.filter((t) => differingKeys?.has(t.table));
  if (named.length > 0) {
    lines.push('', 'First differing primary keys (in key order):');
    for (const t of named) {
      const k = differingKeys!.get(t.table)!;
      lines.push(`  ${t.table}: ${Array.isArray(k) ? (k.length ? k.map(differenceText).join('; ') : 'none found (the rows changed while they were read?)') : `not named: ${k.error}`}`);
    }
    // Keys are looked for in the first tables that differ only (measured before: the 11th table went unmentioned; the pg-values-51 run).
    const unnamed = run.results.filter((t) => !t.match && !t.error && !differingKeys!.has(t.table)).map((t) => t.table);
    if (unnamed.length > 0) lines.push(`  (not looked for in ${unnamed.length} more table(s) that differ: ${unnamed.join(', ')}; compare them alone with --table-list to have theirs named)`);
  }
  lines.push('', verdictLine(run));
  return lines.join('\n');
}

function keysJson(k: KeyDifference[] | { readonly error: string } | undefined): object {
  if (k === undefined) return {};
  if (!Array.isArray(k)) return { first_differing_keys_error: k.error };
  return { first_differing_keys: k.map((d) => ({ key: d.key, kind: d.kind === 'changed' ? 'different_values' : 'missing', ...(d.presentOn ? { present_on: d.presentOn } : {}) })) };
}
