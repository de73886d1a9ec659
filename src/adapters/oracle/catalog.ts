import { TandemError } from '../../core/errors.js';
import type { OracleColumn, OracleTable } from './values/oracle-type.js';

/**
 * The tables of the migrated schema as the other roles need them (columns with their types, primary
 * key, index organisation): the catalog SQL (pure text) and a mapper from its rows to OracleTable.
 * Binds: :schema.
 */

export const TABLES_SQL = `SELECT TABLE_NAME, IOT_TYPE, PARTITIONED FROM ALL_TABLES
 WHERE OWNER = :schema AND NESTED = 'NO' AND SECONDARY = 'N' AND (IOT_TYPE IS NULL OR IOT_TYPE = 'IOT')
   AND TABLE_NAME NOT LIKE 'BIN$%' AND TABLE_NAME NOT LIKE 'MLOG$\\_%' ESCAPE '\\' AND TABLE_NAME NOT LIKE 'RUPD$\\_%' ESCAPE '\\'
 ORDER BY TABLE_NAME`;

/**
 * The schema's object tables (`CREATE TABLE t OF some_type`, `OF XMLTYPE`), which ALL_TABLES
 * leaves out (it "describes the relational tables"): not migrated, and named so that they are not
 * missing from the target without a word (the oracle-review-3 run). Binds: :schema.
 */
export const OBJECT_TABLES_SQL = `SELECT TABLE_NAME, TABLE_TYPE FROM ALL_OBJECT_TABLES
 WHERE OWNER = :schema AND NESTED = 'NO' AND SECONDARY = 'N' AND TABLE_NAME NOT LIKE 'BIN$%'
 ORDER BY TABLE_NAME`;

/**
 * Every column the schema converter creates on the target: the visible ones and the INVISIBLE ones
 * (12c+), which the converter makes visible (`INVISIBLE_COLUMN`). ALL_TAB_COLS shows an invisible
 * column with HIDDEN_COLUMN = 'YES', COLUMN_ID NULL and USER_GENERATED = 'YES' (the Reference's
 * USER_TAB_COLS: "invisible columns, which are user-generated hidden columns"); system-generated
 * hidden columns (unused columns, function-based index and extended-statistics expressions) have
 * USER_GENERATED = 'NO' and stay out. Filtering on HIDDEN_COLUMN = 'NO' alone (ALL_TAB_COLUMNS'
 * view of the table) left the invisible columns NULL on the target, and the verification, which
 * compares the source's columns, did not see them. Invisible columns come last (COLUMN_ID is NULL),
 * in the order the table holds them (INTERNAL_COLUMN_ID); every reader names its columns, so the
 * order is only for reports.
 */
export const COLUMNS_SQL = `SELECT c.TABLE_NAME, c.COLUMN_NAME, c.DATA_TYPE, c.DATA_LENGTH, c.CHAR_LENGTH, c.DATA_PRECISION, c.DATA_SCALE,
       c.CHAR_USED, c.NULLABLE, c.COLUMN_ID, c.VIRTUAL_COLUMN, c.HIDDEN_COLUMN, c.USER_GENERATED, i.GENERATION_TYPE
  FROM ALL_TAB_COLS c
  LEFT JOIN ALL_TAB_IDENTITY_COLS i ON i.OWNER = c.OWNER AND i.TABLE_NAME = c.TABLE_NAME AND i.COLUMN_NAME = c.COLUMN_NAME
 WHERE c.OWNER = :schema AND (c.HIDDEN_COLUMN = 'NO' OR c.USER_GENERATED = 'YES')
 ORDER BY c.TABLE_NAME, c.COLUMN_ID NULLS LAST, c.INTERNAL_COLUMN_ID`;

export const PRIMARY_KEYS_SQL = `SELECT k.TABLE_NAME, cc.COLUMN_NAME, cc.POSITION
  FROM ALL_CONSTRAINTS k JOIN ALL_CONS_COLUMNS cc ON cc.OWNER = k.OWNER AND cc.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND cc.TABLE_NAME = k.TABLE_NAME
 WHERE k.OWNER = :schema AND k.CONSTRAINT_TYPE = 'P'
 ORDER BY k.TABLE_NAME, cc.POSITION`;

/** Unique keys other than the primary key (for the fall-back dispatcher). */
export const UNIQUE_KEYS_SQL = `SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, cc.COLUMN_NAME, cc.POSITION
  FROM ALL_CONSTRAINTS k JOIN ALL_CONS_COLUMNS cc ON cc.OWNER = k.OWNER AND cc.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND cc.TABLE_NAME = k.TABLE_NAME
 WHERE k.OWNER = :schema AND k.CONSTRAINT_TYPE = 'U'
 ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, cc.POSITION`;

const n = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** OracleTables from the three queries' rows; `only` restricts to those tables (names as stored). */
export function oracleTablesFromRows(
  schema: string,
  tables: readonly Record<string, unknown>[],
  columns: readonly Record<string, unknown>[],
  primaryKeys: readonly Record<string, unknown>[],
  only?: ReadonlySet<string>,
): OracleTable[] {
  const cols = new Map<string, OracleColumn[]>();
  for (const r of columns) {
    // The query leaves system-generated hidden columns out; rows from an older query would not.
    if (r.HIDDEN_COLUMN === 'YES' && r.USER_GENERATED !== 'YES') continue;
    const t = String(r.TABLE_NAME);
    let list = cols.get(t);
    if (!list) cols.set(t, (list = []));
    const gen = r.GENERATION_TYPE === 'ALWAYS' ? 'ALWAYS' : r.GENERATION_TYPE === 'BY DEFAULT' ? 'BY DEFAULT' : undefined;
    list.push({
      name: String(r.COLUMN_NAME),
      type: {
        dataType: String(r.DATA_TYPE), dataLength: n(r.DATA_LENGTH), charLength: n(r.CHAR_LENGTH), precision: n(r.DATA_PRECISION), scale: n(r.DATA_SCALE),
        charUsed: r.CHAR_USED === 'B' || r.CHAR_USED === 'C' ? r.CHAR_USED : null,
      },
      nullable: r.NULLABLE !== 'N',
      ...(gen ? { identity: gen } : {}),
      ...(r.VIRTUAL_COLUMN === 'YES' ? { virtual: true } : {}),
    });
  }
  const pks = new Map<string, string[]>();
  for (const r of [...primaryKeys].sort((a, b) => Number(a.POSITION) - Number(b.POSITION))) {
    const t = String(r.TABLE_NAME);
    let list = pks.get(t);
    if (!list) pks.set(t, (list = []));
    list.push(String(r.COLUMN_NAME));
  }
  const out: OracleTable[] = [];
  for (const r of tables) {
    const name = String(r.TABLE_NAME);
    if (only && !only.has(name)) continue;
    const c = cols.get(name);
    if (!c || c.length === 0) throw new TandemError('TANDEM_PRIVILEGE', `The columns of ${schema}.${name} are not visible to the migration user.`, { hint: 'GRANT SELECT ANY TABLE (the spec\'s grant) or SELECT on the table.' });
    out.push({ schema, name, columns: c, primaryKey: pks.get(name) ?? [], ...(r.IOT_TYPE === 'IOT' ? { indexOrganized: true } : {}) });
  }
  if (only) {
    const missing = [...only].filter((t) => !out.some((x) => x.name === t));
    if (missing.length > 0) throw new TandemError('TANDEM_UNKNOWN_TABLE', `Table(s) not found in Oracle schema ${schema}: ${missing.join(', ')}.`, { hint: 'Oracle stores unquoted names in upper case; check --table-list.' });
  }
  return out;
}
