/**
 * How fast the capture path turns binlog row events into queue events: 100,000 row events
 * (1,000 transactions of 100 inserted rows), read (a) through a live dump with the catalog's value
 * converters, (b) from the binlog file by the decoder and assembler alone. Printed, not asserted:
 * the goal for the whole path is at least 50,000 events/s; the machine is shared.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMariaDb, type MariaDbServer } from '../../helpers/mariadb-server.js';
import { connectMySql } from '../../../src/adapters/mysql/connection.js';
import { readMySqlCatalog } from '../../../src/adapters/mysql/catalog.js';
import type { MySqlCatalog } from '../../../src/adapters/mysql/catalog-types.js';
import { captureTablesFromCatalog, catalogConverters } from '../../../src/adapters/mysql/capture/capture-catalog.js';
import { BinlogEventDecoder } from '../../../src/adapters/mysql/capture/binlog-event-decoder.js';
import { splitBinlogFile } from '../../../src/adapters/mysql/capture/binlog-event-framer.js';
import { decodeBinlogPosition } from '../../../src/adapters/mysql/capture/binlog-position.js';
import { TransactionAssembler } from '../../../src/adapters/mysql/capture/transaction-assembler.js';
import { captureUntil, eventCount, positionNow, sourceConfig } from './binlog-helpers.js';

const ROWS = 100_000;
let maria: MariaDbServer;
let catalog: MySqlCatalog;
let from: string;

before(async () => {
  maria = await startMariaDb();
  await maria.createDatabase('shop');
  await maria.sql('shop', `CREATE TABLE orders (id int PRIMARY KEY, customer varchar(40), amount decimal(12,2), placed datetime(6),
    status enum('new','paid','sent'), note text, flags tinyint unsigned)`);
  from = await positionNow(maria, 'shop');
  for (let t = 0; t < ROWS / 100; t += 50) {
    // 50 transactions of 100 rows per round trip.
    const statements = [];
    for (let k = t; k < t + 50; k++) {
      statements.push(`INSERT INTO orders SELECT seq, CONCAT('customer ', seq), seq * 1.25, '2024-05-06 07:08:09.123456' + INTERVAL seq SECOND,
        ELT(1 + seq % 3, 'new', 'paid', 'sent'), IF(seq % 7 = 0, NULL, 'a short note'), seq % 256 FROM seq_${k * 100 + 1}_to_${k * 100 + 100}`);
    }
    await maria.sql('shop', statements.join(';\n'));
  }
  const s = await connectMySql(sourceConfig(maria, 'shop'));
  catalog = await readMySqlCatalog(s.connection, s.server, 'shop');
  await s.connection.end();
});

after(async () => {
  await maria?.stop();
});

test('throughput: 100,000 row events through the live dump, decoded and converted (printed)', async () => {
  const tables = captureTablesFromCatalog(catalog, ['orders']);
  const started = process.hrtime.bigint();
  const txs = await captureUntil({ source: sourceConfig(maria, 'shop'), serverId: 2_000_000_400, tables, converters: catalogConverters(catalog) },
    from, (all) => eventCount(all) >= ROWS, 120_000);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  assert.equal(eventCount(txs), ROWS);
  assert.equal(txs.length, ROWS / 100);
  assert.deepEqual(txs[0]!.events[0]!.after, {
    id: '1', customer: 'customer 1', amount: '1.25', placed: '2024-05-06 07:08:10.123456', status: 'paid', note: 'a short note', flags: '1',
  });
  console.log(`binlog capture, live dump + decode + convert: ${ROWS} row events in ${seconds.toFixed(2)} s = ${Math.round(ROWS / seconds)} events/s`);
});

test('throughput: the decoder and assembler alone, from the binlog file (printed)', () => {
  const start = decodeBinlogPosition(from);
  // The file's format description, then the events from the start position on (the CREATE TABLE lies before it).
  const all = splitBinlogFile(readFileSync(join(maria.dir, start.file)));
  const offsets = all.map((_, i) => 4 + all.slice(0, i).reduce((n, e) => n + e.length, 0));
  const events = [all[0]!, ...all.filter((_, i) => offsets[i]! >= start.offset)];
  const tables = captureTablesFromCatalog(catalog, ['orders']);
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const started = process.hrtime.bigint();
    const decoder = new BinlogEventDecoder();
    const assembler = new TransactionAssembler({ tables, start, converters: catalogConverters(catalog) });
    let count = 0;
    for (const raw of events) {
      const tx = assembler.push(decoder.decode(raw));
      if (tx) count += tx.events.length;
    }
    assert.equal(count, ROWS);
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e9);
  }
  console.log(`binlog decoder + assembler + converters alone: ${ROWS} row events in ${best.toFixed(2)} s = ${Math.round(ROWS / best)} events/s (best of 3)`);
});
