import type { TableInfo, TableRef } from '../../core/engine/catalog.js';
import { TandemError } from '../../core/errors.js';
import type { NameMapper } from './capture/redo-events.js';
import { copiedColumns } from './snapshot/snapshot-sql.js';
import { oracleNameToPg } from './schema/index.js';
import type { OracleColumn, OracleTable } from './values/oracle-type.js';

/**
 * How the Oracle engine names things to the rest of Tandem (pure). The workflow, the queue, the
 * snapshot files and the target all use the names the schema converter gives the target's objects
 * (`oracleNameToPg`: `HR.EMPLOYEES.FIRST_NAME` → `hr.employees.first_name`, a quoted mixed-case name
 * kept), so a table's key is the same on both sides of a comparison and in the data-migration
 * report. Inside the engine every name is mapped back to Oracle's stored name through the catalog.
 */

/** A table as the Oracle catalog lists it: target names outside, the Oracle table inside. */
export interface OracleTableInfo extends TableInfo {
  readonly oracle: OracleTable;
}

/** The Oracle facts of a table this engine's catalog listed (the workflow hands them back unchanged). */
export function oracleTableOf(t: TableInfo): OracleTable {
  const o = (t as Partial<OracleTableInfo>).oracle;
  if (!o) throw new Error(`internal: table ${t.schema}.${t.name} was not listed by the Oracle catalog`);
  return o;
}

/** The engine-neutral view of an Oracle table: target names, the copied (non-virtual) columns, size estimates. */
export function toOracleTableInfo(t: OracleTable, stats: { rows?: number; blocks?: number; blockSize?: number } = {}): OracleTableInfo {
  return {
    schema: oracleNameToPg(t.schema),
    name: oracleNameToPg(t.name),
    columns: copiedColumns(t).map((c) => oracleNameToPg(c.name)),
    primaryKey: t.primaryKey.map(oracleNameToPg),
    estimatedRows: stats.rows ?? 0,
    estimatedBytes: (stats.blocks ?? 0) * (stats.blockSize ?? 8192),
    oracle: t,
  };
}

/** Whether `requested` names the migrated schema: as Oracle stores it (`HR`) or as the target names it (`hr`). */
export function namesSchema(sourceSchema: string, requested: string): boolean {
  return requested === sourceSchema || requested === oracleNameToPg(sourceSchema);
}

/**
 * Refuses tables whose target names meet (`"Orders"` and `ORDERS` both exist; two long names that
 * share their first 63 bytes): their rows would go into one target table.
 */
export function checkNameCollisions(tables: readonly OracleTable[]): void {
  const seen = new Map<string, string>();
  for (const t of tables) {
    const pg = oracleNameToPg(t.name);
    const other = seen.get(pg);
    if (other !== undefined) {
      throw new TandemError('TANDEM_UNSUPPORTED', `Oracle tables ${t.schema}."${other}" and ${t.schema}."${t.name}" both become ${pg} on the target.`, {
        hint: 'Rename one of them on the source, or leave one out with --exclude-table-list.',
      });
    }
    seen.set(pg, t.name);
    const cols = new Map<string, string>();
    for (const c of t.columns) {
      const pc = oracleNameToPg(c.name);
      const prev = cols.get(pc);
      if (prev !== undefined) {
        throw new TandemError('TANDEM_UNSUPPORTED', `Columns "${prev}" and "${c.name}" of Oracle table ${t.schema}."${t.name}" both become ${pc} on the target.`, {
          hint: 'Rename one of them on the source.',
        });
      }
      cols.set(pc, c.name);
    }
  }
}

/** The Oracle table whose target name is `targetName` (`employees` → `EMPLOYEES`), or undefined. */
export function findOracleTable(tables: readonly OracleTable[], targetName: string): OracleTable | undefined {
  return tables.find((t) => oracleNameToPg(t.name) === targetName);
}

/** The Oracle column of `table` whose target name is `targetName`, or undefined. */
export function findOracleColumn(table: OracleTable, targetName: string): OracleColumn | undefined {
  return table.columns.find((c) => oracleNameToPg(c.name) === targetName);
}

/** Resolves a table the workflow names (`hr.employees`) to its Oracle table, or throws TANDEM_UNKNOWN_TABLE. */
export function resolveOracleTable(tables: readonly OracleTable[], sourceSchema: string, ref: TableRef): OracleTable {
  const t = namesSchema(sourceSchema, ref.schema) ? findOracleTable(tables, ref.name) : undefined;
  if (!t) throw new TandemError('TANDEM_UNKNOWN_TABLE', `Table ${ref.schema}.${ref.name} does not exist in Oracle schema ${sourceSchema}.`);
  return t;
}

/** Change events name schema, tables and columns as the target does. */
export const TARGET_NAMES: NameMapper = {
  schema: (owner) => oracleNameToPg(owner),
  table: (_owner, table) => oracleNameToPg(table),
  column: (_owner, _table, column) => oracleNameToPg(column),
};

/**
 * PostgreSQL's name for the sequence of an identity column `table.column` (what `CREATE TABLE …
 * GENERATED … AS IDENTITY` creates: makeObjectName(table, column, "seq") in PostgreSQL's
 * indexcmds.c): `<table>_<column>_seq`, the longer of the two names shortened a character at a time
 * until the whole fits in 63 bytes. (A name already taken would get a number appended; the schema
 * converter creates none that collide.)
 */
export function pgIdentitySequenceName(table: string, column: string): string {
  const chars1 = [...table];
  const chars2 = [...column];
  const bytes = (cs: readonly string[], n: number) => Buffer.byteLength(cs.slice(0, n).join(''), 'utf8');
  const avail = 63 - ('seq'.length + 2);
  let n1 = chars1.length;
  let n2 = chars2.length;
  // PostgreSQL counts bytes and then clips to whole characters; counting characters and checking
  // bytes gives the same result for ASCII names and never splits a multi-byte character.
  while (bytes(chars1, n1) + bytes(chars2, n2) > avail) {
    if (bytes(chars1, n1) > bytes(chars2, n2)) n1--;
    else n2--;
  }
  return `${chars1.slice(0, n1).join('')}_${chars2.slice(0, n2).join('')}_seq`;
}
