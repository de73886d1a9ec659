import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ensureChannelsSql, keyLiteral, metadataDdl, mysqlLiteral, progressStatements, truncatedRowsSql, valueLiteral, writeStatements, type WriterTable,
} from '../../../src/adapters/mysql/writer/writer-sql.js';
import { uniqueKeysOf, mysqlErrnosOf, MySqlChangeTarget } from '../../../src/adapters/mysql/writer/mysql-change-target.js';
import { checkTriggersRestored, createUnderSqlMode, triggerBlockers } from '../../../src/adapters/mysql/writer/triggers.js';
import { counterNames, pgIdentitySequenceName } from '../../../src/adapters/mysql/writer/auto-increment-sync.js';
import type { AppliedTable } from '../../../src/core/apply/batch-plan.js';
import type { MySqlValueKind, MySqlValueType } from '../../../src/adapters/mysql/values/value-type.js';
import { TandemError } from '../../../src/core/errors.js';
import { column, table } from './catalog-builders.js';

/** The SQL texts of writeStatements. */
const sqlOf = (...a: Parameters<typeof writeStatements>) => writeStatements(...a).map((w) => w.sql);
const vt = (kind: MySqlValueKind, extra: Partial<MySqlValueType> = {}): MySqlValueType => ({ kind, column: 't.c', nullable: true, ...extra });

const T: WriterTable = {
  key: 'public.t', database: 'shop', name: 't', primaryKey: ['id'],
  types: new Map<string, MySqlValueType>([
    ['id', vt('integer')], ['name', vt('text')], ['ts', vt('timestamp')], ['b', vt('binary')], ['tm', vt('time')], ['bits', vt('bit', { bitLength: 3 })], ['d', vt('decimal')],
  ]),
  generated: new Set(['total']),
};
const C: WriterTable = { ...T, key: 'public.c', name: 'c', primaryKey: ['a', 'name'], types: new Map([...T.types, ['a', vt('integer')]]) };
const applied = (t: WriterTable): AppliedTable => ({ schema: 'public', name: t.name, primaryKey: t.primaryKey, columns: [...t.types.keys()] });
const vsns = { first: 1, last: 2 };

test('MySQL literals: backslash escapes, bytes as X\'…\', NULL', () => {
  assert.equal(mysqlLiteral(null), 'NULL');
  assert.equal(mysqlLiteral(''), "''");
  assert.equal(mysqlLiteral("it's \"q\" \\ \n\r\t\0\b\x1a é"), "'it\\'s \\\"q\\\" \\\\ \\n\\r\\t\\0\\b\\Z é'");
  assert.equal(mysqlLiteral(Buffer.from([0x00, 0xff, 0x27])), "X'00ff27'");
  assert.equal(mysqlLiteral(Buffer.alloc(0)), "X''");
});

test('values from PostgreSQL text: TIMESTAMP to UTC, intervals to TIME, bytea and bits to bytes; integer and DECIMAL keys as numbers', () => {
  assert.equal(valueLiteral(T, 'ts', '2024-05-06 09:08:09.5+02'), "'2024-05-06 07:08:09.5'");
  assert.equal(valueLiteral(T, 'tm', '-1 days +02:00:00'), "'-22:00:00'");
  assert.equal(valueLiteral(T, 'b', '\\x00ff'), "X'00ff'");
  assert.equal(valueLiteral(T, 'bits', '101'), "X'05'");
  assert.equal(valueLiteral(T, 'name', null), 'NULL');
  assert.equal(keyLiteral(T, 'id', '18446744073709551615'), '18446744073709551615');
  assert.equal(keyLiteral(T, 'd', '-12.50'), '-12.50');
  assert.equal(keyLiteral(T, 'name', "o'k"), "'o\\'k'");
  assert.throws(() => valueLiteral(T, 'nope', '1'), (e: TandemError) => e.code === 'TANDEM_DATA'
    && e.message === 'Change events for public.t carry the column nope, which the MySQL table shop.t lacks.');
});

test('inserts: multi-row, generated columns dropped, split below the byte limit', () => {
  const s = { kind: 'insert' as const, table: applied(T), columns: ['id', 'name', 'total'], rows: [['1', 'a', '9'], ['2', null, '9'], ['3', 'c\td', '9']], vsns };
  assert.deepEqual(sqlOf(s, T, 1 << 20), ["INSERT INTO `shop`.`t` (`id`, `name`) VALUES ('1', 'a'), ('2', NULL), ('3', 'c\\td')"]);
  assert.deepEqual(sqlOf(s, T, 26), [
    "INSERT INTO `shop`.`t` (`id`, `name`) VALUES ('1', 'a'), ('2', NULL)",
    "INSERT INTO `shop`.`t` (`id`, `name`) VALUES ('3', 'c\\td')",
  ]);
});

test('updates set only the carried columns, one statement per row, found by numeric key; a primary-key move sets the key', () => {
  const s = { kind: 'update' as const, table: applied(T), columns: ['name', 'total'], rows: [['1', 'x'], ['9223372036854775807', 'y']], vsns };
  assert.deepEqual(sqlOf(s, T, 1 << 20), [
    "UPDATE `shop`.`t` SET `name` = 'x' WHERE `id` = 1",
    "UPDATE `shop`.`t` SET `name` = 'y' WHERE `id` = 9223372036854775807",
  ]);
  assert.deepEqual(sqlOf({ ...s, columns: ['id'], rows: [['1', '7']] }, T, 1 << 20), ["UPDATE `shop`.`t` SET `id` = '7' WHERE `id` = 1"]);
  assert.deepEqual(sqlOf({ ...s, columns: ['total'], rows: [['1', '5']] }, T, 1 << 20), []);
});

test('deletes: IN lists of keys, tuples for composite keys, split below the byte limit', () => {
  assert.deepEqual(sqlOf({ kind: 'delete', table: applied(T), rows: [['1'], ['2'], ['30']], vsns }, T, 1 << 20), ['DELETE FROM `shop`.`t` WHERE `id` IN (1, 2, 30)']);
  assert.deepEqual(sqlOf({ kind: 'delete', table: applied(T), rows: [['1'], ['2'], ['30']], vsns }, T, 6), [
    'DELETE FROM `shop`.`t` WHERE `id` IN (1, 2)', 'DELETE FROM `shop`.`t` WHERE `id` IN (30)',
  ]);
  assert.deepEqual(sqlOf({ kind: 'delete', table: applied(C), rows: [['1', 'a'], ['2', "b'"]], vsns }, C, 1 << 20),
    ["DELETE FROM `shop`.`c` WHERE (`a`, `name`) IN ((1, 'a'), (2, 'b\\''))"]);
});

test('progress: the channel row and per-table counts in the batch\'s transaction; metadata tables; channel rows', () => {
  const counts = new Map([['public.t', { total: 3, inserts: 1, updates: 1, deletes: 1 }]]);
  assert.deepEqual(progressStatements('ybvoyager_metadata', '11111111-2222-4333-8444-555555555555', 2, 42, { inserts: 1, updates: 1, deletes: 1, counts }), [
    "UPDATE `ybvoyager_metadata`.`ybvoyager_import_data_event_channels_metainfo` SET last_applied_vsn = 42, num_inserts = num_inserts + 1, num_updates = num_updates + 1, num_deletes = num_deletes + 1 WHERE migration_uuid = '11111111-2222-4333-8444-555555555555' AND channel_no = 2",
    "INSERT INTO `ybvoyager_metadata`.`ybvoyager_imported_event_count_by_table` (migration_uuid, table_name, channel_no, total_events, num_inserts, num_updates, num_deletes) VALUES ('11111111-2222-4333-8444-555555555555', 'public.t', 2, 3, 1, 1, 1) ON DUPLICATE KEY UPDATE total_events = total_events + VALUES(total_events), num_inserts = num_inserts + VALUES(num_inserts), num_updates = num_updates + VALUES(num_updates), num_deletes = num_deletes + VALUES(num_deletes)",
  ]);
  assert.equal(ensureChannelsSql('m', 'u', 2), "INSERT IGNORE INTO `m`.`ybvoyager_import_data_event_channels_metainfo` (migration_uuid, channel_no, last_applied_vsn, num_inserts, num_updates, num_deletes) VALUES ('u', 0, 0, 0, 0, 0), ('u', 1, 0, 0, 0, 0)");
  assert.equal(truncatedRowsSql('m', 'u', 'public.t', 7, 12), "INSERT INTO `m`.`tandem_truncated_rows` (migration_uuid, table_name, vsn, rows_removed) VALUES ('u', 'public.t', 7, 12)");
  const ddl = metadataDdl('ybvoyager_metadata');
  assert.equal(ddl[0], 'CREATE DATABASE IF NOT EXISTS `ybvoyager_metadata` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin');
  assert.match(ddl[1]!, /^CREATE TABLE IF NOT EXISTS `ybvoyager_metadata`.`ybvoyager_import_data_event_channels_metainfo` \(\n  migration_uuid char\(36\) NOT NULL,\n  channel_no int NOT NULL,\n  last_applied_vsn bigint NOT NULL DEFAULT 0,/);
});

test('unique keys for the dispatcher: by value only for plain non-character columns', () => {
  const t = table('acct', [column('id', 'int'), column('code', 'int'), column('email', 'varchar(40)'), column('a', 'int'), column('b', 'bigint')], {
    primaryKey: ['id'],
    indexes: [
      { name: 'code_u', unique: true, kind: 'btree', parts: [{ column: 'code', expression: null, prefixLength: null, descending: false }], invisible: false, comment: '' },
      { name: 'email_u', unique: true, kind: 'btree', parts: [{ column: 'email', expression: null, prefixLength: null, descending: false }], invisible: false, comment: '' },
      { name: 'ab_u', unique: true, kind: 'btree', parts: [{ column: 'b', expression: null, prefixLength: null, descending: false }, { column: 'a', expression: null, prefixLength: null, descending: false }], invisible: false, comment: '' },
      { name: 'fn_u', unique: true, kind: 'btree', parts: [{ column: null, expression: '(`a` + `b`)', prefixLength: null, descending: false }], invisible: false, comment: '' },
      { name: 'plain', unique: false, kind: 'btree', parts: [{ column: 'a', expression: null, prefixLength: null, descending: false }], invisible: false, comment: '' },
    ],
  });
  assert.deepEqual(uniqueKeysOf('public', t), [
    { schema: 'public', table: 'acct', name: 'code_u', columns: ['code'], byValue: true },
    { schema: 'public', table: 'acct', name: 'email_u', columns: ['email'], byValue: false },
    { schema: 'public', table: 'acct', name: 'ab_u', columns: ['a', 'b'], byValue: true },
    { schema: 'public', table: 'acct', name: 'fn_u', columns: ['a', 'b'], byValue: false },
  ]);
});

test('errors are classified by errno, also when wrapped', () => {
  const target = new MySqlChangeTarget({ role: 'source', type: 'mysql', host: 'h', port: 1, user: 'u', database: 'd', schemas: [] }, { tables: [], onWarning: () => {} });
  const dup = Object.assign(new Error('Duplicate entry'), { errno: 1062, code: 'ER_DUP_ENTRY' });
  assert.equal(target.isKeyConflict(dup), true);
  assert.equal(target.isKeyConflict(new TandemError('TANDEM_DATA', 'x', { cause: dup })), true);
  assert.equal(target.isTransientConflict(dup), false);
  assert.equal(target.isTransientConflict({ errno: 1213 }), true);
  assert.equal(target.isTransientConflict(new TandemError('TANDEM_DATA', 'x', { cause: { errno: 1205 } })), true);
  assert.equal(target.isKeyConflict({ errno: 1452 }), false);
  assert.deepEqual(mysqlErrnosOf(new TandemError('TANDEM_DATA', 'x', { cause: dup })), [1062]);
});

test('triggers: blockers with their DROP, the end check finds missing and changed ones', () => {
  const before = [
    { name: 'audit_ins', table: 'orders', timing: 'AFTER', event: 'INSERT', createSql: 'CREATE TRIGGER audit_ins AFTER INSERT ON orders FOR EACH ROW INSERT INTO audit VALUES (NEW.id)' },
    { name: 'stamp', table: 'orders', timing: 'BEFORE', event: 'UPDATE', createSql: 'CREATE TRIGGER stamp BEFORE UPDATE ON orders FOR EACH ROW SET NEW.t = NOW()' },
    { name: 'hidden', table: 'items', timing: 'BEFORE', event: 'DELETE', createSql: null },
  ];
  assert.deepEqual(triggerBlockers('shop', before), {
    lines: ['orders: AFTER INSERT trigger audit_ins', 'orders: BEFORE UPDATE trigger stamp', 'items: BEFORE DELETE trigger hidden'],
    dropSql: ['DROP TRIGGER `shop`.`audit_ins`;', 'DROP TRIGGER `shop`.`stamp`;', 'DROP TRIGGER `shop`.`hidden`;'],
  });
  const now = [{ ...before[1]!, createSql: 'CREATE TRIGGER stamp BEFORE UPDATE ON orders FOR EACH ROW SET NEW.t = 0' }];
  assert.deepEqual(checkTriggersRestored(before, now), [
    { name: 'audit_ins', table: 'orders', problem: 'missing', fixSql: `DELIMITER $$\n${before[0]!.createSql}$$\nDELIMITER ;` },
    { name: 'stamp', table: 'orders', problem: 'changed', fixSql: `DELIMITER $$\n${before[1]!.createSql}$$\nDELIMITER ;` },
    { name: 'hidden', table: 'items', problem: 'missing', fixSql: '-- the definition of hidden was not visible to Tandem (TRIGGER privilege): recreate it from your copy' },
  ]);
  assert.deepEqual(checkTriggersRestored(before, before), []);
});

test('triggers: recreated under the sql_mode they were created with; one back under another sql_mode is changed', () => {
  const t = { name: 'cat', table: 'orders', timing: 'BEFORE', event: 'INSERT', createSql: "CREATE TRIGGER cat BEFORE INSERT ON orders FOR EACH ROW SET NEW.s = NEW.a || 'x'", sqlMode: "PIPES_AS_CONCAT,AN\\O'DD" };
  assert.equal(createUnderSqlMode(t), [
    'SET @tandem_sql_mode = @@SESSION.sql_mode;',
    "SET SESSION sql_mode = 'PIPES_AS_CONCAT,AN\\\\O''DD';",
    'DELIMITER $$', `${t.createSql}$$`, 'DELIMITER ;',
    'SET SESSION sql_mode = @tandem_sql_mode;',
  ].join('\n'));
  assert.deepEqual(checkTriggersRestored([t], [{ ...t, sqlMode: 'STRICT_TRANS_TABLES' }]).map((f) => f.problem), ['changed']);
  assert.deepEqual(checkTriggersRestored([t], [t]), []);
  const { sqlMode: _, ...old } = t; // recorded by a version that did not keep it: nothing to compare
  assert.deepEqual(checkTriggersRestored([old], [{ ...t, sqlMode: 'STRICT_TRANS_TABLES' }]), []);
});

test('counter names: PostgreSQL\'s identity sequence name (cut to 63 bytes like makeObjectName), Tandem\'s BIGINT UNSIGNED sequence, the table', () => {
  assert.equal(pgIdentitySequenceName('orders', 'id'), 'orders_id_seq');
  const long = `t${'x'.repeat(60)}`;
  assert.equal(pgIdentitySequenceName(long, 'id'), `t${'x'.repeat(55)}_id_seq`);
  assert.equal(pgIdentitySequenceName(long, `c${'y'.repeat(40)}`), `t${'x'.repeat(28)}_c${'y'.repeat(28)}_seq`);
  assert.equal(pgIdentitySequenceName('é'.repeat(40), 'id'), `${'é'.repeat(28)}_id_seq`);
  assert.deepEqual(counterNames('orders', 'id'), ['orders_id_seq', 'orders']);
});
