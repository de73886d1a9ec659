import { TandemError } from '../../../core/errors.js';
import { OPERATION } from './logminer-row.js';
import { parseRedoSql, RedoParseError, type RedoValue } from './redo-sql-parser.js';
import type { CommittedTransaction } from './transaction-assembler.js';

/**
 * Markers on Oracle (DESIGN.md, "Markers need a portable form"): Oracle has no logical-decoding
 * message, so a marker is a row that Tandem inserts into a small table of its own, in the migration
 * user's schema of the database holding the data, and commits. LogMiner shows that insert in the redo
 * like any captured table's change, in commit order with everything else: the capture reads the
 * table's rows (`contentsQuery({ markers: true })`) and turns the rows of its own stream into the
 * transaction's `markers`. Pure: the SQL as text and the reading of the mined rows.
 *
 * The table holds one row per marker (never updated), so the SQL_REDO of a marker is always an
 * insert with every column; `stream_id` keeps the markers of the two streams of a migration (and of
 * other migrations sharing the user) apart. A row `created` is written when the stream is prepared
 * (before its consistent point, so it is never mined) and says that the stream exists; dropping the
 * stream deletes its rows and, when no other stream has rows left, the table.
 *
 * The table is not in the migrated schema, so it is never exported, snapshotted or written by the
 * fall-back, and no application writes it. Creating it needs CREATE TABLE (the spec grants it).
 */

/** The marker table, in the migration user's own schema. */
export const MARKER_TABLE = 'TANDEM_MARKERS';

/** The kind of the row that says a stream exists (written at `prepare`, never mined). */
export const STREAM_CREATED = 'created';

/** Creates the marker table when it is missing (ORA-00955: it exists). */
export const CREATE_MARKER_TABLE_SQL = `BEGIN
  EXECUTE IMMEDIATE 'CREATE TABLE ${MARKER_TABLE} (STREAM_ID VARCHAR2(64) NOT NULL, SEQ NUMBER(19) NOT NULL, KIND VARCHAR2(40) NOT NULL, WRITTEN_AT TIMESTAMP DEFAULT SYSTIMESTAMP NOT NULL, CONSTRAINT ${MARKER_TABLE}_PK PRIMARY KEY (STREAM_ID, SEQ))';
EXCEPTION WHEN OTHERS THEN IF SQLCODE != -955 THEN RAISE; END IF;
END;`;

/**
 * One marker: a new row with the next sequence number of the stream. Binds :streamId, :kind. The
 * WRITTEN_AT value is given explicitly (not left to the column default) so that LogMiner's SQL_REDO
 * of the insert names every column.
 */
export const INSERT_MARKER_SQL = `INSERT INTO ${MARKER_TABLE} (STREAM_ID, SEQ, KIND, WRITTEN_AT)
SELECT :streamId, NVL(MAX(SEQ), 0) + 1, :kind, SYSTIMESTAMP FROM ${MARKER_TABLE} WHERE STREAM_ID = :streamId`;

/** How many rows a stream has (0: the stream does not exist). Binds :streamId. */
export const COUNT_STREAM_ROWS_SQL = `SELECT COUNT(*) AS N FROM ${MARKER_TABLE} WHERE STREAM_ID = :streamId`;

/** Removes a stream's rows. Binds :streamId. */
export const DELETE_STREAM_ROWS_SQL = `DELETE FROM ${MARKER_TABLE} WHERE STREAM_ID = :streamId`;

/** Rows of every stream (0: the table may go). */
export const COUNT_ALL_ROWS_SQL = `SELECT COUNT(*) AS N FROM ${MARKER_TABLE}`;

/** Drops a table of Tandem's own when it exists (ORA-00942: it does not). */
export function dropOwnTableSql(table: string): string {
  if (!/^[A-Z][A-Z0-9_$#]*$/.test(table)) throw new RangeError(`not a plain Oracle table name: ${table}`);
  return `BEGIN
  EXECUTE IMMEDIATE 'DROP TABLE ${table} PURGE';
EXCEPTION WHEN OTHERS THEN IF SQLCODE != -942 THEN RAISE; END IF;
END;`;
}

/** Where the capture finds the markers of one stream. */
export interface MarkerSource {
  /** The schema holding the marker table: the migration user (as Oracle stores it, e.g. C##YBVOYAGER). */
  readonly owner: string;
  /** The stream whose markers count (the others' rows are ignored). */
  readonly streamId: string;
}

function text(v: RedoValue | undefined): string | undefined {
  return v && (v.kind === 'text' || v.kind === 'number') ? v.text : undefined;
}

/**
 * The markers of `source`'s stream in a committed transaction, in redo order (rows of other streams,
 * and the `created` row, are left out). A marker row that cannot be read is an error: a cutover
 * marker must never be skipped.
 */
export function markersIn(tx: CommittedTransaction, source: MarkerSource): string[] {
  const out: string[] = [];
  for (const c of tx.changes) {
    if (c.owner !== source.owner || c.table !== MARKER_TABLE) continue;
    if (c.operationCode !== OPERATION.INSERT) continue; // deletes when a stream is dropped
    let values: ReadonlyMap<string, RedoValue>;
    try {
      const stmt = parseRedoSql(c.sqlRedo);
      if (stmt.kind !== 'insert') continue;
      values = stmt.values;
    } catch (e) {
      if (e instanceof RedoParseError) {
        throw new TandemError('TANDEM_DATA', `A marker row of ${source.owner}.${MARKER_TABLE} at SCN ${c.scn} could not be read: ${e.message}.`, { cause: e });
      }
      throw e;
    }
    const stream = text(values.get('STREAM_ID'));
    const kind = text(values.get('KIND'));
    if (stream !== source.streamId) continue;
    if (kind === undefined) throw new TandemError('TANDEM_DATA', `A marker row of stream ${source.streamId} at SCN ${c.scn} has no KIND in its redo.`);
    if (kind !== STREAM_CREATED) out.push(kind);
  }
  return out;
}
