import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binlogDumpGtidPacket, binlogDumpPacket } from '../../../src/adapters/mysql/capture/binlog-dump-connection.js';
import { MysqlGtidSet } from '../../../src/adapters/mysql/capture/gtid-state.js';
import { replicaServerId } from '../../../src/adapters/mysql/capture/binlog-capture.js';

test('COM_BINLOG_DUMP: command 0x12, offset, flags, server id, file name', () => {
  assert.equal(binlogDumpPacket(0x01020304, 'binlog.000007', 1234, 1).toString('hex'),
    '12' + 'd2040000' + '0100' + '04030201' + Buffer.from('binlog.000007').toString('hex'));
  assert.equal(binlogDumpPacket(7, '', 4, 0).toString('hex'), '12' + '04000000' + '0000' + '07000000');
});

test('COM_BINLOG_DUMP_GTID: command 0x1e, flags with BINLOG_THROUGH_GTID, no file, position 4, the encoded GTID set', () => {
  const set = MysqlGtidSet.parse('3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5');
  const p = binlogDumpGtidPacket(9, set, 0);
  const encoded = set.encode();
  assert.equal(p.toString('hex'),
    '1e' + '0400' + '09000000' + '00000000' + '0400000000000000' + encoded.length.toString(16).padStart(2, '0') + '000000' + encoded.toString('hex'));
  assert.equal(encoded.length, 8 + 16 + 8 + 16);
});

test('replica server ids: stable per seed, in the range Tandem uses', () => {
  const a = replicaServerId('migration-1/source-capture');
  assert.equal(a, replicaServerId('migration-1/source-capture'));
  assert.notEqual(a, replicaServerId('migration-2/source-capture'));
  for (const seed of ['', 'x', 'a much longer seed with spaces and ünïcödé']) {
    const id = replicaServerId(seed);
    assert.ok(id >= 2_000_000_000 && id < 2_100_000_000, String(id));
  }
});
