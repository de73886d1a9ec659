import type { UnnumberedChangeEvent } from '../../../core/change-event.js';
import { TandemError } from '../../../core/errors.js';
import { OracleValueError } from '../values/value-error.js';
import { oracleToPgText } from '../values/oracle-to-pg.js';
import { oracleTypeFamily, type OracleColumn, type OracleTable, type OracleTypeFamily } from '../values/oracle-type.js';
import { locatorOrXmlOperation, OPERATION } from './logminer-row.js';
import { encodeOraclePosition } from './oracle-position.js';
import { parseRedoSql, RedoParseError, type RedoStatement, type RedoValue } from './redo-sql-parser.js';
import type { CommittedTransaction, RowChange } from './transaction-assembler.js';
import { ORACLE_SESSION_DATE_FORMAT } from '../session-settings.js';

/**
 * Turns a committed transaction's LogMiner rows into queue events: SQL_REDO parsed, every literal
 * converted with its column's type into PostgreSQL text, keys taken from the row images. Pure.
 */

/** How Oracle names become the names events carry (the schema converter's rule; identity by default). */
export interface NameMapper {
  schema(owner: string): string;
  table(owner: string, table: string): string;
  column(owner: string, table: string, column: string): string;
}

/** Keeps Oracle's names as they are stored. */
export const ORACLE_NAMES: NameMapper = { schema: (s) => s, table: (_o, t) => t, column: (_o, _t, c) => c };

/** The catalog of captured tables: undefined for a table that is not captured. */
export type TableLookup = (owner: string, table: string) => OracleTable | undefined;

/**
 * The literal LogMiner wrote for a value of `family`, as the text `oracleToPgText` reads (or null).
 * Calls must fit the family: TO_DATE for DATE, HEXTORAW for RAW…; the date format in TO_DATE must be
 * the session format Tandem sets (another one means the mining session was not prepared).
 */
export function redoLiteral(family: OracleTypeFamily, v: RedoValue): string | null {
  switch (v.kind) {
    case 'null': return null;
    case 'text': case 'number': return v.text;
    case 'call': {
      const arg = v.args[0];
      const text = arg && (arg.kind === 'text' || arg.kind === 'number') ? arg.text : undefined;
      const fits = (families: OracleTypeFamily[]) => families.includes(family) && text !== undefined;
      switch (v.name) {
        case 'TO_DATE': {
          const fmt = v.args[1];
          // Only the session's signed year: YYYY prints 44 BC as 0044, read as AD 44 (oracle-review-3).
          if (fmt && !(fmt.kind === 'text' && fmt.text.toUpperCase() === ORACLE_SESSION_DATE_FORMAT)) {
            throw new OracleValueError('TO_DATE in SQL_REDO uses a date format other than the one Tandem sets for its mining session');
          }
          if (fits(['date', 'timestamp', 'timestamp_tz', 'timestamp_ltz'])) return text!;
          break;
        }
        case 'TO_TIMESTAMP': case 'TO_TIMESTAMP_TZ': case 'TO_TIMESTAMP_LTZ':
          if (fits(['date', 'timestamp', 'timestamp_tz', 'timestamp_ltz'])) return text!;
          break;
        case 'TO_DSINTERVAL': if (fits(['interval_ds'])) return text!; break;
        case 'TO_YMINTERVAL': if (fits(['interval_ym'])) return text!; break;
        case 'HEXTORAW': if (fits(['raw', 'long_raw', 'blob'])) return text!; break;
        case 'TO_BINARY_DOUBLE': case 'TO_BINARY_FLOAT': case 'TO_NUMBER':
          if (fits(['binary_double', 'binary_float', 'number'])) return text!;
          break;
        case 'EMPTY_CLOB': if (v.args.length === 0 && (family === 'clob' || family === 'nclob')) return ''; break;
        case 'EMPTY_BLOB': if (v.args.length === 0 && family === 'blob') return ''; break;
      }
      throw new OracleValueError(`${v.name}(…) in SQL_REDO does not fit a ${family} column`);
    }
  }
}

function columnValue(table: OracleTable, col: OracleColumn, v: RedoValue): string | null {
  try {
    return oracleToPgText(oracleTypeFamily(col.type), redoLiteral(oracleTypeFamily(col.type), v));
  } catch (e) {
    if (e instanceof OracleValueError) {
      throw new TandemError('TANDEM_DATA', `A change to ${table.schema}.${table.name} column ${col.name} cannot be converted: ${e.message}.`, { cause: e });
    }
    throw e;
  }
}

interface Context {
  readonly tx: CommittedTransaction;
  readonly change: RowChange;
  readonly table: OracleTable;
  readonly names: NameMapper;
}

/** A LOB change made through a LOB locator (SELECT_LOB_LOCATOR, LOB_WRITE, LOB_TRIM, LOB_ERASE rows). */
function lobLocatorChange(ctx: Context): TandemError {
  // LogMiner shows a LOB value past about 2 KB, or one in SecureFile storage, as LOB_WRITE rows apart
  // from its INSERT or UPDATE (whatever statement wrote it), not only DBMS_LOB's (the oracle-review
  // run, from other LogMiner readers' documented observations; the hint blamed DBMS_LOB code).
  return new TandemError('TANDEM_UNSUPPORTED', `A LOB of ${where(ctx)} was written in pieces (LogMiner's SELECT_LOB_LOCATOR / LOB_WRITE rows), which Tandem does not assemble yet.`, {
    hint: 'LogMiner shows a LOB value larger than about 2 KB, or one stored as a SecureFile, this way whatever wrote it (an INSERT or UPDATE as well as DBMS_LOB); only smaller values written whole arrive with their row. '
      + 'Leave the table out of the live migration (--exclude-table-list) and copy it at cutover, or migrate it offline.',
  });
}

function where(ctx: Context): string {
  return `${ctx.table.schema}.${ctx.table.name} at SCN ${ctx.change.scn} (transaction ${ctx.tx.xid})`;
}

function columnOf(ctx: Context, name: string): OracleColumn {
  const col = ctx.table.columns.find((c) => c.name === name);
  if (!col) {
    throw new TandemError('TANDEM_UNSUPPORTED', `SQL_REDO of ${where(ctx)} names column ${name}, which the table does not have now.`, {
      hint: 'LogMiner reads table definitions from the online catalog: a column was added, dropped or renamed after the change. Tandem does not follow DDL during a migration; export again from a new snapshot (--start-clean true).',
    });
  }
  return col;
}

function convert(ctx: Context, values: ReadonlyMap<string, RedoValue>): Map<string, { col: OracleColumn; text: string | null }> {
  const out = new Map<string, { col: OracleColumn; text: string | null }>();
  for (const [name, v] of values) {
    const col = columnOf(ctx, name);
    if (col.virtual) continue;
    out.set(name, { col, text: columnValue(ctx.table, col, v) });
  }
  return out;
}

function keyFrom(ctx: Context, values: Map<string, { text: string | null }>, what: string): Record<string, string | null> {
  const key: Record<string, string | null> = {};
  for (const k of ctx.table.primaryKey) {
    const v = values.get(k);
    if (!v || v.text === null) {
      throw new TandemError('TANDEM_PREREQUISITE', `The ${what} of ${where(ctx)} does not carry primary-key column ${k}.`, {
        hint: `Supplemental logging is missing for this table: ALTER TABLE ${q(ctx.table.schema)}.${q(ctx.table.name)} ADD SUPPLEMENTAL LOG DATA (ALL) COLUMNS; (or at database level, see tandem's preparation check).`,
      });
    }
    key[ctx.names.column(ctx.table.schema, ctx.table.name, k)] = v.text;
  }
  return key;
}

function q(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function named(ctx: Context, values: Map<string, { text: string | null }>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [name, v] of values) out[ctx.names.column(ctx.table.schema, ctx.table.name, name)] = v.text;
  return out;
}

function rowEvent(ctx: Context, stmt: RedoStatement, base: Omit<UnnumberedChangeEvent, 'op' | 'key' | 'after'>): UnnumberedChangeEvent {
  if (stmt.owner !== ctx.change.owner || stmt.table !== ctx.change.table) {
    throw new TandemError('TANDEM_DATA', `SQL_REDO at SCN ${ctx.change.scn} names ${stmt.owner}.${stmt.table}, but the row belongs to ${ctx.change.owner}.${ctx.change.table}.`);
  }
  switch (stmt.kind) {
    case 'insert': {
      const values = convert(ctx, stmt.values);
      // Columns LogMiner left out of an insert were not given a value: NULL (a LOB written later
      // arrives as its own change).
      for (const col of ctx.table.columns) if (!col.virtual && !values.has(col.name)) values.set(col.name, { col, text: null });
      const ordered = new Map(ctx.table.columns.filter((c) => !c.virtual).map((c) => [c.name, values.get(c.name)!]));
      return { ...base, op: 'c', key: keyFrom(ctx, ordered, 'insert'), after: named(ctx, ordered) };
    }
    case 'update':
      return { ...base, op: 'u', key: keyFrom(ctx, convert(ctx, stmt.where), 'row image (WHERE clause) of an update'), after: named(ctx, convert(ctx, stmt.set)) };
    case 'delete':
      return { ...base, op: 'd', key: keyFrom(ctx, convert(ctx, stmt.where), 'row image (WHERE clause) of a delete') };
  }
}

/**
 * The XMLType column(s) an XML DOC row of `ctx` writes: the one its XML DOC BEGIN statement sets
 * (`update "S"."T" a set a."F3" = XMLType(:1) where …`), else (XML DOC WRITE / END rows carry only the
 * document) every XMLTYPE column of the table, as the catalog describes it.
 */
function xmlColumnsOf(ctx: Context): string {
  const set = /\bset\s+(?:[A-Za-z_][\w$#]*\.)?"((?:[^"]|"")+)"\s*=\s*XMLType\s*\(/i.exec(ctx.change.sqlRedo);
  if (set) return `column ${set[1]!.replace(/""/g, '"')}`;
  const xml = ctx.table.columns.filter((c) => oracleTypeFamily(c.type) === 'xmltype').map((c) => c.name);
  return xml.length === 0 ? 'an XMLType column' : `column${xml.length > 1 ? 's' : ''} ${xml.join(', ')}`;
}

/** An Oracle identifier as DDL text writes it: "Quoted" (as is) or plain (upper-cased). */
const IDENT = String.raw`(?:"((?:[^"]|"")+)"|([A-Za-z][\w$#]*))`;
/** DDL that names its table first: ALTER TABLE (… RENAME TO among others), RENAME … TO, DROP TABLE. */
const NAME_LOSING_DDL = new RegExp(String.raw`^\s*(?:alter\s+table|rename|drop\s+table)\s+(?:${IDENT}\s*\.\s*)?${IDENT}(?=\s|;|$)`, 'i');
/** The table an `ALTER TABLE … EXCHANGE [SUB]PARTITION … WITH TABLE <table>` swaps in. */
const EXCHANGE_WITH = new RegExp(String.raw`^\s*alter\s+table\s[\s\S]*?\bexchange\s+(?:sub)?partition\b[\s\S]*?\bwith\s+table\s+(?:${IDENT}\s*\.\s*)?${IDENT}(?=\s|;|$)`, 'i');

/**
 * The migrated table a DDL row alters, renames or drops when LogMiner names it otherwise (with the online
 * catalog, a row may carry the table's name at mining time: its new name, or the recycle bin's
 * BIN$… name): read from the statement itself, so that the change stops the capture like any DDL
 * on a migrated table instead of being skipped as another table's. Undefined for anything else.
 */
export function tableNamedByDdl(change: RowChange, tables: TableLookup): OracleTable | undefined {
  if (change.operationCode !== OPERATION.DDL) return undefined;
  const ident = (quoted: string | undefined, plain: string | undefined) => quoted !== undefined ? quoted.replace(/""/g, '"') : plain?.toUpperCase();
  const named = (m: RegExpExecArray | null) => (m ? tables(ident(m[1], m[2]) ?? change.owner, ident(m[3], m[4])!) : undefined);
  // `ALTER TABLE other EXCHANGE PARTITION p WITH TABLE migrated` swaps the migrated table's rows with
  // the partition's, and its row carries the other table's name and owner (the oracle-review-2 run).
  return named(NAME_LOSING_DDL.exec(change.sqlRedo)) ?? named(EXCHANGE_WITH.exec(change.sqlRedo));
}

/** A row LogMiner could not name ('UNKNOWN'.'OBJ# n'): the contents query selects them only for the migrated tables' objects. */
export function isUnnamedObject(change: RowChange): boolean {
  // Its TABLE_NAME is 'OBJ# n' after a drop, 'UNKNOWN' after a dictionary version mismatch (other
  // LogMiner readers' observations): whichever, the row is one of the migrated objects'.
  return change.owner === 'UNKNOWN';
}

function invalidRedo(ctx: Context): TandemError {
  const { change } = ctx;
  return new TandemError('TANDEM_UNSUPPORTED', `LogMiner could not rebuild the change to ${where(ctx)} (STATUS ${change.status}${change.info ? `: ${change.info}` : ''}): its SQL_REDO is not the statement that was run, so the change cannot be read.`, {
    hint: 'LogMiner reads the redo with the online catalog: a table changed by DDL after the change was written no longer matches it. Tandem does not follow schema changes during a live migration, and carrying on would lose this change. Export again from a new snapshot (--start-clean true) once the schema is settled.',
  });
}

function unnamedObjectChange(tx: CommittedTransaction, change: RowChange): TandemError {
  return new TandemError('TANDEM_UNSUPPORTED', `LogMiner could not name the table of a change at SCN ${change.scn} (transaction ${tx.xid}): ${change.table}, a migrated table or partition by its object number (DATA_OBJ#) when the stream started. Its definition in the online catalog no longer matches the redo (the table was dropped, or changed by DDL, after the change was written), so the change cannot be read.`, {
    hint: 'Tandem does not follow schema changes during a live migration, and carrying on would lose this change. Export again from a new snapshot (--start-clean true) once the schema is settled.',
  });
}

/**
 * The events of one committed transaction, in redo order, all with the transaction's position.
 * Throws TandemError for what Tandem cannot carry: DDL other than TRUNCATE on a captured table,
 * LOB changes made through LOB locators (DBMS_LOB writes), XMLType values (LogMiner leaves them out
 * of the INSERT or UPDATE and writes them in XML DOC rows: carried on, the insert would reach the
 * target with the column NULL and an update of only that column would not reach it at all),
 * statements LogMiner marks UNSUPPORTED, values without a PostgreSQL form.
 */
export function transactionEvents(tx: CommittedTransaction, tables: TableLookup, names: NameMapper = ORACLE_NAMES): UnnumberedChangeEvent[] {
  const position = encodeOraclePosition(tx.position);
  const events: UnnumberedChangeEvent[] = [];
  for (const change of tx.changes) {
    const table = tables(change.owner, change.table) ?? tableNamedByDdl(change, tables);
    if (!table) {
      if (isUnnamedObject(change)) throw unnamedObjectChange(tx, change);
      continue;
    }
    const ctx: Context = { tx, change, table, names };
    const base = { schema: names.schema(table.schema), table: names.table(table.schema, table.name), position, txId: tx.xid };
    // LOB and XML rows first, by their OPERATION name where the row has one (LOB_ERASE's code is 28
    // in Oracle's reference, 29 in Debezium's; see `locatorOrXmlOperation`).
    const refused = locatorOrXmlOperation(change);
    if (refused === 'lob') throw lobLocatorChange(ctx);
    if (refused === 'extended') {
      throw new TandemError('TANDEM_UNSUPPORTED', `A VARCHAR2, NVARCHAR2 or RAW value of ${where(ctx)} longer than 4000 bytes (MAX_STRING_SIZE = EXTENDED) was written; LogMiner shows such a value apart from its row, as a LOB, which Tandem does not assemble.`, {
        hint: `Carrying the row without it would leave the target's column NULL or stale. Leave the table out (--exclude-table-list ${table.name}) and copy it at cutover, or migrate it offline (export data --export-type snapshot-only).`,
      });
    }
    if (refused === 'xml') {
      throw new TandemError('TANDEM_UNSUPPORTED', `An XMLType value of ${where(ctx)} (${xmlColumnsOf(ctx)}) was written; LogMiner shows it apart from its INSERT or UPDATE (XML DOC rows).`, {
        hint: `Tandem does not assemble XMLType values from the redo, and carrying the row without it would leave the target's column NULL or stale. Leave the table out (--exclude-table-list ${table.name}) and copy it at cutover, or migrate it offline (export data --export-type snapshot-only).`,
      });
    }
    switch (change.operationCode) {
      case OPERATION.INSERT: case OPERATION.UPDATE: case OPERATION.DELETE: {
        if (table.primaryKey.length === 0) {
          throw new TandemError('TANDEM_UNSUPPORTED', `${table.schema}.${table.name} has no primary key; its changes cannot be applied exactly once.`, { hint: 'Add a primary key, or leave the table out with --exclude-table-list.' });
        }
        // STATUS not 0: LogMiner could not rebuild the statement (its dictionary, the online catalog,
        // no longer matches the redo), and what SQL_REDO shows is not the change (the oracle-review-2 run).
        if (change.status !== undefined && change.status !== null && change.status !== 0) throw invalidRedo(ctx);
        let stmt: RedoStatement;
        try {
          stmt = parseRedoSql(change.sqlRedo);
        } catch (e) {
          if (e instanceof RedoParseError) throw new TandemError('TANDEM_DATA', `SQL_REDO of ${where(ctx)} could not be read: ${e.message}.`, { cause: e });
          throw e;
        }
        events.push(rowEvent(ctx, stmt, base));
        break;
      }
      case OPERATION.DDL:
        if (/^\s*truncate\s+table\b/i.test(change.sqlRedo)) {
          events.push({ ...base, op: 't', key: {} });
          break;
        }
        throw new TandemError('TANDEM_UNSUPPORTED', `DDL on ${where(ctx)}: ${change.sqlRedo.trim().split(/\s+/).slice(0, 2).join(' ').toUpperCase()} …`, {
          hint: 'Tandem does not follow schema changes during a live migration. Apply the same change to the target by hand, then export again from a new snapshot (--start-clean true).',
        });
      case OPERATION.UNSUPPORTED:
        throw new TandemError('TANDEM_UNSUPPORTED', `LogMiner cannot show a change to ${where(ctx)}${change.info ? ` (${change.info})` : ''}.`, {
          hint: 'The table uses a type or storage LogMiner does not support (see Oracle\'s "Supported Data Types and Table Storage Attributes" for LogMiner). Leave it out with --exclude-table-list.',
        });
      default:
        break;
    }
  }
  return events;
}
