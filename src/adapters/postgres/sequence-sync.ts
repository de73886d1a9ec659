import type pg from 'pg';
import { qualified } from './source-catalog.js';
import { q } from '../../core/sql-names.js';
import { TandemError } from '../../core/errors.js';
import { failpoint } from '../../core/failpoint.js';
import type { SequenceRestoreResult, SequenceValue } from '../../core/engine/sequences.js';

export type { SequenceRestoreResult };

/**
 * Sets each sequence that exists on this database to the other side's value, but never below the
 * highest value of the column it feeds (serial, identity, or a DEFAULT nextval), so the first insert
 * after a cutover cannot collide with a migrated row. Sequences counting down are set to the other
 * side's value only.
 *
 * Every value is worked out before any sequence is set: a column whose maximum cannot be read (no
 * SELECT privilege, say) is a TANDEM_PRIVILEGE / TANDEM_DATA error naming the table, and nothing is
 * changed. (Taking a failed read for "no rows" could set a sequence below the data.)
 */
export async function restoreSequences(client: pg.Client, values: readonly SequenceValue[]): Promise<SequenceRestoreResult[]> {
  const plan: { name: string; result: SequenceRestoreResult; called: boolean }[] = [];
  for (const s of values) {
    const info = await client.query(
      `SELECT c.oid::int AS oid, seq.seqincrement::text AS inc FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_sequence seq ON seq.seqrelid = c.oid WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'S'`, [s.schema, s.name]);
    if (info.rows.length === 0) continue;
    const oid = info.rows[0].oid;
    const ascending = !String(info.rows[0].inc).startsWith('-');
    let value = BigInt(s.lastValue);
    let called = s.isCalled;
    let raised = false;
    if (ascending) {
      for (const c of await columnsFedBy(client, oid)) {
        const max = await columnMax(client, c, `${s.schema}.${s.name}`);
        if (max !== undefined && max > value) {
          value = max;
          called = true;
          raised = true;
        }
      }
    }
    plan.push({ name: qualified(s.schema, s.name), called, result: { sequence: `${s.schema}.${s.name}`, value: value.toString(), raisedToData: raised } });
  }
  const out: SequenceRestoreResult[] = [];
  for (const p of plan) {
    if (out.length > 0) failpoint('cutover.between-sequence-restores');
    await client.query('SELECT setval($1::regclass, $2::bigint, $3::boolean)', [p.name, p.result.value, p.called]);
    out.push(p.result);
  }
  return out;
}

interface FedColumn { readonly schema: string; readonly table: string; readonly column: string }

/** Columns fed by a sequence: owned-by (serial, identity) and DEFAULT nextval('seq'). */
async function columnsFedBy(client: pg.Client, sequenceOid: number): Promise<FedColumn[]> {
  const r = await client.query(
    `SELECT DISTINCT n.nspname AS schema, c.relname AS table, a.attname AS column
       FROM pg_depend d JOIN pg_class c ON c.oid = d.refobjid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.refobjsubid
      WHERE d.classid = 'pg_class'::regclass AND d.objid = $1 AND d.refobjsubid > 0 AND c.relkind IN ('r', 'p')
     UNION
     SELECT DISTINCT n.nspname, c.relname, a.attname
       FROM pg_depend d JOIN pg_attrdef ad ON ad.oid = d.objid
       JOIN pg_class c ON c.oid = ad.adrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
      WHERE d.classid = 'pg_attrdef'::regclass AND d.refobjid = $1 AND c.relkind IN ('r', 'p')`, [sequenceOid]);
  return r.rows as FedColumn[];
}

/** The column's maximum as an integer (its integer part for a numeric column); undefined for an empty table. */
async function columnMax(client: pg.Client, c: FedColumn, sequence: string): Promise<bigint | undefined> {
  let max: unknown;
  try {
    const r = await client.query(`SELECT max(${q(c.column)})::text AS m FROM ${qualified(c.schema, c.table)}`);
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
  if (max === null || max === undefined) return undefined;
  const m = /^(-?\d+)(?:\.\d*)?$/.exec(String(max));
  if (!m) {
    throw new TandemError('TANDEM_DATA', `${c.schema}.${c.table}.${c.column}, fed by sequence ${sequence}, holds a value that is not a number; no sequence was changed.`, {
      hint: 'Set the sequence by hand (SELECT setval(…)) or change its default.',
    });
  }
  return BigInt(m[1]!);
}
