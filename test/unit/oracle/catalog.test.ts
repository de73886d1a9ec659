import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COLUMNS_SQL, oracleTablesFromRows } from '../../../src/adapters/oracle/catalog.js';
import { snapshotQuery } from '../../../src/adapters/oracle/snapshot/snapshot-sql.js';
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

test('INVISIBLE columns are in the catalog (and so copied, streamed and verified); system-generated hidden columns are not (measured before: ACCOUNTS had only ID and OWNER, the catalog kept HIDDEN_COLUMN = \'NO\', and IBAN arrived NULL)', () => {
  // ALL_TAB_COLS for CREATE TABLE ACCOUNTS (ID NUMBER(10) PRIMARY KEY, OWNER VARCHAR2(50), IBAN VARCHAR2(34) INVISIBLE)
  // with extended statistics on (OWNER, IBAN), whose SYS_STU… column is hidden and system-generated.
  const rows = [
    { TABLE_NAME: 'ACCOUNTS', COLUMN_NAME: 'ID', DATA_TYPE: 'NUMBER', DATA_LENGTH: '22', CHAR_LENGTH: '0', DATA_PRECISION: '10', DATA_SCALE: '0', CHAR_USED: null, NULLABLE: 'N', COLUMN_ID: '1', VIRTUAL_COLUMN: 'NO', HIDDEN_COLUMN: 'NO', USER_GENERATED: 'YES', GENERATION_TYPE: null },
    { TABLE_NAME: 'ACCOUNTS', COLUMN_NAME: 'OWNER', DATA_TYPE: 'VARCHAR2', DATA_LENGTH: '50', CHAR_LENGTH: '50', DATA_PRECISION: null, DATA_SCALE: null, CHAR_USED: 'B', NULLABLE: 'Y', COLUMN_ID: '2', VIRTUAL_COLUMN: 'NO', HIDDEN_COLUMN: 'NO', USER_GENERATED: 'YES', GENERATION_TYPE: null },
    { TABLE_NAME: 'ACCOUNTS', COLUMN_NAME: 'IBAN', DATA_TYPE: 'VARCHAR2', DATA_LENGTH: '34', CHAR_LENGTH: '34', DATA_PRECISION: null, DATA_SCALE: null, CHAR_USED: 'B', NULLABLE: 'Y', COLUMN_ID: null, VIRTUAL_COLUMN: 'NO', HIDDEN_COLUMN: 'YES', USER_GENERATED: 'YES', GENERATION_TYPE: null },
    { TABLE_NAME: 'ACCOUNTS', COLUMN_NAME: 'SYS_STUW3MXAI1XLZHCHDYKJ9E4K90', DATA_TYPE: 'NUMBER', DATA_LENGTH: '22', CHAR_LENGTH: '0', DATA_PRECISION: null, DATA_SCALE: null, CHAR_USED: null, NULLABLE: 'Y', COLUMN_ID: null, VIRTUAL_COLUMN: 'YES', HIDDEN_COLUMN: 'YES', USER_GENERATED: 'NO', GENERATION_TYPE: null },
  ];
  const [t] = oracleTablesFromRows('HR', [{ TABLE_NAME: 'ACCOUNTS', IOT_TYPE: null, PARTITIONED: 'NO' }], rows, [{ TABLE_NAME: 'ACCOUNTS', COLUMN_NAME: 'ID', POSITION: '1' }]);
  assert.deepEqual(t!.columns.map((c) => c.name), ['ID', 'OWNER', 'IBAN']);
  // The query itself keeps user-generated hidden columns, after the visible ones.
  assert.match(COLUMNS_SQL, /WHERE c\.OWNER = :schema AND \(c\.HIDDEN_COLUMN = 'NO' OR c\.USER_GENERATED = 'YES'\)\n ORDER BY c\.TABLE_NAME, c\.COLUMN_ID NULLS LAST, c\.INTERNAL_COLUMN_ID$/);
  // SELECT * leaves an invisible column out: the snapshot names every column.
  assert.equal(snapshotQuery(t!), 'SELECT t."ID" AS C0, t."OWNER" AS C1, t."IBAN" AS C2 FROM "HR"."ACCOUNTS" AS OF SCN :scn t');
});
