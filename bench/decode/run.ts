/**
 * Decode throughput: N row changes generated on a throw-away PostgreSQL 15 (a pgbench_accounts-like
 * table), then streamed through WalStream and decoded, writing nothing. Prints events/s.
 *
 *   node dist/bench/decode/run.js [rows=500000] [rowsPerTransaction=10000]
 *
 * The figure includes the server's own logical decoding, which runs while we read; the pure decoder
 * rate over the same payloads is printed too, so one can tell which side limits.
 */
import { startPg15 } from '../../test/helpers/pg-server.js';
import { ReplicationConnection } from '../../src/adapters/postgres/replication/replication-connection.js';
import { createPublication } from '../../src/adapters/postgres/replication/publication.js';
import { decodePgoutputMessage } from '../../src/adapters/postgres/replication/pgoutput-decoder.js';
import { WalStream } from '../../src/adapters/postgres/replication/wal-stream.js';

const rows = Number(process.argv[2] ?? 500_000);
const perTx = Number(process.argv[3] ?? 10_000);

const server = await startPg15({ logical_decoding_work_mem: '256MB', max_wal_size: '4GB' });
try {
  const db = 'bench';
  await server.createDatabase(db);
  await server.sql(db, `CREATE TABLE pgbench_accounts (aid int PRIMARY KEY, bid int NOT NULL, abalance int NOT NULL, filler char(84))`);
  const connection = { host: server.host, port: server.port, user: server.user, password: server.password, database: db };
  const admin = await server.client(db);
  await createPublication(admin, 'bench_pub', [{ schema: 'public', name: 'pgbench_accounts' }]);
  const rc = await ReplicationConnection.open(connection);
  const { consistentPoint } = await rc.createSlot('bench_slot');
  await rc.close();

  let t = Date.now();
  for (let from = 1; from <= rows; from += perTx) {
    const to = Math.min(rows, from + perTx - 1);
    await admin.query(
      `INSERT INTO pgbench_accounts SELECT i, (i - 1) / 100000 + 1, 0, '' FROM generate_series(${from}, ${to}) i`,
    );
  }
  await admin.end();
  console.log(`generated ${rows} inserts in ${Math.ceil(rows / perTx)} transactions in ${((Date.now() - t) / 1000).toFixed(1)} s`);

  const stream = new WalStream({ connection, slotName: 'bench_slot', publicationNames: ['bench_pub'], startLsn: consistentPoint });
  t = performance.now();
  await stream.start();
  let changes = 0;
  let messages = 0;
  for await (const ev of stream) {
    messages++;
    const tag = ev.message.tag;
    if (tag === 'insert' || tag === 'update' || tag === 'delete') changes++;
    if (tag === 'commit') stream.acknowledge(ev.message.endLsn);
    if (changes >= rows && tag === 'commit') break; // break calls return(), which stops the stream
  }
  const secs = (performance.now() - t) / 1000;
  console.log(`WalStream: ${changes} row events (${messages} messages) in ${secs.toFixed(2)} s = ${Math.round(changes / secs).toLocaleString('en-US')} events/s`);

  // The decoder alone, over a representative Insert payload, for comparison.
  const payload = Buffer.concat([
    Buffer.from([0x49]), u32(16384), Buffer.from('N'), u16(4),
    text('123456'), text('2'), text('0'), text(' '.repeat(84)),
  ]);
  const n = 2_000_000;
  const t2 = performance.now();
  for (let i = 0; i < n; i++) decodePgoutputMessage(payload);
  const s2 = (performance.now() - t2) / 1000;
  console.log(`decoder alone: ${Math.round(n / s2).toLocaleString('en-US')} insert messages/s`);
} finally {
  await server.stop();
}

function u16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v);
  return b;
}
function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v);
  return b;
}
function text(s: string): Buffer {
  const v = Buffer.from(s);
  return Buffer.concat([Buffer.from('t'), u32(v.length), v]);
}
