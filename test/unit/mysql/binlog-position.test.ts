import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binlogFileSequence, decodeBinlogPosition, encodeBinlogPosition } from '../../../src/adapters/mysql/capture/binlog-position.js';
import { MariaGtidState, MysqlGtidSet } from '../../../src/adapters/mysql/capture/gtid-state.js';
import { TandemError } from '../../../src/core/errors.js';

const UUID_A = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
const UUID_B = 'f0000000-0000-0000-0000-000000000001';

test('file + offset: zero-padded, round trip', () => {
  const p = encodeBinlogPosition({ file: 'mysql-bin.000003', offset: 1234 });
  assert.equal(p, '0000000003.000000001234|mysql-bin.000003|');
  assert.deepEqual(decodeBinlogPosition(p), { file: 'mysql-bin.000003', offset: 1234 });
});

test('with a MariaDB GTID position and a MySQL GTID set', () => {
  const m = encodeBinlogPosition({ file: 'binlog.000012', offset: 4, gtid: { flavor: 'mariadb', state: MariaGtidState.parse('1-2-7,0-1-100') } });
  assert.equal(m, '0000000012.000000000004|binlog.000012|mariadb:0-1-100,1-2-7');
  const dm = decodeBinlogPosition(m);
  assert.ok(dm.gtid?.flavor === 'mariadb');
  assert.equal(dm.gtid.state.toString(), '0-1-100,1-2-7');
  const s = encodeBinlogPosition({ file: 'binlog.000001', offset: 999, gtid: { flavor: 'mysql', set: MysqlGtidSet.parse(`${UUID_A}:1-5:7`) } });
  assert.equal(s, `0000000001.000000000999|binlog.000001|mysql:${UUID_A}:1-5:7`);
  const ds = decodeBinlogPosition(s);
  assert.ok(ds.gtid?.flavor === 'mysql' && ds.gtid.set.toString() === `${UUID_A}:1-5:7`);
});

test('positions sort as text in binlog order, across files and beyond six-digit file numbers', () => {
  const ps = [
    { file: 'b.1000000', offset: 4 }, { file: 'b.000010', offset: 4 }, { file: 'b.000002', offset: 900000000 },
    { file: 'b.000002', offset: 120 }, { file: 'b.000002', offset: 5 },
  ].map((p) => encodeBinlogPosition(p));
  assert.deepEqual([...ps].sort(), [ps[4], ps[3], ps[2], ps[1], ps[0]]);
  // and after PostgreSQL-style target positions prefixed with 'T'
  assert.ok(ps[0]! < 'T0000000000000000');
});

test('bad positions and file names are TandemErrors', () => {
  assert.throws(() => decodeBinlogPosition('00000000016B374D848'), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_EXPORT_DIR');
  assert.throws(() => decodeBinlogPosition('0000000002.000000000004|b.000003|'), /inconsistent/);
  assert.throws(() => decodeBinlogPosition('0000000002.000000000004|b.000002|oracle:1'), /unknown GTID/);
  assert.throws(() => encodeBinlogPosition({ file: 'binlog', offset: 4 }), /not a binlog file name/);
  assert.throws(() => encodeBinlogPosition({ file: 'b|x.000001', offset: 4 }), /contains '\|'/);
  assert.equal(binlogFileSequence('mysql-bin.000123'), 123);
});

test('MariaDB GTID state: one GTID per domain, replaced as transactions pass', () => {
  const s = MariaGtidState.parse('0-1-100');
  assert.equal(s.with(0, 1, 101n).with(2, 5, 1n).toString(), '0-1-101,2-5-1');
  assert.equal(s.toString(), '0-1-100'); // immutable
  assert.equal(MariaGtidState.parse('').isEmpty, true);
  assert.throws(() => MariaGtidState.parse('0-1'), TandemError);
  assert.throws(() => MariaGtidState.parse('0-1-1,0-2-5'), /domain 0 twice/);
});

test('MySQL GTID set: intervals merge, text is canonical, several UUIDs', () => {
  let s = MysqlGtidSet.parse(`${UUID_B}:3,\n${UUID_A.toUpperCase()}:1-3:5`);
  assert.equal(s.toString(), `${UUID_A}:1-3:5,${UUID_B}:3`);
  s = s.add(UUID_A, 4n);
  assert.equal(s.toString(), `${UUID_A}:1-5,${UUID_B}:3`);
  s = s.add(UUID_B, 1n).add(UUID_B, 2n);
  assert.equal(s.toString(), `${UUID_A}:1-5,${UUID_B}:1-3`);
  assert.equal(s.contains(UUID_A, 5n), true);
  assert.equal(s.contains(UUID_A, 6n), false);
  assert.throws(() => MysqlGtidSet.parse('nonsense:1'), TandemError);
  assert.throws(() => MysqlGtidSet.parse(`${UUID_A}:5-3`), TandemError);
});

test('MySQL GTID set in COM_BINLOG_DUMP_GTID encoding: end-exclusive intervals', () => {
  const b = MysqlGtidSet.parse(`${UUID_A}:1-5:7`).encode();
  assert.equal(b.toString('hex'),
    '0100000000000000' + UUID_A.replace(/-/g, '') + '0200000000000000' +
    '0100000000000000' + '0600000000000000' + '0700000000000000' + '0800000000000000');
  assert.equal(MysqlGtidSet.EMPTY.encode().toString('hex'), '0000000000000000');
});
