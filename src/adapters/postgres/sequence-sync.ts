import type pg from 'pg';
import { qualified } from './source-catalog.js';
import { q } from '../../core/sql-names.js';
import type { SequenceInfo } from './source-catalog.js';

export interface SequenceRestoreResult {
  readonly sequence: string;
  readonly value: string;
  /** True when the column it feeds already held a higher value than the other side's sequence. */
  readonly raisedToData: boolean;
}

/**
 * Sets each sequence that exists on this database to the other side's value, but never below the
 * highest value of the column it feeds (serial, identity, or a DEFAULT nextval), so the first insert
 * after a cutover cannot collide with a migrated row. Sequences counting down are set to the other
 * side's value only.
 */
export async function restoreSequences(client: pg.Client, values: readonly SequenceInfo[]): Promise<SequenceRestoreResult[]> {
  const out: SequenceRestoreResult[] = [];
  for (const s of values) {
    const name = qualified(s.schema, s.name);
    const info = await client.query(
      `SELECT c.oid::int AS oid, seq.seqincrement::text AS inc FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_sequence seq ON seq.seqrelid = c.oid WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'S'`, [s.schema, s.name]);
    if (info.rows.length === 0) continue;
    const oid = info.rows[0].oid;
    const ascending = !String(info.rows[0].inc).startsWith('-');
    // Columns fed by the sequence: owned-by (serial, identity) and DEFAULT nextval('seq').
    const cols = await client.query(
      `SELECT DISTINCT n.nspname AS schema, c.relname AS table, a.attname AS column
         FROM pg_depend d JOIN pg_class c ON c.oid = d.refobjid JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.refobjsubid
        WHERE d.classid = 'pg_class'::regclass AND d.objid = $1 AND d.refobjsubid > 0 AND c.relkind IN ('r', 'p')
       UNION
       SELECT DISTINCT n.nspname, c.relname, a.attname
         FROM pg_depend d JOIN pg_attrdef ad ON ad.oid = d.objid
         JOIN pg_class c ON c.oid = ad.adrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
        WHERE d.classid = 'pg_attrdef'::regclass AND d.refobjid = $1 AND c.relkind IN ('r', 'p')`, [oid]);
    let value = BigInt(s.lastValue);
    let called = s.isCalled;
    let raised = false;
    if (ascending) {
      for (const c of cols.rows) {
        const m = await client.query(`SELECT max(${q(c.column)})::text AS m FROM ${qualified(c.schema, c.table)}`)
          .catch(() => ({ rows: [{ m: null }] }));
        const max = m.rows[0].m;
        if (max !== null && /^-?\d+$/.test(String(max)) && BigInt(max) > value) {
          value = BigInt(max);
          called = true;
          raised = true;
        }
      }
    }
    await client.query('SELECT setval($1::regclass, $2::bigint, $3::boolean)', [name, value.toString(), called]);
    out.push({ sequence: `${s.schema}.${s.name}`, value: value.toString(), raisedToData: raised });
  }
  return out;
}
