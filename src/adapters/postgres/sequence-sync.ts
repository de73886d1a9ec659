import type pg from 'pg';
import { log } from '../../core/logger.js';
import { qualified } from './source-catalog.js';
import { q } from '../../core/sql-names.js';
import { TandemError } from '../../core/errors.js';
import { failpoint } from '../../core/failpoint.js';
import type { SequenceRestoreResult, SequenceValue } from '../../core/engine/sequences.js';

export type { SequenceRestoreResult };

/**
 * Sets each sequence that exists on this database to the other side's value, but never below the
 * highest value of the column it feeds (serial, identity, or a DEFAULT nextval) that the sequence
 * could hand out, so the first insert after a cutover cannot collide with a migrated row. Values
 * above the sequence's MAXVALUE (written explicitly) are ones it never reaches, so they do not raise
 * it. Sequences counting down, and sequences that CYCLE (a wrapped one hands out low values again:
 * raising it to the column's maximum would make its next value wrap onto a taken key), are set to
 * the other side's value only.
 *
 * Every value is worked out before any sequence is set: a column whose maximum cannot be read (no
 * SELECT privilege, say) is a TANDEM_PRIVILEGE / TANDEM_DATA error naming the table, and nothing is
 * changed. (Taking a failed read for "no rows" could set a sequence below the data.) So is a value
 * outside this database's bounds for the sequence (its MINVALUE/MAXVALUE differ from the other
 * side's): a TANDEM_DATA error naming it, before any sequence is set.
 */
export async function restoreSequences(client: pg.Client, values: readonly SequenceValue[]): Promise<SequenceRestoreResult[]> {
  if (values.length === 0) return [];
  const started = Date.now();
  // The whole plan in a few round trips, not several per sequence: this runs between the last
  // change applied and COMPLETED, while the application waits.
  const info = await client.query(
    `SELECT v.i::int AS i, c.oid::text AS oid, seq.seqincrement::text AS inc, seq.seqcycle AS cycle,
            seq.seqmin::text AS min, seq.seqmax::text AS max
       FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS v(schema, name, i)
       JOIN pg_namespace n ON n.nspname = v.schema
       JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = v.name AND c.relkind = 'S'
       JOIN pg_sequence seq ON seq.seqrelid = c.oid`, [values.map((v) => v.schema), values.map((v) => v.name)]);
  const found = new Map<number, { oid: string; raisable: boolean; min: bigint; max: bigint }>(
    info.rows.map((r) => [Number(r.i) - 1, {
      oid: String(r.oid), raisable: !String(r.inc).startsWith('-') && !(r.cycle === true || r.cycle === 't'), min: BigInt(r.min), max: BigInt(r.max),
    }]));
  const raisable = [...found.values()].filter((f) => f.raisable);
  const fed = await columnsFedBy(client, raisable.map((f) => f.oid));
  const nameByOid = new Map([...found.entries()].map(([i, f]) => [f.oid, `${values[i]!.schema}.${values[i]!.name}`]));
  const maxima = await columnMaxima(client, raisable.flatMap((f) => (fed.get(f.oid) ?? []).map((c) => ({ ...c, oid: f.oid, bound: f.max }))),
    (oid) => nameByOid.get(oid) ?? oid);
  const plan: { name: string; result: SequenceRestoreResult; called: boolean }[] = [];
  const outOfBounds: string[] = [];
  values.forEach((s, i) => {
    const f = found.get(i);
    if (!f) return;
    let value = BigInt(s.lastValue);
    let called = s.isCalled;
    let raised = false;
    for (const c of fed.get(f.oid) ?? []) { // only ascending sequences that do not cycle were looked up
      const max = maxima.get(maxKey({ ...c, oid: f.oid }));
      if (max !== undefined && max > value) {
        value = max;
        called = true;
        raised = true;
      }
    }
    // Beyond bigint (a MySQL BIGINT UNSIGNED counter): no definition of the sequence could hold it,
    // so it is set to its limit, its next value failing as the source's would past its own.
    if (value > BIGINT_MAX) {
      const c = withinSequenceBounds(value, called, f.min, f.max);
      plan.push({ name: qualified(s.schema, s.name), called: c.called, result: { sequence: `${s.schema}.${s.name}`, value: c.value.toString(), raisedToData: raised, ...(c.cappedFrom === undefined ? {} : { cappedFrom: c.cappedFrom }) } });
      return;
    }
    if (value < f.min || value > f.max) outOfBounds.push(`${s.schema}.${s.name} (${value} is outside ${f.min}..${f.max})`);
    plan.push({ name: qualified(s.schema, s.name), called, result: { sequence: `${s.schema}.${s.name}`, value: value.toString(), raisedToData: raised } });
  });
  if (outOfBounds.length > 0) {
    throw new TandemError('TANDEM_DATA', `The other side's value of ${outOfBounds.length} sequence(s) is outside their bounds on this database: ${outOfBounds.join('; ')}. No sequence was changed.`, {
      hint: 'The sequence was defined differently on the two databases. Make its MINVALUE/MAXVALUE here hold the value (ALTER SEQUENCE … MAXVALUE …), then run the command again: it sets every sequence again.',
    });
  }
  const planned = Date.now();
  const out: SequenceRestoreResult[] = [];
  for (const p of plan) {
    if (out.length > 0) failpoint('cutover.between-sequence-restores');
    try {
      await client.query('SELECT setval($1::regclass, $2::bigint, $3::boolean)', [p.name, p.result.value, p.called]);
    } catch (e) {
      if ((e as { code?: string }).code !== '42501') throw e;
      const user = (await client.query('SELECT current_user AS u').catch(() => undefined))?.rows[0]?.u;
      throw new TandemError('TANDEM_PRIVILEGE', `${user ? `User ${user}` : 'The user'} may not set sequence ${p.result.sequence}: it lacks UPDATE on it${out.length > 0 ? ` (${out.length} sequence(s) before it were set)` : ''}.`, {
        hint: `As its owner or a superuser: GRANT UPDATE ON SEQUENCE ${p.name} TO ${user ? q(String(user)) : '<user>'}; then run the command again (it sets every sequence again).`,
        cause: e,
      });
    }
    out.push(p.result);
  }
  log.debug(`sequences: planned in ${planned - started} ms, ${out.length} set in ${Date.now() - planned} ms`);
  return out;
}

const BIGINT_MAX = 9223372036854775807n;

/**
 * A sequence value brought within the sequence's bounds [min, max], for setval: a capped value is
 * set as called (its next value then fails as the source's would past its own limit), and names the
 * value it was capped from. Used at the snapshot import (`restoreSequence`) and at the cutover.
 */
export function withinSequenceBounds(value: bigint, isCalled: boolean, min: bigint, max: bigint): { value: bigint; called: boolean; cappedFrom?: string } {
  const capped = value > max ? max : value < min ? min : value;
  return capped === value ? { value, called: isCalled } : { value: capped, called: true, cappedFrom: value.toString() };
}

/** A column (pg_attribute a, its pg_type t) whose type, or its domain's base type, is an integer or numeric. */
const NUMBER_TYPE = `coalesce(NULLIF(t.typbasetype, 0), t.oid) IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype, 'numeric'::regtype)`;

interface FedColumn { readonly schema: string; readonly table: string; readonly column: string }

/** A column's highest value that one sequence can hand out (at most its MAXVALUE): by column and sequence. */
const maxKey = (c: FedColumn & { oid: string }) => JSON.stringify([c.schema, c.table, c.column, c.oid]);

/**
 * Columns fed by each sequence (by oid): owned-by (serial, identity) and DEFAULT nextval('seq'), of
 * an integer or numeric type (or a domain over one). A text column built from nextval ('ORD-' ||
 * nextval(…)) holds no number to compare with the sequence, so it does not raise it.
 */
async function columnsFedBy(client: pg.Client, sequenceOids: readonly string[]): Promise<Map<string, FedColumn[]>> {
  const out = new Map<string, FedColumn[]>();
  if (sequenceOids.length === 0) return out;
  const r = await client.query(
    `SELECT d.objid::text AS seq, n.nspname AS schema, c.relname AS table, a.attname AS column
       FROM pg_depend d JOIN pg_class c ON c.oid = d.refobjid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.refobjsubid
       JOIN pg_type t ON t.oid = a.atttypid
      WHERE d.classid = 'pg_class'::regclass AND d.objid = ANY($1::oid[]) AND d.refobjsubid > 0 AND c.relkind IN ('r', 'p')
        AND ${NUMBER_TYPE}
     UNION
     SELECT d.refobjid::text, n.nspname, c.relname, a.attname
       FROM pg_depend d JOIN pg_attrdef ad ON ad.oid = d.objid
       JOIN pg_class c ON c.oid = ad.adrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
       JOIN pg_type t ON t.oid = a.atttypid
      WHERE d.classid = 'pg_attrdef'::regclass AND d.refobjid = ANY($1::oid[]) AND c.relkind IN ('r', 'p')
        AND ${NUMBER_TYPE}`, [sequenceOids]);
  for (const row of r.rows) {
    const list = out.get(row.seq) ?? [];
    list.push({ schema: row.schema, table: row.table, column: row.column });
    out.set(row.seq, list);
  }
  return out;
}

/** Columns read per statement (one scalar subquery each). */
const MAX_CHUNK = 200;

type BoundedColumn = FedColumn & { readonly oid: string; readonly bound: bigint };

/** The highest value of the column that its sequence could have handed out (a scalar subquery). */
const boundedMax = (c: BoundedColumn) => `(SELECT max(${q(c.column)})::text FROM ${qualified(c.schema, c.table)} WHERE ${q(c.column)} <= ${c.bound.toString()})`;

/**
 * The maximum of every column up to its sequence's MAXVALUE, by maxKey: one statement per
 * MAX_CHUNK columns. When a statement fails (no SELECT privilege on one table, say), the columns
 * are read one by one, so that the error names the table.
 */
async function columnMaxima(client: pg.Client, columns: readonly BoundedColumn[], sequenceOf: (oid: string) => string): Promise<Map<string, bigint | undefined>> {
  const out = new Map<string, bigint | undefined>();
  const unique = [...new Map(columns.map((c) => [maxKey(c), c])).values()];
  for (let from = 0; from < unique.length; from += MAX_CHUNK) {
    const chunk = unique.slice(from, from + MAX_CHUNK);
    let row: Record<string, unknown> | undefined;
    try {
      const r = await client.query(`SELECT ${chunk.map((c, i) => `${boundedMax(c)} AS m${i}`).join(', ')}`);
      row = r.rows[0];
    } catch {
      row = undefined;
    }
    for (const [i, c] of chunk.entries()) {
      out.set(maxKey(c), row ? parseMax(row[`m${i}`], c, sequenceOf(c.oid)) : await columnMax(client, c, sequenceOf(c.oid)));
    }
  }
  return out;
}

/** The column's maximum as an integer (its integer part for a numeric column); undefined for an empty table. */
async function columnMax(client: pg.Client, c: BoundedColumn, sequence: string): Promise<bigint | undefined> {
  let max: unknown;
  try {
    const r = await client.query(`SELECT ${boundedMax(c)} AS m`);
    max = r.rows[0].m;
  } catch (e) {
    const code = (e as { code?: string }).code;
    const where = `the highest ${c.schema}.${c.table}.${c.column}`;
    throw new TandemError(code === '42501' ? 'TANDEM_PRIVILEGE' : 'TANDEM_DATA',
      `Cannot read ${where}, which sequence ${sequence} feeds (${code ?? 'error'}: ${(e as Error).message}); no sequence was changed.`, {
        hint: code === '42501' ? `GRANT SELECT ON ${qualified(c.schema, c.table)} TO the migration user, then run the command again.` : 'Fix the cause and run the command again: it resumes.',
        cause: e,
      });
  }
  return parseMax(max, c, sequence);
}

function parseMax(max: unknown, c: FedColumn, sequence: string): bigint | undefined {
  if (max === null || max === undefined) return undefined;
  const m = /^(-?\d+)(?:\.\d*)?$/.exec(String(max));
  if (!m) {
    throw new TandemError('TANDEM_DATA', `${c.schema}.${c.table}.${c.column}, fed by sequence ${sequence}, holds a value that is not a number; no sequence was changed.`, {
      hint: 'Set the sequence by hand (SELECT setval(…)) or change its default.',
    });
  }
  return BigInt(m[1]!);
}
