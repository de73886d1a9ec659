import { readFileSync } from 'node:fs';
import { logMinerRowFromRecord, type LogMinerRow } from '../../../src/adapters/oracle/capture/logminer-row.js';
import { snapshotPosition, type OraclePosition } from '../../../src/adapters/oracle/capture/oracle-position.js';
import { ContinuationJoiner, TransactionAssembler, type CommittedTransaction } from '../../../src/adapters/oracle/capture/transaction-assembler.js';
import { transactionEvents } from '../../../src/adapters/oracle/capture/redo-events.js';
import type { OracleTable } from '../../../src/adapters/oracle/values/oracle-type.js';
import type { UnnumberedChangeEvent } from '../../../src/core/change-event.js';

export interface LogMinerFixture {
  readonly rows: LogMinerRow[];
  readonly snapshot: OraclePosition;
}

/** Reads test/fixtures/oracle/logminer/<name>.json. */
export function loadFixture(name: string): LogMinerFixture {
  const raw = JSON.parse(readFileSync(new URL(`../../../../test/fixtures/oracle/logminer/${name}.json`, import.meta.url), 'utf8')) as {
    rows: Record<string, unknown>[]; snapshotScn: string; mineFromScn: string;
  };
  return { rows: raw.rows.map(logMinerRowFromRecord), snapshot: snapshotPosition(BigInt(raw.snapshotScn), BigInt(raw.mineFromScn)) };
}

/** HR.EMP, SHOP.ALL_TYPES and SCOTT.XML_CLOB_COL_TAB (Oracle Utilities' XMLType example), as the catalog query would describe them. */
export const TABLES: Record<string, OracleTable> = {
  'HR.EMP': {
    schema: 'HR', name: 'EMP', primaryKey: ['ID'],
    columns: [
      { name: 'ID', nullable: false, type: { dataType: 'NUMBER', precision: 6, scale: 0 } },
      { name: 'NAME', nullable: true, type: { dataType: 'VARCHAR2', dataLength: 40, charLength: 40, charUsed: 'B' } },
      { name: 'HIRED', nullable: true, type: { dataType: 'DATE' } },
      { name: 'SALARY', nullable: true, type: { dataType: 'NUMBER', precision: 8, scale: 2 } },
      { name: 'NOTE', nullable: true, type: { dataType: 'CLOB' } },
    ],
  },
  'SHOP.ALL_TYPES': {
    schema: 'SHOP', name: 'ALL_TYPES', primaryKey: ['ID'],
    columns: [
      { name: 'ID', nullable: false, type: { dataType: 'NUMBER', precision: 10, scale: 0 } },
      { name: 'N_PLAIN', nullable: true, type: { dataType: 'NUMBER' } },
      { name: 'N_SCALED', nullable: true, type: { dataType: 'NUMBER', precision: 38, scale: 6 } },
      { name: 'F_BIN', nullable: true, type: { dataType: 'BINARY_FLOAT' } },
      { name: 'D_BIN', nullable: true, type: { dataType: 'BINARY_DOUBLE' } },
      { name: 'C_FIXED', nullable: true, type: { dataType: 'CHAR', charLength: 4 } },
      { name: 'V_TEXT', nullable: true, type: { dataType: 'VARCHAR2', charLength: 100 } },
      { name: 'NV_TEXT', nullable: true, type: { dataType: 'NVARCHAR2', charLength: 100 } },
      { name: 'CL', nullable: true, type: { dataType: 'CLOB' } },
      { name: 'D', nullable: true, type: { dataType: 'DATE' } },
      { name: 'TS', nullable: true, type: { dataType: 'TIMESTAMP(9)', scale: 9 } },
      { name: 'TSTZ', nullable: true, type: { dataType: 'TIMESTAMP(9) WITH TIME ZONE', scale: 9 } },
      { name: 'TSLTZ', nullable: true, type: { dataType: 'TIMESTAMP(6) WITH LOCAL TIME ZONE', scale: 6 } },
      { name: 'IYM', nullable: true, type: { dataType: 'INTERVAL YEAR(2) TO MONTH', precision: 2 } },
      { name: 'IDS', nullable: true, type: { dataType: 'INTERVAL DAY(2) TO SECOND(6)', precision: 2, scale: 6 } },
      { name: 'R', nullable: true, type: { dataType: 'RAW', dataLength: 16 } },
      { name: 'BL', nullable: true, type: { dataType: 'BLOB' } },
      { name: 'RID', nullable: true, type: { dataType: 'ROWID' } },
      { name: 'V_COMPUTED', nullable: true, virtual: true, type: { dataType: 'NUMBER' } },
    ],
  },
  'SCOTT.XML_CLOB_COL_TAB': {
    schema: 'SCOTT', name: 'XML_CLOB_COL_TAB', primaryKey: ['F1'],
    columns: [
      { name: 'F1', nullable: false, type: { dataType: 'NUMBER' } },
      { name: 'F2', nullable: true, type: { dataType: 'VARCHAR2', charLength: 100 } },
      { name: 'F3', nullable: true, type: { dataType: 'XMLTYPE' } },
      { name: 'F4', nullable: true, type: { dataType: 'XMLTYPE' } },
      { name: 'F5', nullable: true, type: { dataType: 'VARCHAR2', charLength: 10 } },
    ],
  },
};

export const lookup = (owner: string, table: string): OracleTable | undefined => TABLES[`${owner}.${table}`];

/** Feeds rows through the joiner and an assembler resuming at `resume`; returns the committed transactions. */
export function assemble(rows: readonly LogMinerRow[], resume: OraclePosition): { transactions: CommittedTransaction[]; assembler: TransactionAssembler } {
  const joiner = new ContinuationJoiner();
  const assembler = new TransactionAssembler(resume);
  const transactions: CommittedTransaction[] = [];
  for (const row of rows) {
    const complete = joiner.push(row);
    if (!complete) continue;
    const tx = assembler.push(complete);
    if (tx) transactions.push(tx);
  }
  return { transactions, assembler };
}

/** The queue events of a fixture mined from its snapshot position. */
export function eventsOf(transactions: readonly CommittedTransaction[]): UnnumberedChangeEvent[] {
  return transactions.flatMap((tx) => transactionEvents(tx, lookup));
}
