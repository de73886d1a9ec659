import { test } from 'node:test';
import assert from 'node:assert/strict';
import { oracleTablesFromRows } from '../../../src/adapters/oracle/catalog.js';
import { TandemError } from '../../../src/core/errors.js';

const TABLES = [{ TABLE_NAME: 'EMP', IOT_TYPE: null, PARTITIONED: 'NO' }, { TABLE_NAME: 'CODES', IOT_TYPE: 'IOT', PARTITIONED: 'NO' }];
const COLUMNS = [
  { TABLE_NAME: 'EMP', COLUMN_NAME: 'ID', DATA_TYPE: 'NUMBER', DATA_LENGTH: '22', CHAR_LENGTH: '0', DATA_PRECISION: '6', DATA_SCALE: '0', CHAR_USED: null, NULLABLE: 'N', COLUMN_ID: '1', VIRTUAL_COLUMN: 'NO', HIDDEN_COLUMN: 'NO', GENERATION_TYPE: 'ALWAYS' },
  { TABLE_NAME: 'EMP', COLUMN_NAME: 'NAME', DATA_TYPE: 'VARCHAR2', DATA_LENGTH: '160', CHAR_LENGTH: '40', DATA_PRECISION: null, DATA_SCALE: null, CHAR_USED: 'C', NULLABLE: 'Y', COLUMN_ID: '2', VIRTUAL_COLUMN: 'NO', HIDDEN_COLUMN: 'NO', GENERATION_TYPE: null },
  { TABLE_NAME: 'EMP', COLUMN_NAME: 'NAME_UP', DATA_TYPE: 'VARCHAR2', DATA_LENGTH: '160', CHAR_LENGTH: '40', DATA_PRECISION: null, DATA_SCALE: null, CHAR_USED: 'C', NULLABLE: 'Y', COLUMN_ID: '3', VIRTUAL_COLUMN: 'YES', HIDDEN_COLUMN: 'NO', GENERATION_TYPE: null },
  { TABLE_NAME: 'CODES', COLUMN_NAME: 'CODE', DATA_TYPE: 'CHAR', DATA_LENGTH: '2', CHAR_LENGTH: '2', DATA_PRECISION: null, DATA_SCALE: null, CHAR_USED: 'B', NULLABLE: 'N', COLUMN_ID: '1', VIRTUAL_COLUMN: 'NO', HIDDEN_COLUMN: 'NO', GENERATION_TYPE: null },
];
const PKS = [{ TABLE_NAME: 'CODES', COLUMN_NAME: 'CODE', POSITION: '1' }, { TABLE_NAME: 'EMP', COLUMN_NAME: 'ID', POSITION: '1' }];

test('catalog rows become OracleTables: types, identity, virtual columns, primary keys, IOTs', () => {
  const t = oracleTablesFromRows('HR', TABLES, COLUMNS, PKS);
  assert.deepEqual(t[0], {
    schema: 'HR', name: 'EMP', primaryKey: ['ID'],
    columns: [
      { name: 'ID', nullable: false, identity: 'ALWAYS', type: { dataType: 'NUMBER', dataLength: 22, charLength: 0, precision: 6, scale: 0, charUsed: null } },
      { name: 'NAME', nullable: true, type: { dataType: 'VARCHAR2', dataLength: 160, charLength: 40, precision: null, scale: null, charUsed: 'C' } },
      { name: 'NAME_UP', nullable: true, virtual: true, type: { dataType: 'VARCHAR2', dataLength: 160, charLength: 40, precision: null, scale: null, charUsed: 'C' } },
    ],
  });
  assert.equal(t[1]!.indexOrganized, true);
  assert.deepEqual(oracleTablesFromRows('HR', TABLES, COLUMNS, PKS, new Set(['CODES'])).map((x) => x.name), ['CODES']);
  assert.throws(() => oracleTablesFromRows('HR', TABLES, COLUMNS, PKS, new Set(['emp'])), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_UNKNOWN_TABLE' && /upper case/.test(e.hint ?? ''));
  assert.throws(() => oracleTablesFromRows('HR', TABLES, COLUMNS.slice(3), PKS), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_PRIVILEGE');
});
