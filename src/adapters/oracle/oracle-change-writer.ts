import type { ChangeEvent } from '../../core/change-event.js';
import type { ChangeTarget, ChannelProgress, UniqueKeyInfo } from '../../core/change-target.js';
import { describeDb, type DbConfig } from '../../core/db-config.js';
import { tableKeyOf } from '../../core/engine/catalog.js';
import type { ChangeWriterOptions } from '../../core/engine/engine.js';
import { TandemError } from '../../core/errors.js';
import type { AppliedTable } from '../../core/apply/batch-plan.js';
import { UNIQUE_KEYS_SQL } from './catalog.js';
import { oracleSchemaOf } from './oracle-config.js';
import { readOracleTables } from './oracle-catalog.js';
import { findOracleTable, namesSchema } from './oracle-names.js';
import { openDataSession, withDataSession } from './oracle-sessions.js';
import { oracleNameToPg } from './schema/index.js';
import { oracleRepertoire } from './values/character-set.js';
import type { OracleTable } from './values/oracle-type.js';
import { OracleChangeTarget } from './writer/oracle-change-target.js';
import { writerTable, type WriterTable } from './writer/writer-sql.js';

/**
 * `import data to source` into Oracle: the engine's change writer. It reads the Oracle tables the
 * events name (target names, mapped back with `oracleNameToPg`) and their unique keys at `prepare`,
 * then hands every call to `OracleChangeTarget` (array DML with the spec's progress rows in one
 * transaction per batch). Values Oracle stores differently from the target ('' as NULL, fractions of
 * a second in a DATE…) are counted per table and column and reported as warnings.
 *
 * NOT RUN AGAINST A LIVE ORACLE. `writerTablesFor` and `uniqueKeysFromRows` are pure and tested.
 */

/** Unique indexes other than the primary key's, with their columns. Binds: :schema. */
export const UNIQUE_INDEXES_SQL = `SELECT i.TABLE_NAME, i.INDEX_NAME, i.INDEX_TYPE, c.COLUMN_NAME, c.COLUMN_POSITION
  FROM ALL_INDEXES i JOIN ALL_IND_COLUMNS c ON c.INDEX_OWNER = i.OWNER AND c.INDEX_NAME = i.INDEX_NAME
 WHERE i.TABLE_OWNER = :schema AND i.UNIQUENESS = 'UNIQUE'
   AND NOT EXISTS (SELECT 1 FROM ALL_CONSTRAINTS k WHERE k.OWNER = i.TABLE_OWNER AND k.TABLE_NAME = i.TABLE_NAME
                    AND k.CONSTRAINT_TYPE IN ('P', 'U') AND k.INDEX_NAME = i.INDEX_NAME)
 ORDER BY i.TABLE_NAME, i.INDEX_NAME, c.COLUMN_POSITION`;

/** The database character set (CHAR, VARCHAR2, LONG, CLOB). */
export const CHARACTER_SET_SQL = `SELECT VALUE FROM NLS_DATABASE_PARAMETERS WHERE PARAMETER = 'NLS_CHARACTERSET'`;

/**
 * The tables the writer writes, keyed as events name them: `applied` is the workflow's view (target
 * names), `writer` maps each event column to its Oracle column.
 */
export function writerTablesFor(sourceSchema: string, written: readonly { schema: string; name: string; primaryKey: readonly string[]; columns: readonly string[] }[], oracle: readonly OracleTable[], characterSet?: string): Map<string, { applied: AppliedTable; writer: WriterTable }> {
  // A database character set that stores fewer characters than the target: the writer checks each text (Oracle would replace what it cannot store).
  const repertoire = characterSet !== undefined ? oracleRepertoire(characterSet) : undefined;
  const databaseCharacters = characterSet !== undefined && repertoire !== undefined && repertoire !== 'unicode' ? { characterSet, repertoire } : undefined;
  const out = new Map<string, { applied: AppliedTable; writer: WriterTable }>();
  for (const t of written) {
    const o = namesSchema(sourceSchema, t.schema) ? findOracleTable(oracle, t.name) : undefined;
    if (!o) throw new TandemError('TANDEM_UNKNOWN_TABLE', `Table ${t.schema}.${t.name} does not exist in Oracle schema ${sourceSchema}: fall-back writes cannot reach it.`, { hint: 'Create the table on the source again (same columns), then restart import data to source.' });
    const w = writerTable(o, oracleNameToPg, databaseCharacters);
    const primaryKey = t.primaryKey.length > 0 ? t.primaryKey : w.primaryKeyEventNames;
    out.set(tableKeyOf(t), { applied: { schema: t.schema, name: t.name, primaryKey, columns: t.columns }, writer: w });
  }
  return out;
}

/**
 * Unique keys other than primary keys, named as events name them: UNIQUE constraints
 * (`UNIQUE_KEYS_SQL`) compare by value; a unique function-based index (its columns are hidden
 * virtual ones, `SYS_NC…$`) may collide on any column, so it lists every column and compares whole.
 */
export function uniqueKeysFromRows(oracle: readonly OracleTable[], constraintRows: readonly Record<string, unknown>[], indexRows: readonly Record<string, unknown>[]): UniqueKeyInfo[] {
  const out: UniqueKeyInfo[] = [];
  const group = (rows: readonly Record<string, unknown>[], nameKey: string) => {
    const g = new Map<string, { table: string; name: string; columns: string[]; functionBased: boolean }>();
    for (const r of rows) {
      const k = `${String(r.TABLE_NAME)}\u0000${String(r[nameKey])}`;
      let e = g.get(k);
      if (!e) g.set(k, (e = { table: String(r.TABLE_NAME), name: String(r[nameKey]), columns: [], functionBased: false }));
      e.columns.push(String(r.COLUMN_NAME));
      if (String(r.INDEX_TYPE ?? '').startsWith('FUNCTION-BASED')) e.functionBased = true;
    }
    return [...g.values()];
  };
  for (const k of [...group(constraintRows, 'CONSTRAINT_NAME'), ...group(indexRows, 'INDEX_NAME')]) {
    const t = oracle.find((x) => x.name === k.table);
    if (!t) continue;
    const hidden = k.columns.some((c) => !t.columns.some((x) => x.name === c));
    const byValue = !k.functionBased && !hidden;
    out.push({
      schema: oracleNameToPg(t.schema), table: oracleNameToPg(t.name), name: k.name,
      columns: (byValue ? k.columns : t.columns.map((c) => c.name)).map(oracleNameToPg), byValue,
    });
  }
  return out;
}

export class OracleChangeWriter implements ChangeTarget {
  private inner: OracleChangeTarget | undefined;
  private keys: readonly UniqueKeyInfo[] = [];

  constructor(private readonly db: DbConfig, private readonly options: ChangeWriterOptions) {}

  async prepare(migrationUuid: string, channels: number): Promise<ChannelProgress[]> {
    const schema = oracleSchemaOf(this.db);
    const { tables, keys } = await withDataSession(this.db, async (s) => {
      const oracle = await readOracleTables(s, schema);
      return {
        tables: writerTablesFor(schema, this.options.tables, oracle, String((await s.query(CHARACTER_SET_SQL))[0]?.VALUE ?? '')),
        keys: uniqueKeysFromRows(oracle, await s.query(UNIQUE_KEYS_SQL, { schema }), await s.query(UNIQUE_INDEXES_SQL, { schema })),
      };
    });
    this.keys = keys;
    await this.inner?.close();
    this.inner = new OracleChangeTarget(() => openDataSession(this.db), {
      tables, uniqueKeys: keys, where: describeDb(this.db),
      onLoss: (lines) => { for (const l of lines) this.options.onWarning(`written to Oracle differently: ${l}`); },
    });
    return this.inner.prepare(migrationUuid, channels);
  }

  uniqueKeys(): readonly UniqueKeyInfo[] {
    return this.keys;
  }

  applyBatch(channelNo: number, events: readonly ChangeEvent[]): Promise<void> {
    if (!this.inner) throw new TandemError('TANDEM_USAGE', 'The Oracle writer was not prepared.');
    return this.inner.applyBatch(channelNo, events);
  }

  isKeyConflict(error: unknown): boolean {
    return this.inner?.isKeyConflict(error) ?? false;
  }

  isTransientConflict(error: unknown): boolean {
    return this.inner?.isTransientConflict(error) ?? false;
  }

  async close(): Promise<void> {
    await this.inner?.close();
  }
}
