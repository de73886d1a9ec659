import { TandemError } from '../../../core/errors.js';
import type { PlannedStatement } from '../../../core/apply/batch-plan.js';
import { OracleValueError } from '../values/value-error.js';
import { repertoireHolds, type Repertoire } from '../../../core/values/character-repertoire.js';
import { oracleTypeFamily, type OracleColumn, type OracleTable, type OracleTypeFamily } from '../values/oracle-type.js';
import {
  bindExpression, bindTypeOf, pgTextToOracle, takesEmptyLobFlag, type OracleBindType, type ValueLoss,
} from '../values/pg-to-oracle.js';
import { qualifiedOracleName } from '../snapshot/snapshot-sql.js';

/**
 * The fall-back writer's statements (`import data to source`), pure: a planned statement of the
 * batch planner (the same one the PostgreSQL applier uses: row changes folded, deletes before
 * updates before inserts) becomes ONE Oracle statement with bind variables and an array of bind
 * rows for `executeMany` (array DML: one round trip per statement, never one literal statement per
 * row).
 *
 * - INSERT lists the columns the events carry; UPDATE sets only the columns an event carries
 *   (absent = unchanged) and finds the row by its old primary key; DELETE by primary key.
 * - A TRUNCATE is written as `DELETE FROM`: Oracle's TRUNCATE commits on its own and would break the
 *   batch's single transaction with the progress rows.
 * - Values go through `pgTextToOracle`: dates keep their time of day, NUMBER its digits, CHAR/NCHAR
 *   text loses the blank padding PostgreSQL counted in characters (Oracle pads again, in its own
 *   length semantics). Values Oracle stores differently ('' becomes NULL…) are counted per table and
 *   column in `losses`.
 * - CHAR/NCHAR values are bound as CHAR/NCHAR (`bindTypeOf`), so a key `WHERE` on such a column
 *   compares blank-padded, as Oracle compares CHAR with CHAR, and finds the row.
 */

/** One statement with its bind rows. */
export interface OracleWriteStatement {
  readonly sql: string;
  readonly rows: Record<string, unknown>[];
  readonly bindTypes: Record<string, { type: OracleBindType; maxSize?: number }>;
  /** Rows the statement must change (update/delete of a missing row means the databases diverged). */
  readonly expectedRows?: number;
  /** `schema.table` of the written table, as events name it. */
  readonly tableKey: string;
}

/** Counts of values Oracle holds differently from PostgreSQL: key `schema.table`, then column, then kind. */
export type LossCounts = Map<string, Map<string, Map<ValueLoss, number>>>;

/** Finds the Oracle table and column for the names events use (the schema converter's mapping). */
export interface WriterTable {
  readonly oracle: OracleTable;
  /** Event (PostgreSQL) column name → Oracle column. */
  readonly columnsByEventName: ReadonlyMap<string, OracleColumn>;
  /** Event column names of the primary key, in key order. */
  readonly primaryKeyEventNames: readonly string[];
  /**
   * The database character set, with the characters it stores (CHAR, VARCHAR2, LONG, CLOB; the
   * N types use the national set, which holds every character), when Tandem knows them.
   */
  readonly databaseCharacters?: { readonly characterSet: string; readonly repertoire: Repertoire };
}

/** Builds a WriterTable with a name mapper (identity by default: events use Oracle's names). */
export function writerTable(oracle: OracleTable, eventColumnName: (oracleColumn: string) => string = (c) => c, databaseCharacters?: WriterTable['databaseCharacters']): WriterTable {
  const byEvent = new Map(oracle.columns.map((c) => [eventColumnName(c.name), c]));
  return { oracle, columnsByEventName: byEvent, primaryKeyEventNames: oracle.primaryKey.map(eventColumnName), ...(databaseCharacters ? { databaseCharacters } : {}) };
}

/** Families stored in the database character set (the N types use the national one). */
const DATABASE_CHARACTER_SET_FAMILIES = new Set<OracleTypeFamily>(['char', 'varchar2', 'long', 'clob', 'xmltype']);

function q(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function countLoss(losses: LossCounts, tableKey: string, column: string, loss: ValueLoss): void {
  let t = losses.get(tableKey);
  if (!t) losses.set(tableKey, (t = new Map()));
  let c = t.get(column);
  if (!c) t.set(column, (c = new Map()));
  c.set(loss, (c.get(loss) ?? 0) + 1);
}

interface BoundColumn {
  readonly eventName: string;
  readonly column: OracleColumn;
  readonly family: OracleTypeFamily;
  readonly bind: string;
}

class StatementBuilder {
  readonly rows: Record<string, unknown>[] = [];
  private readonly sizes = new Map<string, number>();

  constructor(private readonly table: WriterTable, private readonly tableKey: string, private readonly losses: LossCounts) {}

  column(eventName: string, bind: string): BoundColumn {
    const column = this.table.columnsByEventName.get(eventName);
    if (!column) throw new TandemError('TANDEM_DATA', `Events for ${this.tableKey} carry column ${eventName}, which ${this.table.oracle.schema}.${this.table.oracle.name} does not have.`, { hint: 'The source table changed after the migration started, or the name mapping differs from the schema export.' });
    if (column.virtual) throw new TandemError('TANDEM_DATA', `Events for ${this.tableKey} set the virtual column ${column.name}, which Oracle computes.`, { hint: 'Leave generated columns out of the target table\'s writes.' });
    return { eventName, column, family: oracleTypeFamily(column.type), bind };
  }

  /**
   * A column an insert or update sets, or undefined for a virtual one: Oracle computes it, so the
   * value the target holds (an ordinary column there when its expression did not convert) is left
   * out, as MySQL's writer leaves out generated columns.
   */
  settable(eventName: string, bind: string): BoundColumn | undefined {
    return this.table.columnsByEventName.get(eventName)?.virtual ? undefined : this.column(eventName, bind);
  }

  expression(c: BoundColumn): string {
    return bindExpression(c.family, c.bind);
  }

  /** Adds the converted value of `c` to `row`. */
  put(row: Record<string, unknown>, c: BoundColumn, text: string | null): void {
    const chars = this.table.databaseCharacters;
    if (chars && text !== null && DATABASE_CHARACTER_SET_FAMILIES.has(c.family) && !repertoireHolds(chars.repertoire, text)) {
      // Oracle would store a replacement character in its place, without an error.
      throw new TandemError('TANDEM_DATA', `A change to ${this.tableKey} cannot be written to Oracle: column ${c.column.name} gets a character that the database character set ${chars.characterSet} cannot store (Oracle would replace it without an error).`, {
        hint: `Only a column of a national type stores every character: change ${this.table.oracle.schema}.${this.table.oracle.name}.${c.column.name} to NVARCHAR2 (or NCLOB), then rerun import data to source: it resumes with this change.`,
      });
    }
    let v;
    try {
      v = pgTextToOracle(c.family, text);
    } catch (e) {
      if (e instanceof OracleValueError) {
        throw new TandemError('TANDEM_DATA', `A change to ${this.tableKey} cannot be written to Oracle: column ${c.column.name}: ${e.message}.`, { cause: e });
      }
      throw e;
    }
    if (v.loss) countLoss(this.losses, this.tableKey, c.column.name, v.loss);
    row[c.bind] = v.value;
    if (takesEmptyLobFlag(c.family)) row[`${c.bind}_e`] = v.emptyLob ? 1 : 0;
    const size = typeof v.value === 'string' ? Buffer.byteLength(v.value, 'utf8') : v.value instanceof Buffer ? v.value.length : 0;
    if (size > (this.sizes.get(c.bind) ?? 0)) this.sizes.set(c.bind, size);
  }

  bindTypes(columns: readonly BoundColumn[]): Record<string, { type: OracleBindType; maxSize?: number }> {
    const out: Record<string, { type: OracleBindType; maxSize?: number }> = {};
    for (const c of columns) {
      const type = bindTypeOf(c.family);
      const sized = type === 'varchar' || type === 'nvarchar' || type === 'char' || type === 'nchar' || type === 'raw' || type === 'long' || type === 'long_raw';
      out[c.bind] = sized ? { type, maxSize: Math.max(1, this.sizes.get(c.bind) ?? 0) } : { type };
      if (takesEmptyLobFlag(c.family)) out[`${c.bind}_e`] = { type: 'number' };
    }
    return out;
  }
}

/**
 * The Oracle statement for one planned statement of the batch planner. `tableOf` resolves an
 * event table (`schema.table` as events name it) to its WriterTable.
 */
export function oracleWriteStatements(p: PlannedStatement, tableOf: (tableKey: string) => WriterTable, losses: LossCounts): OracleWriteStatement[] {
  if (p.kind === 'truncate') {
    return p.tables.map((t) => {
      const key = `${t.schema}.${t.name}`;
      const w = tableOf(key);
      return { sql: `DELETE FROM ${qualifiedOracleName(w.oracle.schema, w.oracle.name)}`, rows: [{}], bindTypes: {}, tableKey: key };
    });
  }
  const key = `${p.table.schema}.${p.table.name}`;
  const w = tableOf(key);
  const b = new StatementBuilder(w, key, losses);
  const target = qualifiedOracleName(w.oracle.schema, w.oracle.name);
  const pk = p.table.primaryKey.map((k, i) => b.column(k, `k${i}`));
  const where = pk.map((c) => `${q(c.column.name)} = ${b.expression(c)}`).join(' AND ');
  // The columns set, each with its value's place in the planned rows (virtual ones left out).
  const settable = (offset: number) => p.kind === 'delete' ? [] : p.columns.flatMap((c, i) => {
    const bound = b.settable(c, `c${i}`);
    return bound ? [{ bound, at: offset + i }] : [];
  });
  if (p.kind === 'insert') {
    const set = settable(0);
    const cols = set.map((x) => x.bound);
    for (const r of p.rows) {
      const row: Record<string, unknown> = {};
      for (const x of set) b.put(row, x.bound, r[x.at] ?? null);
      b.rows.push(row);
    }
    return [{
      sql: `INSERT INTO ${target} (${cols.map((c) => q(c.column.name)).join(', ')}) VALUES (${cols.map((c) => b.expression(c)).join(', ')})`,
      rows: b.rows, bindTypes: b.bindTypes(cols), tableKey: key,
    }];
  }
  if (p.kind === 'update') {
    const set = settable(pk.length);
    const cols = set.map((x) => x.bound);
    if (cols.length === 0) return []; // only virtual columns changed: Oracle computes them
    for (const r of p.rows) {
      const row: Record<string, unknown> = {};
      pk.forEach((c, i) => b.put(row, c, r[i] ?? null));
      for (const x of set) b.put(row, x.bound, r[x.at] ?? null);
      b.rows.push(row);
    }
    return [{
      sql: `UPDATE ${target} SET ${cols.map((c) => `${q(c.column.name)} = ${b.expression(c)}`).join(', ')} WHERE ${where}`,
      rows: b.rows, bindTypes: b.bindTypes([...pk, ...cols]), expectedRows: b.rows.length, tableKey: key,
    }];
  }
  for (const r of p.rows) {
    const row: Record<string, unknown> = {};
    pk.forEach((c, i) => b.put(row, c, r[i] ?? null));
    b.rows.push(row);
  }
  return [{ sql: `DELETE FROM ${target} WHERE ${where}`, rows: b.rows, bindTypes: b.bindTypes(pk), expectedRows: b.rows.length, tableKey: key }];
}

/** The spec's progress tables on Oracle, in its ybvoyager_metadata schema. */
export const CHANNELS_TABLE = 'ybvoyager_metadata.ybvoyager_import_data_event_channels_metainfo';
export const EVENT_COUNTS_TABLE = 'ybvoyager_metadata.ybvoyager_imported_event_count_by_table';

/** Moves a channel's row (created if absent): last vsn and the batch's counts. Binds named, none repeated. */
export const CHANNEL_PROGRESS_SQL = `MERGE INTO ${CHANNELS_TABLE} t
USING (SELECT :uuid AS migration_uuid, :channel AS channel_no, :vsn AS vsn, :ins AS ins, :upd AS upd, :del AS del FROM DUAL) s
   ON (t.migration_uuid = s.migration_uuid AND t.channel_no = s.channel_no)
 WHEN MATCHED THEN UPDATE SET t.last_applied_vsn = s.vsn, t.num_inserts = NVL(t.num_inserts, 0) + s.ins,
      t.num_updates = NVL(t.num_updates, 0) + s.upd, t.num_deletes = NVL(t.num_deletes, 0) + s.del
 WHEN NOT MATCHED THEN INSERT (migration_uuid, channel_no, last_applied_vsn, num_inserts, num_updates, num_deletes)
      VALUES (s.migration_uuid, s.channel_no, s.vsn, s.ins, s.upd, s.del)`;

/** Adds a batch's counts for one table and channel (executeMany: one bind row per table). */
export const TABLE_COUNTS_SQL = `MERGE INTO ${EVENT_COUNTS_TABLE} t
USING (SELECT :uuid AS migration_uuid, :tableName AS table_name, :channel AS channel_no, :total AS total, :ins AS ins, :upd AS upd, :del AS del FROM DUAL) s
   ON (t.migration_uuid = s.migration_uuid AND t.table_name = s.table_name AND t.channel_no = s.channel_no)
 WHEN MATCHED THEN UPDATE SET t.total_events = NVL(t.total_events, 0) + s.total, t.num_inserts = NVL(t.num_inserts, 0) + s.ins,
      t.num_updates = NVL(t.num_updates, 0) + s.upd, t.num_deletes = NVL(t.num_deletes, 0) + s.del
 WHEN NOT MATCHED THEN INSERT (migration_uuid, table_name, channel_no, total_events, num_inserts, num_updates, num_deletes)
      VALUES (s.migration_uuid, s.table_name, s.channel_no, s.total, s.ins, s.upd, s.del)`;

export const CHANNEL_PROGRESS_BINDS: Record<string, { type: OracleBindType; maxSize?: number }> = {
  uuid: { type: 'varchar', maxSize: 36 }, channel: { type: 'number' }, vsn: { type: 'number' }, ins: { type: 'number' }, upd: { type: 'number' }, del: { type: 'number' },
};
export const TABLE_COUNTS_BINDS: Record<string, { type: OracleBindType; maxSize?: number }> = {
  uuid: { type: 'varchar', maxSize: 36 }, tableName: { type: 'varchar', maxSize: 250 }, channel: { type: 'number' },
  total: { type: 'number' }, ins: { type: 'number' }, upd: { type: 'number' }, del: { type: 'number' },
};

/** The progress statements of one batch, for the same transaction as its rows. */
export function progressStatements(
  migrationUuid: string, channelNo: number, lastVsn: number,
  plan: { inserts: number; updates: number; deletes: number; counts: ReadonlyMap<string, { total: number; inserts: number; updates: number; deletes: number }> },
): { sql: string; rows: Record<string, unknown>[]; bindTypes: Record<string, { type: OracleBindType; maxSize?: number }> }[] {
  const out: { sql: string; rows: Record<string, unknown>[]; bindTypes: Record<string, { type: OracleBindType; maxSize?: number }> }[] = [{ sql: CHANNEL_PROGRESS_SQL, rows: [{ uuid: migrationUuid, channel: channelNo, vsn: lastVsn, ins: plan.inserts, upd: plan.updates, del: plan.deletes }], bindTypes: CHANNEL_PROGRESS_BINDS }];
  const tables = [...plan.counts].map(([tableName, c]) => {
    if (tableName.length > 250) throw new TandemError('TANDEM_DATA', `Table name ${tableName.slice(0, 40)}… is longer than the spec's table_name VARCHAR2(250).`);
    return { uuid: migrationUuid, tableName, channel: channelNo, total: c.total, ins: c.inserts, upd: c.updates, del: c.deletes };
  });
  if (tables.length > 0) out.push({ sql: TABLE_COUNTS_SQL, rows: tables, bindTypes: TABLE_COUNTS_BINDS });
  return out;
}

/** Reads every channel row of a migration. Bind: :uuid. */
export const CHANNELS_READ_SQL = `SELECT channel_no AS CHANNEL_NO, TO_CHAR(NVL(last_applied_vsn, 0)) AS LAST_APPLIED_VSN,
       TO_CHAR(NVL(num_inserts, 0)) AS NUM_INSERTS, TO_CHAR(NVL(num_updates, 0)) AS NUM_UPDATES, TO_CHAR(NVL(num_deletes, 0)) AS NUM_DELETES
  FROM ${CHANNELS_TABLE} WHERE migration_uuid = :uuid ORDER BY channel_no`;

/** Human-readable lines for the loss counts, for the end-of-batch and data-migration reports. */
export function describeLosses(losses: LossCounts): string[] {
  const words: Record<ValueLoss, string> = {
    'empty-string-as-null': "empty string(s) stored as NULL (Oracle has no '')",
    'fraction-dropped': 'fractional second(s) cut off (DATE holds whole seconds)',
    'number-rounded': 'number(s) with more than 38 significant digits rounded by NUMBER',
  };
  const out: string[] = [];
  for (const [table, cols] of [...losses].sort(([a], [b]) => a.localeCompare(b))) {
    for (const [col, kinds] of [...cols].sort(([a], [b]) => a.localeCompare(b))) {
      for (const [kind, n] of kinds) out.push(`${table}.${col}: ${n} ${words[kind]}`);
    }
  }
  return out;
}

/**
 * The enabled triggers on the tables a batch writes, read at the end of the batch, before its
 * COMMIT: one created or enabled while Tandem writes fires for its rows (the workflow's periodic
 * look finds it only seconds later), so a batch that sees one rolls back instead. Whether Oracle's
 * CREATE/ALTER TRIGGER waits for the batch's open transaction, which would make the look exact as
 * it is on PostgreSQL and MySQL, has not been checked (no Oracle here).
 */
export function enabledTriggersLook(tables: readonly OracleTable[]): { sql: string; binds: Record<string, string> } {
  const binds: Record<string, string> = {};
  const each = tables.map((t, i) => {
    binds[`o${i}`] = t.schema;
    binds[`t${i}`] = t.name;
    return `(TABLE_OWNER = :o${i} AND TABLE_NAME = :t${i})`;
  });
  return {
    sql: `SELECT OWNER, TRIGGER_NAME, TABLE_OWNER, TABLE_NAME FROM ALL_TRIGGERS WHERE STATUS = 'ENABLED' AND BASE_OBJECT_TYPE = 'TABLE' AND (${each.join(' OR ')}) ORDER BY TABLE_OWNER, TABLE_NAME, OWNER, TRIGGER_NAME`,
    binds,
  };
}
