/** The pure parts of the MySQL engine's roles: names, positions, markers, findings, the write guard's scripts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TandemError } from '../../../src/core/errors.js';
import type { DbConfig } from '../../../src/core/db-config.js';
import { checkMySqlConfig, mysqlTargetSchemaOf, namesMySqlSchema } from '../../../src/adapters/mysql/mysql-config.js';
import { describeMySqlPosition, mysqlStreamLabels, snapshotStartPosition } from '../../../src/adapters/mysql/mysql-change-capture.js';
import { MARKER_EVENT_SCHEMA, markersOf, mysqlStreamId } from '../../../src/adapters/mysql/capture/marker-table.js';
import { commitAgeLowerBoundMs } from '../../../src/adapters/mysql/mysql-change-stream.js';
import { captureFindings, cascadeFinding, characterSetFinding, newZeroDateFinding, nonTransactionalFinding, zeroDateFindings } from '../../../src/adapters/mysql/mysql-prerequisite-findings.js';
import { zeroDatesAllowed } from '../../../src/adapters/mysql/zero-dates.js';
import { activeTriggers, completeTriggerDefinitions, createTriggersScript, dropTriggersScript, notRestoredGuard } from '../../../src/adapters/mysql/mysql-write-guard.js';
import type { UnnumberedChangeEvent } from '../../../src/core/change-event.js';
import type { MySqlForeignKey, MySqlTable } from '../../../src/adapters/mysql/catalog-types.js';

const db = (over: Partial<DbConfig> = {}): DbConfig => ({ role: 'source', type: 'mysql', host: 'h', port: 3306, user: 'u', database: 'shop', schemas: ['public'], ...over });

test('a MySQL database becomes one target schema: public, or the one --source-db-schema names', () => {
  assert.equal(mysqlTargetSchemaOf(db()), 'public');
  assert.equal(mysqlTargetSchemaOf(db({ schemas: ['app'] })), 'app');
  assert.equal(mysqlTargetSchemaOf(db({ schemas: [] })), 'public');
  assert.equal(namesMySqlSchema(db(), 'public'), true);
  assert.equal(namesMySqlSchema(db(), 'shop'), true);
  assert.equal(namesMySqlSchema(db(), 'other'), false);
  assert.throws(() => checkMySqlConfig(db({ schemas: ['a', 'b'] })), (e: TandemError) => e.code === 'TANDEM_USAGE'
    && e.message === 'A MySQL database becomes one PostgreSQL schema; --source-db-schema names 2 (a, b).');
  assert.throws(() => checkMySqlConfig(db({ database: '' })), (e: TandemError) => e.code === 'TANDEM_USAGE'
    && e.message === '--source-db-name is required for MySQL: name the database to migrate.');
  checkMySqlConfig(db());
});

test('positions as the server prints them; a snapshot position as the capture\'s text', () => {
  assert.equal(describeMySqlPosition('0000000003.000000001234|binlog.000003|mariadb:0-1-100'), 'binlog binlog.000003:1234 (GTID 0-1-100)');
  assert.equal(describeMySqlPosition('0000000003.000000001234|binlog.000003|'), 'binlog binlog.000003:1234');
  assert.equal(snapshotStartPosition({ file: 'binlog.000002', offset: 1543, gtid: { flavor: 'mariadb', text: '0-1-57' } }), '0000000002.000000001543|binlog.000002|mariadb:0-1-57');
  assert.equal(snapshotStartPosition({ file: 'binlog.000002', offset: 4 }), '0000000002.000000000004|binlog.000002|');
});

test('stream ids and labels: one per migration and side, in the binlog\'s words', () => {
  const id = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
  assert.equal(mysqlStreamId({ id, side: 'source' }), 'tandem_0f1e2d3c4b5a69788796');
  assert.equal(mysqlStreamId({ id, side: 'target' }), 'tandem_fb_0f1e2d3c4b5a69788796');
  const l = mysqlStreamLabels('tandem_x', 'ybvoyager_metadata');
  assert.equal(l.stream, 'binlog stream tandem_x');
  assert.equal(l.changeLog, 'binlog');
  assert.equal(l.dropAll, "DELETE FROM `ybvoyager_metadata`.`tandem_markers` WHERE stream_id = 'tandem_x'; DROP TABLE `ybvoyager_metadata`.`tandem_markers`; (the table only when no other migration uses it)");
});

test('marker rows become markers of their own stream and never row changes', () => {
  const row = (after: Record<string, string>, op: 'c' | 'd' = 'c'): UnnumberedChangeEvent => ({ op, schema: MARKER_EVENT_SCHEMA, table: 'tandem_markers', key: { id: '1' }, after, position: 'p', txId: 't' });
  const change: UnnumberedChangeEvent = { op: 'u', schema: 'public', table: 'orders', key: { id: '7' }, after: { id: '7', note: 'x' }, position: 'p', txId: 't' };
  const out = markersOf([
    change,
    row({ stream_id: 'tandem_a', kind: 'cutover_to_target' }),
    row({ stream_id: 'tandem_b', kind: 'cutover_to_source' }),
    row({ stream_id: 'tandem_a', kind: 'created' }),
    row({ stream_id: 'tandem_a', kind: 'cutover_to_source' }, 'd'),
  ], 'tandem_a');
  assert.deepEqual(out.markers, ['cutover_to_target']);
  assert.deepEqual(out.events, [change]);
});

test('findings: zero dates (NOT NULL stops, nullable warns), capture errors in one finding, retention always said', () => {
  const z = zeroDateFindings({ counts: [{ table: 't', column: 'd', nullable: false, count: 2 }, { table: 't', column: 'e', nullable: true, count: 1 }], newZeroDatesAllowed: true }, 'shop');
  assert.deepEqual(z.map((f) => [f.severity, f.code]), [['warning', 'TANDEM_PREREQUISITE'], ['error', 'TANDEM_PREREQUISITE']], 'warnings first: findings are printed up to the first error');
  assert.match(z[1]!.message, /^Zero dates in NOT NULL columns of shop: t\.d \(2 rows\)\./);
  assert.equal(z[0]!.message, 'shop.t.e: 1 zero date(s) will become NULL on the target.');
  const c = captureFindings([
    { check: 'binlog_format', severity: 'error', message: 'binlog_format is STATEMENT.', fix: "SET GLOBAL binlog_format = 'ROW';" },
    { check: 'privilege_replication_slave', severity: 'error', message: 'no REPLICATION SLAVE.', fix: 'GRANT REPLICATION SLAVE ON *.* TO x;' },
    { check: 'primary_key', severity: 'error', message: 'no key', fix: 'ALTER TABLE' },
    { check: 'gtid', severity: 'info', message: 'GTIDs on' },
    { check: 'retention', severity: 'info', message: 'Binlogs do not expire by age.', fix: 'Nothing to change.' },
  ]);
  assert.deepEqual(c.map((f) => [f.severity, f.code]), [['error', 'TANDEM_PREREQUISITE'], ['warning', 'TANDEM_PREREQUISITE']]);
  assert.equal(c[0]!.message, 'The source is not ready for change capture from its binlog:\n- binlog_format is STATEMENT.\n- no REPLICATION SLAVE.');
  assert.equal(c[0]!.fix, "SET GLOBAL binlog_format = 'ROW';\nGRANT REPLICATION SLAVE ON *.* TO x;");
  assert.equal(c[1]!.message, 'Binlogs do not expire by age. Nothing to change.');
  assert.equal(captureFindings([{ check: 'privilege_select', severity: 'error', message: 'no SELECT', fix: 'GRANT SELECT' }])[0]!.code, 'TANDEM_PRIVILEGE');
});

test('the write guard: triggers of written tables act on fall-back writes; scripts drop and recreate exactly them; the end check', () => {
  const trig = { name: 'audit_ins', table: 'orders', timing: 'AFTER', event: 'INSERT', createSql: 'CREATE DEFINER=`root`@`localhost` TRIGGER audit_ins AFTER INSERT ON orders FOR EACH ROW INSERT INTO audit VALUES (NEW.id)' };
  const before = { database: 'shop', triggers: [trig], globalForeignKeyChecks: true };
  assert.deepEqual(activeTriggers(before), [{ what: 'trigger on shop.orders: AFTER INSERT trigger audit_ins', fix: 'DROP TRIGGER `shop`.`audit_ins`;' }]);
  assert.deepEqual(activeTriggers({ ...before, triggers: [] }), []);
  assert.match(dropTriggersScript(before), /\nDROP TRIGGER `shop`\.`audit_ins`;$/);
  assert.equal(createTriggersScript(before).split('\n').slice(1).join('\n'), `USE \`shop\`;\nDELIMITER $$\n${trig.createSql}$$\nDELIMITER ;`);
  assert.deepEqual(notRestoredGuard(before, before), []);
  assert.deepEqual(notRestoredGuard(before, { ...before, triggers: [] }).map((g) => g.what), ['trigger audit_ins on shop.orders (missing)']);
  // Runs in a mysql client without a default database (measured before: "No database selected").
  assert.match(notRestoredGuard(before, { ...before, triggers: [] })[0]!.fix, /^USE `shop`;\n/);
  assert.deepEqual(notRestoredGuard(before, { ...before, globalForeignKeyChecks: false }), [{ what: 'the server\'s global foreign_key_checks (OFF)', fix: 'SET GLOBAL foreign_key_checks = 1;' }]);
  assert.throws(() => activeTriggers({ triggers: [] }), (e: TandemError) => e.code === 'TANDEM_EXPORT_DIR');
});

test('foreign-key actions the binlog does not carry are named for a live export, with who carries them out', () => {
  const fk = (name: string, onDelete: MySqlForeignKey['onDelete'], onUpdate: MySqlForeignKey['onUpdate']): MySqlForeignKey => ({ name, columns: ['p'], refDatabase: 'shop', refTable: 'p', refColumns: ['id'], onDelete, onUpdate });
  const table = (name: string, foreignKeys: MySqlForeignKey[]) => ({ name, foreignKeys }) as unknown as MySqlTable;
  assert.equal(cascadeFinding([table('c', [fk('c_p', 'RESTRICT', 'NO ACTION')]), table('p', [])], 'shop'), undefined);
  const f = cascadeFinding([table('c', [fk('c_p', 'CASCADE', 'NO ACTION')]), table('d', [fk('d_p', 'SET NULL', 'CASCADE')]), table('p', [])], 'shop');
  assert.equal(f?.severity, 'warning');
  assert.match(f!.message, /into the binlog: c\.c_p \(ON DELETE CASCADE\), d\.d_p \(ON DELETE SET NULL, ON UPDATE CASCADE\)\. /);
  assert.match(f!.message, /"import data to target" carries out these foreign-key actions on the target itself, as the source defines them/);
  assert.doesNotMatch(f!.message, /Not carried out/);
});

test('a foreign-key action referencing a table that is not migrated is named as not carried out, with what to do', () => {
  const fk = (name: string, refDatabase: string, refTable: string): MySqlForeignKey => ({ name, columns: ['p'], refDatabase, refTable, refColumns: ['id'], onDelete: 'CASCADE', onUpdate: 'NO ACTION' });
  const table = (name: string, foreignKeys: MySqlForeignKey[]) => ({ name, foreignKeys }) as unknown as MySqlTable;
  const f = cascadeFinding([table('c', [fk('c_p', 'shop', 'p'), fk('c_q', 'shop', 'q'), fk('c_o', 'other', 'p')]), table('p', [])], 'shop');
  assert.match(f!.message, /carries out those of c\.c_p \(ON DELETE CASCADE\) on the target itself/);
  assert.match(f!.message, /Not carried out: c\.c_q \(ON DELETE CASCADE, referencing q\), c\.c_o \(ON DELETE CASCADE, referencing other\.p\), because the table referenced is not migrated/);
  assert.match(f!.message, /Migrate the referenced tables too \(--table-list\)/);
  const none = cascadeFinding([table('c', [fk('c_q', 'shop', 'q')])], 'shop');
  assert.doesNotMatch(none!.message, /carries out/);
  assert.match(none!.message, /Not carried out: c\.c_q/);
});

test('a live export warns about non-transactional tables (their snapshot is not at the binlog position); InnoDB and unknown engines are quiet', () => {
  const table = (name: string, engine: string | null) => ({ name, engine }) as unknown as MySqlTable;
  assert.equal(nonTransactionalFinding([table('a', 'InnoDB'), table('v', null)], 'shop'), undefined);
  const f = nonTransactionalFinding([table('a', 'InnoDB'), table('legacy', 'MyISAM'), table('cache', 'MEMORY')], 'shop')!;
  assert.equal(f.severity, 'warning');
  assert.match(f.message, /^shop: legacy \(MyISAM\), cache \(MEMORY\) are not transactional, so their snapshot cannot be taken at the binlog position .* Convert them to InnoDB \(ALTER TABLE … ENGINE=InnoDB\)/);
  assert.match(nonTransactionalFinding([table('legacy', 'Aria')], 'shop')!.message, /legacy \(Aria\) is not transactional, so its snapshot/);
});

test('a live export warns, for a fall-back, about text columns whose character set stores fewer characters than UTF-8', () => {
  const table = (name: string, columns: [string, string | null][]) => ({ name, columns: columns.map(([n, charset]) => ({ name: n, charset })) }) as unknown as MySqlTable;
  assert.equal(characterSetFinding([table('a', [['id', null], ['u', 'utf8mb4'], ['b', 'binary'], ['w', 'utf16']])], 'shop'), undefined);
  const f = characterSetFinding([table('people', [['id', null], ['name', 'latin1'], ['bio', 'utf8mb3']]), table('codes', [['c', 'ascii'], ['x', 'utf8mb4']])], 'shop')!;
  assert.equal(f.severity, 'warning');
  assert.equal(f.fallBack, true, 'repeated at initiate cutover --prepare-for-fall-back');
  assert.match(f.message, /^shop: 3 column\(s\) in a character set that stores fewer characters than the target \(UTF-8\): people\.name \(latin1\), people\.bio \(utf8mb3\), codes\.c \(ascii\)\. If the migration falls back, .* stops the fall-back at that change until the column is converted on the source \(ALTER TABLE … MODIFY … CHARACTER SET utf8mb4; then rerun import data to source\)/);
  const many = characterSetFinding([table('wide', Array.from({ length: 25 }, (_, i) => [`c${i}`, 'latin1'] as [string, string]))], 'shop')!;
  assert.match(many.message, /25 column\(s\) .*wide\.c19 \(latin1\) and 5 more\./);
});

test('a binlog transaction\'s age is a lower bound: its whole-second time means it committed within the second after it', () => {
  // Stamped second 100: committed between 100.000 and 100.999 s.
  assert.equal(commitAgeLowerBoundMs(100_400, 100), 0, 'within its own second: maybe just now');
  assert.equal(commitAgeLowerBoundMs(101_000, 100), 0);
  assert.equal(commitAgeLowerBoundMs(101_250, 100), 250, 'at least 0.25 s old (at most 1.25 s)');
  assert.equal(commitAgeLowerBoundMs(3_600_000 + 100_000, 100), 3_599_000, 'an hour-old backlog');
  assert.equal(commitAgeLowerBoundMs(99_000, 100), 0, 'a server clock read behind the binlog (a clock step): not negative');
});

test('a live export from a server whose sql_mode allows zero dates warns of the NOT NULL date columns a new one would stop the stream on; none when the mode refuses them or every such column is nullable', () => {
  const col = (name: string, dataType: string, nullable: boolean) => ({ name, dataType, nullable, generated: false });
  const tables = [
    { name: 'orders', columns: [col('id', 'int', false), col('placed', 'date', false), col('shipped', 'datetime', true)] },
    { name: 'notes', columns: [col('id', 'int', false), col('at', 'timestamp', true)] },
  ] as unknown as MySqlTable[];
  const mariadbDefault = 'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION';
  const f = newZeroDateFinding({ counts: [], newZeroDatesAllowed: zeroDatesAllowed(mariadbDefault) }, tables, 'shop', mariadbDefault);
  assert.equal(f?.severity, 'warning');
  assert.match(f!.message, /^The source's sql_mode \(STRICT_TRANS_TABLES,[^)]*\) lets the application write zero dates/);
  assert.match(f!.message, /NOT NULL columns of shop could take one: orders\.placed\. /);
  assert.match(f!.message, /would stop the change stream for good/);
  const refusing = 'STRICT_TRANS_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE';
  assert.equal(newZeroDateFinding({ counts: [], newZeroDatesAllowed: zeroDatesAllowed(refusing) }, tables, 'shop', refusing), undefined);
  assert.equal(newZeroDateFinding({ counts: [], newZeroDatesAllowed: true }, [tables[1]!], 'shop', ''), undefined, 'only nullable date columns: a zero date becomes NULL');
});

test('the recorded triggers are brought up to the source\'s before a drop: a hidden definition filled in, a changed one (a DBA\'s new version under its name) taken as it is now, a new one added (fix-verify-50: the old body came back)', () => {
  const def = (body: string) => `CREATE DEFINER=\`root\`@\`localhost\` TRIGGER t2_bu BEFORE UPDATE ON t2 FOR EACH ROW SET NEW.v = NEW.v + ${body}`;
  const trig = (createSql: string | null, name = 't2_bu', sqlMode = 'STRICT_TRANS_TABLES') => ({ name, table: 't2', timing: 'BEFORE', event: 'UPDATE', createSql, sqlMode });
  const recorded = { database: 'shop', triggers: [trig(def('1000'))], globalForeignKeyChecks: true };
  assert.equal(completeTriggerDefinitions(recorded, { ...recorded }), recorded, 'unchanged: the same record');
  const changed = completeTriggerDefinitions(recorded, { ...recorded, triggers: [trig(def('5000'))] });
  assert.deepEqual(changed.triggers.map((t) => t.createSql), [def('5000')]);
  assert.deepEqual(completeTriggerDefinitions(recorded, { ...recorded, triggers: [trig(def('1000'), 't2_bu', 'ANSI_QUOTES')] }).triggers.map((t) => t.sqlMode), ['ANSI_QUOTES'], 'created again under another sql_mode');
  const hidden = { ...recorded, triggers: [trig(null)] };
  assert.deepEqual(completeTriggerDefinitions(hidden, recorded).triggers.map((t) => t.createSql), [def('1000')]);
  assert.deepEqual(completeTriggerDefinitions(recorded, hidden).triggers.map((t) => t.createSql), [def('1000')], 'hidden now: the recorded definition stays');
  assert.deepEqual(completeTriggerDefinitions(recorded, { ...recorded, triggers: [] }).triggers.map((t) => t.createSql), [def('1000')], 'dropped now (by Tandem): the recorded definition stays');
  assert.deepEqual(completeTriggerDefinitions(recorded, { ...recorded, triggers: [trig(def('1000')), trig(def('7'), 't2_new')] }).triggers.map((t) => t.name), ['t2_bu', 't2_new']);
});
