import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { CopyOutStream } from '../../../src/adapters/postgres/copy-out-stream.js';
import { CopyBatchPlanner } from '../../../src/core/copy-batch-planner.js';

let server: PgServer;
let client: pg.Client;

before(async () => {
  server = await startPg15();
  client = await server.client('postgres');
  await client.query(`CREATE TABLE t (id int PRIMARY KEY, s text, b bytea, n numeric, a int[]);
    INSERT INTO t SELECT g, CASE WHEN g % 7 = 0 THEN NULL WHEN g % 5 = 0 THEN '' ELSE repeat('zürich東京' || E'\\n\\t', g % 13) END,
      CASE WHEN g % 3 = 0 THEN NULL ELSE decode(lpad(to_hex(g), 8, '0'), 'hex') END, g / 7.0, ARRAY[g, g + 1]
    FROM generate_series(1, 25037) g;
    CREATE TABLE empty_t (id int);`);
});

after(async () => {
  await client?.end();
  await server?.stop();
});

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

for (const format of ['binary', 'text'] as const) {
  test(`CopyOutStream (${format}) yields exactly pg-copy-streams' bytes and the row boundaries the batch planner finds`, async () => {
    const sql = `COPY (SELECT * FROM t ORDER BY id) TO STDOUT (FORMAT ${format})`;
    const reference = await collect(client.query(copyStreams.to(sql)));
    for (const step of [1, 7, 1000, 100000]) {
      const stream = new CopyOutStream(sql, { binary: format === 'binary', rowIndexStep: step });
      client.query(stream as unknown as pg.QueryConfig);
      const bytes = await collect(stream);
      assert.ok(bytes.equals(reference), 'same bytes');
      assert.equal(stream.rowCount, 25037);
      const planner = new CopyBatchPlanner(format, step);
      planner.push(bytes);
      const expected = planner.finish().map((b) => [b.startOffset, b.endOffset, b.rows]);
      assert.deepEqual(stream.rowIndex, expected, `row index with step ${step}`);
    }
    // The client is free again afterwards.
    assert.equal((await client.query('SELECT 1 AS x')).rows[0].x, 1);
  });
}

test('an empty result gives no rows and no index; an error rejects and leaves the client usable', async () => {
  const empty = new CopyOutStream('COPY empty_t TO STDOUT (FORMAT binary)', { binary: true, rowIndexStep: 10 });
  client.query(empty as unknown as pg.QueryConfig);
  const bytes = await collect(empty);
  assert.equal(empty.rowCount, 0);
  assert.deepEqual(empty.rowIndex, []);
  assert.equal(bytes.length, 21); // header and trailer only
  const bad = new CopyOutStream('COPY no_such_table TO STDOUT', { binary: false, rowIndexStep: 10 });
  client.query(bad as unknown as pg.QueryConfig);
  await assert.rejects(collect(bad), /no_such_table/);
  assert.equal((await client.query('SELECT 2 AS x')).rows[0].x, 2);
});
