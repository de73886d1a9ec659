/**
 * One row of V$LOGMNR_CONTENTS as Tandem selects it (see `logminer-sql.ts`), camelCase. SCNs come as
 * decimal text (NUMBER fetched as a string) and are parsed with BigInt.
 */
export interface LogMinerRow {
  /** SCN of the change (for COMMIT rows: the commit SCN). */
  readonly scn: string;
  /** RAWTOHEX(XID): undo segment, slot and sequence, 16 hex digits. */
  readonly xid: string;
  /** See OPERATION below. */
  readonly operationCode: number;
  readonly segOwner: string | null;
  readonly tableName: string | null;
  /** ROW_ID: the changed row's ROWID (AAAAAAAAAAAAAAAAAA for rows without one). */
  readonly rowId: string | null;
  readonly sqlRedo: string | null;
  /** Continuation SQL flag: 1 when SQL_REDO goes on in the next row (same RS_ID and SSN). */
  readonly csf: number;
  /** Record set id; with SSN it identifies one logical row change. */
  readonly rsId: string;
  readonly ssn: number;
  /** 1 when the row undoes an earlier change of the same transaction (partial or full rollback). */
  readonly rollback: number;
  /** SRC_CON_NAME: the PDB the redo belongs to (when mining from a CDB root). */
  readonly srcConName?: string | null;
  /** INFO: LogMiner's remark, e.g. why a statement is unsupported. */
  readonly info?: string | null;
}

/** OPERATION_CODE values of V$LOGMNR_CONTENTS that Tandem reads (Oracle Database Reference). */
export const OPERATION = {
  INTERNAL: 0,
  INSERT: 1,
  DELETE: 2,
  UPDATE: 3,
  DDL: 5,
  START: 6,
  COMMIT: 7,
  SELECT_LOB_LOCATOR: 9,
  LOB_WRITE: 10,
  LOB_TRIM: 11,
  SELECT_FOR_UPDATE: 25,
  LOB_ERASE: 28,
  ROLLBACK: 36,
  UNSUPPORTED: 255,
} as const;

/** The operation codes of row changes and LOB operations that belong to a captured table. */
export const ROW_OPERATIONS: readonly number[] = [
  OPERATION.INSERT, OPERATION.DELETE, OPERATION.UPDATE, OPERATION.DDL,
  OPERATION.SELECT_LOB_LOCATOR, OPERATION.LOB_WRITE, OPERATION.LOB_TRIM, OPERATION.LOB_ERASE, OPERATION.UNSUPPORTED,
];

/** The transaction-control operation codes (rows without an owner). */
export const CONTROL_OPERATIONS: readonly number[] = [OPERATION.START, OPERATION.COMMIT, OPERATION.ROLLBACK];

/**
 * Maps one result row of the contents query (oracledb's OUT_FORMAT_OBJECT: upper-case column names,
 * NUMBER columns fetched as strings) to a LogMinerRow. The fixtures under
 * test/fixtures/oracle/logminer/ are in the same shape.
 */
export function logMinerRowFromRecord(r: Readonly<Record<string, unknown>>): LogMinerRow {
  const text = (k: string): string | null => (r[k] === null || r[k] === undefined ? null : String(r[k]));
  const num = (k: string): number => {
    const v = r[k];
    if (v === null || v === undefined) return 0;
    const n = Number(v);
    if (!Number.isInteger(n)) throw new TypeError(`V$LOGMNR_CONTENTS.${k} is not an integer`);
    return n;
  };
  const scn = text('SCN');
  if (scn === null || !/^\d+$/.test(scn)) throw new TypeError('V$LOGMNR_CONTENTS.SCN is missing or not a whole number');
  return {
    scn,
    xid: text('XID') ?? '',
    operationCode: num('OPERATION_CODE'),
    segOwner: text('SEG_OWNER'),
    tableName: text('TABLE_NAME'),
    rowId: text('ROW_ID'),
    sqlRedo: text('SQL_REDO'),
    csf: num('CSF'),
    rsId: text('RS_ID') ?? '',
    ssn: num('SSN'),
    rollback: num('ROLLBACK'),
    srcConName: text('SRC_CON_NAME'),
    info: text('INFO'),
  };
}
