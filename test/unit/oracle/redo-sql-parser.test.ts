import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeUnistr, parseRedoSql, RedoParseError } from '../../../src/adapters/oracle/capture/redo-sql-parser.js';
import { redoLiteral } from '../../../src/adapters/oracle/capture/redo-events.js';
import { OracleValueError } from '../../../src/adapters/oracle/values/value-error.js';

test('insert: quoted names with doubled quotes, literals with doubled quotes, calls, NULL, optional semicolon', () => {
  const s = parseRedoSql(`insert into "HR"."My ""Odd"" Table"("ID","NOTE","AT","B") values ('1','it''s',TO_DATE(' 2024-01-15 10:30:00', 'SYYYY-MM-DD HH24:MI:SS'),NULL)`);
  assert.equal(s.kind, 'insert');
  assert.equal(s.table, 'My "Odd" Table');
  assert.deepEqual([...(s.kind === 'insert' ? s.values : new Map())], [
    ['ID', { kind: 'text', text: '1' }],
    ['NOTE', { kind: 'text', text: "it's" }],
    ['AT', { kind: 'call', name: 'TO_DATE', args: [{ kind: 'text', text: ' 2024-01-15 10:30:00' }, { kind: 'text', text: 'SYYYY-MM-DD HH24:MI:SS' }] }],
    ['B', { kind: 'null' }],
  ]);
});

test('update and delete: SET list, WHERE conjunction with IS NULL and ROWID, keywords in any case', () => {
  const u = parseRedoSql(`UPDATE "S"."T" SET "A" = 'x' || 'y', "B" = NULL WHERE "A" = 'old' AND "B" IS NULL AND ROWID = 'AAAR3sAAEAAAACXAAA';`);
  assert.deepEqual(u, {
    kind: 'update', owner: 'S', table: 'T',
    set: new Map([['A', { kind: 'text', text: 'xy' }], ['B', { kind: 'null' }]]),
    where: new Map([['A', { kind: 'text', text: 'old' }], ['B', { kind: 'null' }]]),
    rowId: 'AAAR3sAAEAAAACXAAA',
  });
  const d = parseRedoSql(`delete from "S"."T" where ROWID = 'AAAR3sAAEAAAACXAAB'`);
  assert.deepEqual(d, { kind: 'delete', owner: 'S', table: 'T', where: new Map(), rowId: 'AAAR3sAAEAAAACXAAB' });
  // Without supplemental logging an update may carry no WHERE image at all.
  assert.deepEqual(parseRedoSql(`update "S"."T" set "A" = '1'`), { kind: 'update', owner: 'S', table: 'T', set: new Map([['A', { kind: 'text', text: '1' }]]), where: new Map() });
});

test('UNISTR escapes (UTF-16 units, surrogate pairs, backslash), N\'…\' literals, unquoted numbers', () => {
  assert.equal(decodeUnistr('caf\\00e9 \\d83d\\de00 a\\\\b'), 'café 😀 a\\b');
  const s = parseRedoSql(`insert into "S"."T"("A","B","C") values (UNISTR('\\00e9'),N'ü',-1.5E+3)`);
  assert.deepEqual(s.kind === 'insert' ? [...s.values.values()] : [], [{ kind: 'text', text: 'é' }, { kind: 'text', text: 'ü' }, { kind: 'number', text: '-1.5E+3' }]);
  assert.throws(() => decodeUnistr('\\12'), RedoParseError);
});

test('malformed SQL_REDO is a RedoParseError with a position and no values', () => {
  const bad = [
    `insert into "S"."T"("A","B") values ('1')`,
    `insert into "S"."T"("A") values ('unterminated)`,
    `update "S"."T" set "A" = 'x' where "A" = 'secret' garbage`,
    `select * from dual`,
    `delete from "S"."T" where "A" > '1'`,
  ];
  for (const sql of bad) {
    assert.throws(() => parseRedoSql(sql), (e: unknown) => e instanceof RedoParseError && !e.message.includes('secret'), sql);
  }
});

test('literals must fit the column type; TO_DATE must use Tandem\'s session format', () => {
  const call = (name: string, ...args: string[]) => ({ kind: 'call' as const, name, args: args.map((text) => ({ kind: 'text' as const, text })) });
  assert.equal(redoLiteral('date', call('TO_DATE', ' 2024-01-15 10:30:00', 'SYYYY-MM-DD HH24:MI:SS')), ' 2024-01-15 10:30:00');
  assert.throws(() => redoLiteral('date', call('TO_DATE', '15-JAN-24', 'DD-MON-RR')), OracleValueError);
  // An unsigned year cannot tell 44 BC from AD 44 (oracle-review-3: accepted, and read as AD).
  assert.throws(() => redoLiteral('date', call('TO_DATE', '0044-03-15 00:00:00', 'YYYY-MM-DD HH24:MI:SS')), OracleValueError);
  assert.equal(redoLiteral('date', call('TO_DATE', '-0044-03-15 00:00:00', 'SYYYY-MM-DD HH24:MI:SS')), '-0044-03-15 00:00:00');
  assert.equal(redoLiteral('raw', call('HEXTORAW', '0A0B')), '0A0B');
  assert.throws(() => redoLiteral('varchar2', call('HEXTORAW', '0A0B')), OracleValueError);
  assert.equal(redoLiteral('clob', { kind: 'call', name: 'EMPTY_CLOB', args: [] }), '');
  assert.throws(() => redoLiteral('blob', { kind: 'call', name: 'EMPTY_CLOB', args: [] }), OracleValueError);
  assert.equal(redoLiteral('interval_ds', call('TO_DSINTERVAL', '+01 00:00:00')), '+01 00:00:00');
  assert.equal(redoLiteral('number', { kind: 'null' }), null);
});
