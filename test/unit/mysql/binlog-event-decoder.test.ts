import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { BinlogEventDecoder, decodeEventHeader } from '../../../src/adapters/mysql/capture/binlog-event-decoder.js';
import { BinlogEventFramer, splitBinlogFile } from '../../../src/adapters/mysql/capture/binlog-event-framer.js';
import { BinlogDecodeError } from '../../../src/adapters/mysql/capture/binlog-reader.js';
import { LE, bitmap, event, formatDescription, rowsEvent, tableMap } from './binlog-fixtures.js';

const MYSQL = '8.0.36';
const MARIADB = '10.11.19-MariaDB-log';

function decoder(checksum: 'CRC32' | 'NONE' = 'NONE', server = MYSQL): BinlogEventDecoder {
  const d = new BinlogEventDecoder();
  d.decode(formatDescription(server, checksum));
  return d;
}

test('v4 header fields', () => {
  const e = event(16, new LE().u64(7n).build(), { timestamp: 1_700_000_123, serverId: 42, nextPosition: 9999, flags: 0x20 });
  assert.deepEqual(decodeEventHeader(e), { timestamp: 1_700_000_123, typeCode: 16, serverId: 42, eventLength: 27, nextPosition: 9999, flags: 0x20 });
});

test('FORMAT_DESCRIPTION with CRC32 switches checksums on; later events are verified', () => {
  const d = new BinlogEventDecoder();
  const fde = d.decode(formatDescription(MYSQL, 'CRC32'));
  assert.equal(fde.kind, 'formatDescription');
  assert.ok(fde.kind === 'formatDescription');
  assert.equal(fde.serverVersion, '8.0.36');
  assert.equal(fde.checksum, 'CRC32');
  assert.equal(fde.binlogVersion, 4);
  assert.equal(d.checksum, 'CRC32');
  const xid = d.decode(event(16, new LE().u64(77n).build(), { crc: true }));
  assert.equal(xid.kind, 'xid');
  assert.ok(xid.kind === 'xid' && xid.xid === 77n);
  const bad = event(16, new LE().u64(77n).build(), { crc: true });
  bad[20] = bad[20]! ^ 0xff; // one flipped bit in the body
  assert.throws(() => d.decode(bad), (e: unknown) => e instanceof BinlogDecodeError && /CRC32 mismatch/.test(e.message));
});

test('FORMAT_DESCRIPTION without checksum: no footer expected', () => {
  const d = decoder('NONE');
  assert.equal(d.checksum, 'NONE');
  const xid = d.decode(event(16, new LE().u64(5n).build()));
  assert.ok(xid.kind === 'xid' && xid.xid === 5n);
});

test('FORMAT_DESCRIPTION of a file still open: the in-use flag is not part of its CRC', () => {
  const fde = formatDescription(MARIADB, 'CRC32');
  fde[17] = fde[17]! | 0x01; // LOG_EVENT_BINLOG_IN_USE_F, set after the checksum was computed
  const d = new BinlogEventDecoder();
  assert.equal(d.decode(fde).kind, 'formatDescription');
});

test('ROTATE: position and next file name', () => {
  const d = decoder('CRC32');
  const r = d.decode(event(4, new LE().u64(4n).str('binlog.000002').build(), { crc: true, nextPosition: 0, flags: 0x20 }));
  assert.deepEqual({ kind: r.kind, ...(r.kind === 'rotate' ? { file: r.file, position: r.position } : {}) }, { kind: 'rotate', file: 'binlog.000002', position: 4 });
});

test('a fake ROTATE before the first FORMAT_DESCRIPTION uses the checksum the replica asked for', () => {
  const d = new BinlogEventDecoder({ checksum: 'CRC32' });
  const r = d.decode(event(4, new LE().u64(4n).str('binlog.000009').build(), { crc: true, nextPosition: 0, flags: 0x20 }));
  assert.ok(r.kind === 'rotate' && r.file === 'binlog.000009');
});

test('QUERY: default database, statement, error code; status variables skipped', () => {
  const status = new LE().u8(0).u32(0).u8(1).u64(0n).u8(4).u16(45).u16(45).u16(8).build(); // flags2, sql_mode, charset utf8mb4
  const body = new LE().u32(12).u32(0).u8(4).u16(0).u16(status.length).raw(status).str('shop').u8(0).str('ALTER TABLE t ADD c INT').build();
  const q = decoder().decode(event(2, body));
  assert.ok(q.kind === 'query');
  assert.deepEqual({ threadId: q.threadId, database: q.database, statement: q.statement, errorCode: q.errorCode }, {
    threadId: 12, database: 'shop', statement: 'ALTER TABLE t ADD c INT', errorCode: 0,
  });
});

test('QUERY in a latin1 session: the statement is decoded from latin1', () => {
  const status = new LE().u8(4).u16(8).u16(8).u16(8).build(); // Q_CHARSET_CODE: latin1_swedish_ci
  const body = new LE().u32(1).u32(0).u8(0).u16(0).u16(status.length).raw(status).u8(0).raw(Buffer.from('TRUNCATE caf\xe9', 'latin1')).build();
  const q = decoder().decode(event(2, body));
  assert.ok(q.kind === 'query' && q.statement === 'TRUNCATE café');
});

test('MariaDB QUERY_COMPRESSED_EVENT is inflated', () => {
  const text = Buffer.from('CREATE TABLE t (id INT PRIMARY KEY, v TEXT)');
  const z = deflateSync(text);
  const compressed = Buffer.concat([Buffer.from([0x81, text.length]), z]);
  const body = new LE().u32(1).u32(0).u8(4).u16(0).u16(0).str('shop').u8(0).raw(compressed).build();
  const q = decoder('NONE', MARIADB).decode(event(165, body));
  assert.ok(q.kind === 'query' && q.statement === 'CREATE TABLE t (id INT PRIMARY KEY, v TEXT)');
});

test('TABLE_MAP: types, per-type metadata, NULL-ability, the long-CHAR trick', () => {
  // id INT NOT NULL, d DECIMAL(10,2), v VARCHAR(300) utf8mb4 (1200 bytes), c CHAR(255) utf8mb4 (1020 bytes),
  // e ENUM (1 byte), b BIT(13), t DATETIME(6), j JSON, f DOUBLE, bl BLOB
  const meta = new LE().u8(10, 2).u16(1200).u8(0xce, 0xfc).u8(0xf7, 1).u8(5, 1).u8(6).u8(4).u8(8).u8(2).build();
  const tm = decoder().decode(tableMap(23, 'shop', 'things', [3, 246, 15, 254, 254, 16, 18, 245, 5, 252], meta,
    [false, true, true, true, true, true, true, true, true, true]));
  assert.ok(tm.kind === 'tableMap');
  assert.equal(tm.tableId, 23);
  assert.equal(tm.database, 'shop');
  assert.equal(tm.table, 'things');
  assert.deepEqual(tm.columns.map((c) => [c.type, c.mapType, c.meta, c.nullable]), [
    [3, 3, 0, false],
    [246, 246, (10 << 8) | 2, true],
    [15, 15, 1200, true],
    [254, 254, 0xcefc, true],
    [247, 254, 0xf701, true],
    [16, 16, (1 << 8) | 5, true],
    [18, 18, 6, true],
    [245, 245, 4, true],
    [5, 5, 8, true],
    [252, 252, 2, true],
  ]);
  assert.equal(tm.optional, undefined);
});

test('TABLE_MAP optional metadata (binlog_row_metadata=FULL): signedness, charsets, names, ENUM/SET labels, primary key', () => {
  // a INT UNSIGNED, b SMALLINT, c VARCHAR(10) latin1, d VARBINARY(4), e ENUM('x','y'), s SET('p')
  const meta = new LE().u16(10).u16(4).u8(0xf7, 1).u8(0xf8, 1).build();
  const opt = new LE()
    .u8(1).packed(1).u8(0b1000_0000) // SIGNEDNESS: first numeric column unsigned, second signed (MSB first)
    .u8(2).packed(3).packed(45).packed(0).packed(8) // DEFAULT_CHARSET 45 (utf8mb4), column #0 of the character columns → 8 (latin1)
    .u8(3).packed(2).packed(8).packed(63) // COLUMN_CHARSET: latin1, binary (overrides)
    .u8(4).packed(12).packed(1).str('a').packed(1).str('b').packed(1).str('c').packed(1).str('d').packed(1).str('e').packed(1).str('s')
    .u8(6).packed(5).packed(2).packed(1).str('x').packed(1).str('y') // ENUM_STR_VALUE
    .u8(5).packed(3).packed(1).packed(1).str('p') // SET_STR_VALUE
    .u8(8).packed(1).packed(0) // SIMPLE_PRIMARY_KEY: column 0
    .u8(12).packed(1).u8(0xff) // COLUMN_VISIBILITY: ignored
    .build();
  const tm = decoder().decode(tableMap(30, 'db', 't', [3, 2, 15, 15, 254, 254], meta, [false, true, true, true, true, true], opt));
  assert.ok(tm.kind === 'tableMap');
  assert.deepEqual(tm.optional, {
    unsigned: [true, false, undefined, undefined, undefined, undefined],
    collations: [undefined, undefined, 8, 63, undefined, undefined],
    columnNames: ['a', 'b', 'c', 'd', 'e', 's'],
    enumValues: [undefined, undefined, undefined, undefined, ['x', 'y'], undefined],
    setValues: [undefined, undefined, undefined, undefined, undefined, ['p']],
    primaryKey: [0],
  });
});

test('WRITE_ROWS v1 and v2, UPDATE with two bitmaps, DELETE: images stay encoded until decodeRows', () => {
  const d = decoder();
  for (const [type, op] of [[23, 'write'], [30, 'write'], [25, 'delete'], [32, 'delete']] as const) {
    const rows = new LE().u8(0).u32(7).build();
    const ev = d.decode(rowsEvent(type, 5, 1, rows));
    assert.ok(ev.kind === 'rows');
    assert.equal(ev.op, op);
    assert.equal(ev.tableId, 5);
    assert.equal(ev.columnCount, 1);
    assert.deepEqual(ev.rowsData, rows);
    assert.equal(ev.presentAfter, undefined);
  }
  const up = d.decode(rowsEvent(31, 5, 2, Buffer.alloc(0), { present: bitmap(2), presentAfter: bitmap(2, [1]) }));
  assert.ok(up.kind === 'rows' && up.op === 'update');
  assert.deepEqual([...up.present], [0b11]);
  assert.deepEqual([...up.presentAfter!], [0b10]);
});

test('MariaDB compressed rows events (log_bin_compress) are inflated', () => {
  const rows = new LE().u8(0).u32(1).u8(0).u32(2).build();
  const z = Buffer.concat([Buffer.from([0x81, rows.length]), deflateSync(rows)]);
  const d = decoder('NONE', MARIADB);
  for (const [type, op] of [[166, 'write'], [167, 'update'], [168, 'delete'], [169, 'write'], [171, 'delete']] as const) {
    const b = new LE().u48(9).u16(1).packed(1).raw(bitmap(1));
    if (op === 'update') b.raw(bitmap(1));
    const ev = d.decode(event(type, b.raw(z).build()));
    assert.ok(ev.kind === 'rows');
    assert.equal(ev.op, op);
    assert.deepEqual(ev.rowsData, rows);
  }
  const broken = new LE().u48(9).u16(1).packed(1).raw(bitmap(1)).u8(0x01, 5).raw(deflateSync(rows)).build(); // no top bit
  assert.throws(() => d.decode(event(166, broken)), BinlogDecodeError);
});

test('PARTIAL_UPDATE_ROWS, INCIDENT, tagged GTIDs and XA_PREPARE are reported, not skipped', () => {
  const d = decoder();
  assert.deepEqual(pick(d.decode(event(39, Buffer.alloc(12)))), { kind: 'unsupported', reason: 'partial-json-update' });
  assert.deepEqual(pick(d.decode(event(26, Buffer.alloc(3)))), { kind: 'unsupported', reason: 'incident' });
  assert.deepEqual(pick(d.decode(event(42, Buffer.alloc(30)))), { kind: 'unsupported', reason: 'tagged-gtid' });
  assert.deepEqual(pick(d.decode(event(38, Buffer.alloc(9)))), { kind: 'unsupported', reason: 'xa-prepare' });
});

function pick(ev: { kind: string; reason?: string }): { kind: string; reason?: string } {
  return { kind: ev.kind, ...(ev.reason && { reason: ev.reason }) };
}

test('MariaDB GTID_EVENT: domain, server, sequence, standalone and XA flags', () => {
  const d = decoder('NONE', MARIADB);
  const g = d.decode(event(162, new LE().u64(100n).u32(3).u8(0x01 | 0x08).build(), { serverId: 7 }));
  assert.deepEqual({ ...g, header: undefined }, { kind: 'mariaGtid', domainId: 3, serverId: 7, sequence: 100n, flags: 9, standalone: true, xa: false, header: undefined });
  const withCommitId = d.decode(event(162, new LE().u64(5n).u32(0).u8(0x02 | 0x40).u64(99n).build(), { serverId: 1 }));
  assert.ok(withCommitId.kind === 'mariaGtid' && withCommitId.xa && !withCommitId.standalone && withCommitId.sequence === 5n);
});

test('MariaDB GTID_LIST_EVENT', () => {
  const d = decoder('NONE', MARIADB);
  const l = d.decode(event(163, new LE().u32(2).u32(0).u32(1).u64(41n).u32(5).u32(2).u64(3n).build()));
  assert.ok(l.kind === 'mariaGtidList');
  assert.deepEqual(l.gtids, [{ domainId: 0, serverId: 1, sequence: 41n }, { domainId: 5, serverId: 2, sequence: 3n }]);
});

test('MySQL GTID_LOG_EVENT and ANONYMOUS_GTID_LOG_EVENT', () => {
  const uuid = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
  const body = new LE().u8(1).hex(uuid.replace(/-/g, '')).u64(23n).u8(2).u64(10n).u64(11n).build();
  const d = decoder();
  assert.deepEqual({ ...d.decode(event(33, body)), header: undefined }, { kind: 'mysqlGtid', uuid, transactionNumber: 23n, anonymous: false, header: undefined });
  const anon = d.decode(event(34, new LE().u8(1).raw(Buffer.alloc(16)).u64(0n).u8(2).u64(0n).u64(0n).build()));
  assert.ok(anon.kind === 'mysqlGtid' && anon.anonymous);
});

test('MySQL PREVIOUS_GTIDS_LOG_EVENT: end-exclusive intervals become inclusive', () => {
  const body = new LE().u64(1n).hex('3e11fa4771ca11e19e33c80aa9429562').u64(2n).u64(1n).u64(6n).u64(8n).u64(9n).build();
  const p = decoder().decode(event(35, body));
  assert.ok(p.kind === 'previousGtids');
  assert.deepEqual(p.sets, [{ uuid: '3e11fa47-71ca-11e1-9e33-c80aa9429562', intervals: [[1n, 5n], [8n, 8n]] }]);
});

test('MySQL TRANSACTION_PAYLOAD: uncompressed payload opens into its events; zstd is reported', () => {
  const d = decoder('CRC32');
  const inner = Buffer.concat([
    event(2, new LE().u32(1).u32(0).u8(0).u16(0).u16(0).u8(0).str('BEGIN').build()),
    event(16, new LE().u64(3n).build()),
  ]);
  const none = new LE().packed(1).packed(1).packed(inner.length).packed(2).packed(3).packed(255).packed(3).packed(1).packed(inner.length).packed(0).raw(inner).build();
  const ev = d.decode(event(40, none, { crc: true }));
  assert.ok(ev.kind === 'transactionPayload');
  assert.equal(ev.compression, 'none');
  assert.deepEqual(d.decodePayload(ev.payload).map((e) => e.kind), ['query', 'xid']);
  assert.equal(d.checksum, 'CRC32'); // restored after the payload
  const zstd = new LE().packed(1).packed(1).packed(3).packed(2).packed(1).packed(0).packed(3).packed(1).packed(99).packed(0).u8(1, 2, 3).build();
  const z = d.decode(event(40, zstd, { crc: true }));
  assert.ok(z.kind === 'transactionPayload' && z.compression === 'zstd' && z.uncompressedSize === 99);
});

test('heartbeats, annotations and other events the capture does not need', () => {
  const d = decoder('NONE', MARIADB);
  assert.deepEqual(pick(d.decode(event(27, Buffer.from('binlog.000003')))), { kind: 'heartbeat' });
  assert.deepEqual(pick(d.decode(event(160, Buffer.from('INSERT …')))), { kind: 'ignored' });
  assert.deepEqual(pick(d.decode(event(161, new LE().u32(3).str('b.1').build()))), { kind: 'ignored' });
});

test('an event whose length field disagrees with its bytes is refused', () => {
  const e = event(16, new LE().u64(1n).build());
  assert.throws(() => decoder().decode(e.subarray(0, e.length - 1)), BinlogDecodeError);
});

test('framer: events split across chunks anywhere, even inside the header', () => {
  const a = event(16, new LE().u64(1n).build());
  const b = event(4, new LE().u64(4n).str('binlog.000002').build());
  const c = event(16, new LE().u64(3n).build());
  const stream = Buffer.concat([a, b, c]);
  for (let cut1 = 1; cut1 < stream.length; cut1 += 3) {
    for (const cut2 of [cut1 + 1, cut1 + 7, stream.length - 1]) {
      if (cut2 <= cut1 || cut2 >= stream.length) continue;
      const f = new BinlogEventFramer();
      const out = [...f.push(stream.subarray(0, cut1)), ...f.push(stream.subarray(cut1, cut2)), ...f.push(stream.subarray(cut2))];
      assert.deepEqual(out, [a, b, c], `cuts at ${cut1}/${cut2}`);
      assert.equal(f.buffered, 0);
    }
  }
  const f = new BinlogEventFramer();
  assert.deepEqual(f.push(a.subarray(0, 10)), []);
  assert.equal(f.buffered, 10);
});

test('splitBinlogFile checks the magic and refuses a file cut inside an event', () => {
  const a = event(16, new LE().u64(1n).build());
  assert.deepEqual(splitBinlogFile(Buffer.concat([Buffer.from([0xfe, 0x62, 0x69, 0x6e]), a])), [a]);
  assert.throws(() => splitBinlogFile(Buffer.concat([Buffer.from('xbin'), a])), /bad magic/);
  assert.throws(() => splitBinlogFile(Buffer.concat([Buffer.from([0xfe, 0x62, 0x69, 0x6e]), a.subarray(0, 20)])), /ends inside an event/);
});
