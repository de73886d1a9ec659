import type { DbConfig } from '../../core/db-config.js';
import { TandemError } from '../../core/errors.js';
import type { SequenceRestoreResult, SequenceSync, SequenceValue } from '../../core/engine/sequences.js';
import { oracleSchemaOf } from './oracle-config.js';
import { namesSchema, pgIdentitySequenceName } from './oracle-names.js';
import { withDataSession } from './oracle-sessions.js';
import { IDENTITY_VALUES_QUERY, oracleNameToPg } from './schema/index.js';
import {
  IDENTITY_COLUMNS_SQL, identityColumnsFromRows, nextAfterTarget, restoreIdentitySql, restoreSequenceSql, SEQUENCES_SQL,
  type IdentityColumn, type OracleSequence,
} from './writer/identity-sequences.js';

/**
 * Sequences and identity columns of an Oracle source (the spec leaves both to the user after a
 * fall-back; Tandem restores them).
 *
 * - `read` (at the cutover to target, for the target): every sequence's LAST_NUMBER (the cache's
 *   high-water mark: never below a value handed out) as the next value, named as the target names
 *   it: a sequence `HR.EMP_SEQ` → `hr.emp_seq`, an identity column's sequence → PostgreSQL's name
 *   for it (`employees_employee_id_seq`). The target raises each to its data anyway.
 * - `restore` (at the cutover to source, from the target's values): a sequence restarts at the
 *   target's next value, never backwards; an identity column restarts at the target's next value or
 *   above the column's highest value, whichever is larger. Every value is worked out before any
 *   statement runs.
 *
 * NOT RUN AGAINST A LIVE ORACLE. `planSequenceRestore` is pure and tested.
 */

/** The highest value of an identity column, as text. Built per column (names quoted). */
export function identityMaxSql(c: IdentityColumn): string {
  const q = (n: string) => `"${n.replace(/"/g, '""')}"`;
  return `SELECT TO_CHAR(MAX(${q(c.column)})) AS M FROM ${q(c.schema)}.${q(c.table)}`;
}

/** The Oracle major version (for `restoreSequenceSql`: RESTART needs 18c). */
export const VERSION_SQL = "SELECT MAX(VERSION) AS VERSION FROM PRODUCT_COMPONENT_VERSION WHERE PRODUCT LIKE 'Oracle Database%'";

/** Sequence rows of SEQUENCES_SQL as OracleSequences. */
export function sequencesFromRows(schema: string, rows: readonly Record<string, unknown>[]): OracleSequence[] {
  return rows.map((r) => ({ schema, name: String(r.SEQUENCE_NAME), incrementBy: String(r.INCREMENT_BY ?? '1') }));
}

/** What `read` returns for rows of SEQUENCES_SQL and IDENTITY_VALUES_QUERY (pure). */
export function sequenceValuesFromRows(schema: string, sequences: readonly Record<string, unknown>[], identities: readonly Record<string, unknown>[]): SequenceValue[] {
  const target = oracleNameToPg(schema);
  return [
    ...sequences.map((r) => ({ schema: target, name: oracleNameToPg(String(r.SEQUENCE_NAME)), lastValue: String(r.LAST_NUMBER), isCalled: false })),
    ...identities.map((r) => ({
      schema: target, name: pgIdentitySequenceName(oracleNameToPg(String(r.TABLE_NAME)), oracleNameToPg(String(r.COLUMN_NAME))),
      lastValue: String(r.LAST_NUMBER), isCalled: false,
    })),
  ];
}

/** The statements of a restore and what each does (pure). */
export interface SequenceRestorePlan {
  readonly statements: readonly string[];
  readonly results: readonly SequenceRestoreResult[];
}

/**
 * Plans the restore of `values` (the target's, named as the target names them) on Oracle.
 * `identityMax` holds each identity column's highest value (`schema.table.column`, Oracle names;
 * absent for an empty table).
 */
export function planSequenceRestore(
  schema: string, values: readonly SequenceValue[], sequences: readonly OracleSequence[], identities: readonly IdentityColumn[],
  identityMax: ReadonlyMap<string, string>, majorVersion: number,
): SequenceRestorePlan {
  const mine = values.filter((v) => namesSchema(schema, v.schema));
  const byName = new Map(mine.map((v) => [v.name, v]));
  const statements: string[] = [];
  const results: SequenceRestoreResult[] = [];
  for (const s of sequences) {
    const v = byName.get(oracleNameToPg(s.name));
    if (!v) continue;
    const next = nextAfterTarget(v.lastValue, v.isCalled, s.incrementBy);
    const sql = restoreSequenceSql(s, next, majorVersion);
    statements.push(sql);
    // A descending sequence comes back as a comment for the user: it is not restored.
    if (!sql.startsWith('--')) results.push({ sequence: `${s.schema}.${s.name}`, value: next, raisedToData: false });
  }
  for (const c of identities) {
    const v = byName.get(pgIdentitySequenceName(oracleNameToPg(c.table), oracleNameToPg(c.column)));
    const max = identityMax.get(`${c.schema}.${c.table}.${c.column}`);
    const fromTarget = v ? BigInt(nextAfterTarget(v.lastValue, v.isCalled, '1')) : undefined;
    const aboveData = max !== undefined ? BigInt(max.replace(/\..*$/, '')) + 1n : undefined;
    if (fromTarget === undefined) {
      // The target has no value for it: above the data (LIMIT VALUE), as the column stands.
      statements.push(restoreIdentitySql(c));
      results.push({ sequence: `${c.schema}.${c.table}.${c.column}`, value: 'LIMIT VALUE', raisedToData: true });
      continue;
    }
    const raised = aboveData !== undefined && aboveData > fromTarget;
    const next = (raised ? aboveData : fromTarget).toString();
    statements.push(restoreIdentitySql(c, next));
    results.push({ sequence: `${c.schema}.${c.table}.${c.column}`, value: next, raisedToData: raised });
  }
  return { statements, results };
}

/** Drops SQL*Plus's `/` line ending a PL/SQL block (a driver runs the block without it). */
export function withoutSlash(sql: string): string {
  return sql.replace(/\n\/\s*$/, '');
}

export class OracleSequenceSync implements SequenceSync {
  constructor(private readonly db: DbConfig) {}

  async read(schemas: readonly string[]): Promise<SequenceValue[]> {
    const schema = oracleSchemaOf(this.db);
    if (!schemas.some((s) => namesSchema(schema, s))) return [];
    return withDataSession(this.db, async (s) => sequenceValuesFromRows(
      schema, await s.query(SEQUENCES_SQL, { schema }), await s.query(IDENTITY_VALUES_QUERY, { owner: schema })));
  }

  async restore(values: readonly SequenceValue[]): Promise<SequenceRestoreResult[]> {
    const schema = oracleSchemaOf(this.db);
    return withDataSession(this.db, async (s) => {
      const sequences = sequencesFromRows(schema, await s.query(SEQUENCES_SQL, { schema }));
      const identities = identityColumnsFromRows(schema, await s.query(IDENTITY_COLUMNS_SQL, { schema }));
      const max = new Map<string, string>();
      for (const c of identities) {
        const m = (await s.query(identityMaxSql(c)))[0]?.M;
        if (m !== null && m !== undefined) max.set(`${c.schema}.${c.table}.${c.column}`, String(m));
      }
      const version = String((await s.query(VERSION_SQL))[0]?.VERSION ?? '');
      const major = Number(/^(\d+)/.exec(version)?.[1] ?? NaN);
      if (!Number.isInteger(major)) throw new TandemError('TANDEM_PREREQUISITE', 'The Oracle version could not be read from PRODUCT_COMPONENT_VERSION; no sequence was changed.');
      const plan = planSequenceRestore(schema, values, sequences, identities, max, major);
      for (const stmt of plan.statements) {
        if (stmt.startsWith('--')) continue; // a descending sequence: reported, left to the user
        await s.execute(withoutSlash(stmt));
      }
      return [...plan.results];
    });
  }
}
