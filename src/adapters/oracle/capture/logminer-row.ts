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
  /**
   * OPERATION: the name LogMiner gives the row ('INSERT', 'LOB_ERASE', 'XML DOC BEGIN', …). Where the
   * codes are in doubt it decides (`locatorOrXmlOperation`); absent in rows read before it was selected.
   */
  readonly operation?: string | null;
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
  /**
   * STATUS: 0 when SQL_REDO is a valid statement; otherwise LogMiner could not rebuild it (2: its
   * dictionary does not match the redo; 1291 on a MISSING_SCN row). Absent in rows read before it
   * was selected.
   */
  readonly status?: number | null;
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
  /** Oracle Database Reference ("V$LOGMNR_CONTENTS"): 28. Debezium's and oracdc's enums say 29: see below. */
  LOB_ERASE: 28,
  /** The code Debezium's (and oracdc's) enums give LOB_ERASE; selected too, and judged by OPERATION. */
  LOB_ERASE_ALTERNATIVE: 29,
  /**
   * MISSING_SCN: LogMiner found a gap in the redo it was given (a log of the range not registered);
   * STATUS 1291, INFO 'Missing SCN <from> - <to>' (Oracle Database Utilities, "Querying V$LOGMNR_LOGS").
   */
  MISSING_SCN: 34,
  ROLLBACK: 36,
  /**
   * An XMLType column's value: an INSERT's SQL_REDO leaves XMLType columns out, and an UPDATE of one
   * shows no UPDATE row; the value comes in the rows that follow, XML DOC BEGIN (`update … set
   * a."F3" = XMLType(:1) where …`), XML DOC WRITE (a piece of the document, repeated), XML DOC END
   * (Oracle Database Utilities, "Querying V$LOGMNR_CONTENTS Based on XMLType Columns and Tables").
   */
  XML_DOC_BEGIN: 68,
  XML_DOC_WRITE: 70,
  XML_DOC_END: 71,
  /**
   * A VARCHAR2/NVARCHAR2/RAW value over 4000 bytes (MAX_STRING_SIZE = EXTENDED), which LogMiner treats
   * as a LOB and shows apart from its row. The codes are other LogMiner readers' (Debezium's enum),
   * not Oracle's reference: selected by OPERATION name too (`EXTENDED_STRING_OPERATION_NAMES`).
   */
  EXTENDED_STRING_BEGIN: 91,
  EXTENDED_STRING_WRITE: 92,
  EXTENDED_STRING_END: 93,
  UNSUPPORTED: 255,
} as const;

/**
 * The OPERATION names of the rows Tandem cannot carry and must refuse: LOB changes made through a
 * LOB locator, and the pieces of an XMLType value. The contents query selects them by name as well
 * as by code, and `locatorOrXmlOperation` dispatches on the name when it is there: LOB_ERASE's code
 * is 28 in Oracle's reference and 29 in Debezium's enum, and a row missed here is a change lost
 * without a word, so neither code is trusted alone.
 */
export const LOB_LOCATOR_OPERATION_NAMES: readonly string[] = ['SELECT_LOB_LOCATOR', 'LOB_WRITE', 'LOB_TRIM', 'LOB_ERASE'];
export const XML_DOCUMENT_OPERATION_NAMES: readonly string[] = ['XML DOC BEGIN', 'XML DOC WRITE', 'XML DOC END'];
/** The pieces of an extended string value (the names other LogMiner readers report; both spellings seen). */
export const EXTENDED_STRING_OPERATION_NAMES: readonly string[] = ['32K_BEGIN', '32K_WRITE', '32K_END', 'EXTENDED_STRING_BEGIN', 'EXTENDED_STRING_WRITE', 'EXTENDED_STRING_END'];

/** The ROW_ID LogMiner gives a row whose ROWID it does not show (the first row of a statement on a table with LOB, XMLType or extended-string columns). */
export const PLACEHOLDER_ROW_ID = 'AAAAAAAAAAAAAAAAAA';

/** The operation codes of row changes, LOB and XML operations that belong to a captured table. */
export const ROW_OPERATIONS: readonly number[] = [
  OPERATION.INSERT, OPERATION.DELETE, OPERATION.UPDATE, OPERATION.DDL,
  OPERATION.SELECT_LOB_LOCATOR, OPERATION.LOB_WRITE, OPERATION.LOB_TRIM, OPERATION.LOB_ERASE, OPERATION.LOB_ERASE_ALTERNATIVE,
  OPERATION.XML_DOC_BEGIN, OPERATION.XML_DOC_WRITE, OPERATION.XML_DOC_END,
  OPERATION.EXTENDED_STRING_BEGIN, OPERATION.EXTENDED_STRING_WRITE, OPERATION.EXTENDED_STRING_END, OPERATION.UNSUPPORTED,
];

/**
 * Whether a row of a captured table is a LOB change made through a locator (`lob`) or a piece of an
 * XMLType value (`xml`), both of which Tandem refuses; undefined for any other row. OPERATION, when
 * the row has it, decides: a code 28 or 29 row is a LOB_ERASE only if LogMiner names it so. Rows
 * without it (spilled or written before it was selected) fall back on the codes of Oracle's reference.
 */
export function locatorOrXmlOperation(row: { readonly operationCode: number; readonly operation?: string | null }): 'lob' | 'xml' | 'extended' | undefined {
  const name = row.operation?.trim().toUpperCase();
  if (name) {
    if (XML_DOCUMENT_OPERATION_NAMES.includes(name)) return 'xml';
    if (LOB_LOCATOR_OPERATION_NAMES.includes(name)) return 'lob';
    if (EXTENDED_STRING_OPERATION_NAMES.includes(name)) return 'extended';
    return undefined;
  }
  switch (row.operationCode) {
    case OPERATION.EXTENDED_STRING_BEGIN: case OPERATION.EXTENDED_STRING_WRITE: case OPERATION.EXTENDED_STRING_END: return 'extended';
    case OPERATION.XML_DOC_BEGIN: case OPERATION.XML_DOC_WRITE: case OPERATION.XML_DOC_END: return 'xml';
    case OPERATION.SELECT_LOB_LOCATOR: case OPERATION.LOB_WRITE: case OPERATION.LOB_TRIM: case OPERATION.LOB_ERASE: return 'lob';
    default: return undefined;
  }
}

/** The transaction-control operation codes (rows without an owner). */
export const CONTROL_OPERATIONS: readonly number[] = [OPERATION.START, OPERATION.COMMIT, OPERATION.ROLLBACK];

/** Whether a row is LogMiner's MISSING_SCN (by OPERATION name where it has one, else by code). */
export function isMissingScn(row: { readonly operationCode: number; readonly operation?: string | null }): boolean {
  const name = row.operation?.trim().toUpperCase();
  return name ? name === 'MISSING_SCN' : row.operationCode === OPERATION.MISSING_SCN;
}

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
    operation: text('OPERATION'),
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
    status: r.STATUS === null || r.STATUS === undefined ? null : num('STATUS'),
  };
}
