import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { fingerprintTable } from '../../../src/adapters/postgres/table-fingerprint.js';

const ROWS = Number(process.env.TANDEM_FINGERPRINT_ROWS ?? 1_000_000);
let server: PgServer;

before(async () => {
  server = await startPg15();
  await server.createDatabase('bench');
  // pgbench_accounts at scale 10: 1,000,000 rows of (int, int, int, char(84)), about 130 MB.
  await server.sql('bench', `
    CREATE TABLE pgbench_accounts (aid int PRIMARY KEY, bid int, abalance int, filler char(84));
    INSERT INTO pgbench_accounts SELECT g, 1 + (g - 1) / 100000, (g::bigint * 7919) % 10000 - 5000, '' FROM generate_series(1, ${ROWS}) g;`);
  await server.sql('bench', 'VACUUM ANALYZE pgbench_accounts');
});

after(async () => {
  await server?.stop();
});

test(`fingerprinting ${ROWS.toLocaleString('en-US')} pgbench_accounts rows`, { timeout: 300_000 }, async (t) => {
  const c = await server.client('bench');
  try {
    const cols = ['aid', 'bid', 'abalance', 'filler'];
    await fingerprintTable(c, 'public', 'pgbench_accounts', cols); // warm the cache: we measure hashing, not the disk
    const times: number[] = [];
    let fp = { rows: 0, checksum: '' };
    for (let i = 0; i < 3; i++) {
      const start = process.hrtime.bigint();
      fp = await fingerprintTable(c, 'public', 'pgbench_accounts', cols);
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    assert.equal(fp.rows, ROWS);
    const best = Math.min(...times);
    const count = await c.query('SELECT count(*) FROM pgbench_accounts');
    assert.equal(Number(count.rows[0].count), ROWS);
    t.diagnostic(`fingerprint of ${ROWS} rows: best ${best.toFixed(0)} ms of ${times.map((x) => x.toFixed(0)).join(', ')} ms ` +
      `(${Math.round(ROWS / (best / 1000)).toLocaleString('en-US')} rows/s)`);
  } finally {
    await c.end();
  }
});
