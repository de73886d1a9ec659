/**
 * Snapshot SQL (pure) and the snapshot row encoder, whose CopyData messages are loaded into a real
 * PostgreSQL 15 exactly as the importer sends a snapshot file (FramedCopyIn: bytes as they are).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { FramedCopyIn } from '../../../src/adapters/postgres/copy-in-framed.js';
import {
  keyBoundariesSql, keyRangeChunks, rowidChunks, selectExpression, snapshotQuery,
} from '../../../src/adapters/oracle/snapshot/snapshot-sql.js';
import { copyDataMessage, copyTextField, copyTextRow, OracleCopyRowEncoder } from '../../../src/adapters/oracle/snapshot/copy-text-row.js';
import { pgTypeFor } from '../../../src/adapters/oracle/values/type-map.js';
import { TABLES } from './logminer-fixtures.js';
import { TandemError } from '../../../src/core/errors.js';

const ALL_TYPES = TABLES['SHOP.ALL_TYPES']!;
const EMP = TABLES['HR.EMP']!;

test('the select list reads date-times and intervals through TO_CHAR with explicit formats', () => {
  assert.equal(selectExpression(ALL_TYPES.columns.find((c) => c.name === 'D')!), `TO_CHAR(t."D", 'SYYYY-MM-DD HH24:MI:SS')`);
  assert.equal(selectExpression(ALL_TYPES.columns.find((c) => c.name === 'TSTZ')!), `TO_CHAR(t."TSTZ", 'SYYYY-MM-DD HH24:MI:SS.FF9 TZH:TZM')`);
  assert.equal(selectExpression(ALL_TYPES.columns.find((c) => c.name === 'TSLTZ')!), `TO_CHAR(SYS_EXTRACT_UTC(t."TSLTZ"), 'SYYYY-MM-DD HH24:MI:SS.FF9')`);
  assert.equal(snapshotQuery(EMP),
    `SELECT t."ID" AS C0, t."NAME" AS C1, TO_CHAR(t."HIRED", 'SYYYY-MM-DD HH24:MI:SS') AS C2, t."SALARY" AS C3, t."NOTE" AS C4 FROM "HR"."EMP" AS OF SCN :scn t`);
  // Virtual columns are not copied.
  assert.doesNotMatch(snapshotQuery(ALL_TYPES), /V_COMPUTED/);
  assert.match(snapshotQuery(ALL_TYPES), /t\."RID"\) AS C17 FROM "SHOP"\."ALL_TYPES" AS OF SCN :scn t$/);
});

test('every parallel chunk reads the same SCN: ROWID ranges half-open, key ranges open at both ends', () => {
  const chunks = rowidChunks(EMP, [{ LO_ROWID: 'AAAR3sAAEAAAACHAAA', HI_ROWID: 'AAAR3sAAEAAAAFoAAA' }, { LO_ROWID: 'AAAR3sAAEAAAAFoAAA', HI_ROWID: 'AAAR3sAAEAAAAKIAAA' }], '1000000');
  assert.deepEqual(chunks.map((c) => [c.chunkNo, c.binds]), [
    [0, { scn: '1000000', lo: 'AAAR3sAAEAAAACHAAA', hi: 'AAAR3sAAEAAAAFoAAA' }],
    [1, { scn: '1000000', lo: 'AAAR3sAAEAAAAFoAAA', hi: 'AAAR3sAAEAAAAKIAAA' }],
  ]);
  assert.match(chunks[0]!.sql, / AS OF SCN :scn t WHERE t\.ROWID >= CHARTOROWID\(:lo\) AND t\.ROWID < CHARTOROWID\(:hi\)$/);
  assert.deepEqual(rowidChunks({ ...EMP, indexOrganized: true }, [{ LO_ROWID: 'a', HI_ROWID: 'b' }, { LO_ROWID: 'b', HI_ROWID: 'c' }], '7').map((c) => c.binds), [{ scn: '7' }]);
  assert.equal(keyBoundariesSql(EMP, 'ID'), 'SELECT TO_CHAR(MAX("ID")) AS BOUNDARY FROM (SELECT "ID", NTILE(:chunks) OVER (ORDER BY "ID") AS G FROM "HR"."EMP" AS OF SCN :scn) GROUP BY G ORDER BY MAX("ID")');
  const k = keyRangeChunks(EMP, 'ID', ['100', '200', '300'], '5');
  assert.deepEqual(k.map((c) => [c.sql.split(' WHERE ')[1], c.binds]), [
    ['t."ID" <= TO_NUMBER(:hi)', { scn: '5', hi: '100' }],
    ['t."ID" > TO_NUMBER(:lo) AND t."ID" <= TO_NUMBER(:hi)', { scn: '5', lo: '100', hi: '200' }],
    ['t."ID" > TO_NUMBER(:lo)', { scn: '5', lo: '200' }],
  ]);
  assert.equal(keyRangeChunks(EMP, 'ID', ['100'], '5').length, 1);
});

test('COPY text escapes backslash, tab, newline and CR; NULL is \\N; CopyData framing counts its own length', () => {
  assert.equal(copyTextField(null), '\\N');
  assert.equal(copyTextField('a\\b\tc\nd\re'), 'a\\\\b\\tc\\nd\\re');
  assert.equal(copyTextField('\\N'), '\\\\N');
  assert.equal(copyTextRow(['1', null, '']), '1\t\\N\t\n');
  assert.deepEqual([...copyDataMessage('é\n')], [0x64, 0, 0, 0, 7, 0xc3, 0xa9, 0x0a]);
});

/** Rows as the snapshot query of SHOP.ALL_TYPES would return them from the thin driver. */
const ORACLE_ROWS: Record<string, unknown>[] = [
  {
    C0: '1', C1: '-.000123', C2: '12345678901234567890123456789012.345678', C3: Math.fround(0.1), C4: -Infinity, C5: 'ab  ',
    C6: 'tab\there, newline\nthere, backslash \\ and \\N', C7: 'café 😀', C8: 'x'.repeat(10000),
    C9: '-0044-03-15 12:00:00', C10: ' 2024-02-29 23:59:59.123456789', C11: ' 2024-07-01 09:00:00.500000000 +05:30', C12: ' 2024-07-01 03:30:00.500000000',
    C13: '-01-02', C14: '+03 04:05:06.700000', C15: Buffer.from([0, 0xff, 0x10]), C16: Buffer.alloc(0), C17: 'AAAR3sAAEAAAACXAAA',
  },
  { C0: '2', C1: null, C2: null, C3: null, C4: null, C5: null, C6: null, C7: null, C8: null, C9: null, C10: null, C11: null, C12: null, C13: null, C14: null, C15: null, C16: null, C17: null },
  { C0: '3', C1: '1E+125', C2: '0', C3: NaN, C4: 1.7976931348623157e308, C5: 'zzzz', C6: '\r', C7: '', C8: '', C9: ' 9999-12-31 23:59:59', C10: '-4712-01-01 00:00:00.000000000',
    C11: ' 2024-01-01 00:00:00.000000001 -12:00', C12: ' 1970-01-01 00:00:00.000000000', C13: '+99-11', C14: '-99 23:59:59.999999', C15: Buffer.from('\\x', 'utf8'), C16: Buffer.from([1]), C17: 'AAAAAAAAAAAAAAAAAA' },
];

let server: PgServer;
let client: pg.Client;
before(async () => {
  server = await startPg15();
  client = await server.client();
  await client.query("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 3");
  const cols = ALL_TYPES.columns.filter((c) => !c.virtual).map((c) => `"${c.name}" ${pgTypeFor(c.type)}`);
  await client.query(`CREATE TABLE all_types (${cols.join(', ')})`);
});
after(async () => {
  await client?.end();
  await server?.stop();
});

test('encoded snapshot rows load into PostgreSQL 15 through the importer\'s framed COPY and read back as the converted text', async () => {
  const enc = new OracleCopyRowEncoder(ALL_TYPES);
  const messages = ORACLE_ROWS.map((r) => enc.encode(r));
  const columnList = enc.columnNames.map((c) => `"${c}"`).join(', ');
  const copy = new FramedCopyIn(`COPY all_types (${columnList}) FROM STDIN`, async (send) => {
    for (const m of messages) await send(m);
  });
  client.query(copy as never);
  await copy.done;
  const r = await client.query(`SELECT ${enc.columnNames.map((c) => `"${c}"::text`).join(', ')} FROM all_types ORDER BY "ID"`);
  const rows = r.rows.map((row) => Object.values(row));
  // char(4)::text drops the padding (the stored value keeps it), hence 'ab'.
  assert.deepEqual(rows[0], [
    '1', '-0.000123', '12345678901234567890123456789012.345678', '0.1', '-Infinity', 'ab',
    'tab\there, newline\nthere, backslash \\ and \\N', 'café 😀', 'x'.repeat(10000),
    '0044-03-15 12:00:00 BC', '2024-02-29 23:59:59.123457', '2024-07-01 03:30:00.5+00', '2024-07-01 03:30:00.5+00',
    '-1 years -2 mons', '3 days 04:05:06.7', '\\x00ff10', '\\x', 'AAAR3sAAEAAAACXAAA',
  ]);
  assert.deepEqual(rows[1], ['2', ...Array(17).fill(null)]);
  assert.deepEqual(rows[2], [
    '3', '1' + '0'.repeat(125), '0.000000', 'NaN', '1.7976931348623157e+308', 'zzzz', '\r', '', '',
    '9999-12-31 23:59:59', '4712-01-01 00:00:00 BC', '2024-01-01 12:00:00+00', '1970-01-01 00:00:00+00',
    '99 years 11 mons', '-99 days -23:59:59.999999', '\\x5c78', '\\x01', 'AAAAAAAAAAAAAAAAAA',
  ]);
});

test('a value without a PostgreSQL form stops the snapshot naming table and column, not the value', () => {
  const enc = new OracleCopyRowEncoder(ALL_TYPES);
  assert.throws(() => enc.encode({ ...ORACLE_ROWS[1], C6: 'secret\u0000' }),
    (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_DATA' && /SHOP\.ALL_TYPES.*column V_TEXT: the text contains a NUL/.test(e.message) && !e.message.includes('secret'));
});
