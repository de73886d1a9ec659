/**
 * CopyOutStream and FramedCopyIn against a real PostgreSQL 15: the snapshot-file layout (rows as the
 * server's CopyData messages, without the binary header and trailer) carries exactly the server's
 * COPY bytes, its row index and parts line up with the batch planner, edge cases (a row larger than
 * a socket read as the first row, rows of a table without columns, an empty table, notices) come
 * through, and a damaged file or a failing row leaves the connection usable.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { CopyOutStream, type CopyOutItem, type CopyPart } from '../../../src/adapters/postgres/copy-out-stream.js';
import { FramedCopyIn } from '../../../src/adapters/postgres/copy-in-framed.js';
import { BINARY_COPY_HEADER, BINARY_COPY_TRAILER, CopyBatchPlanner, copyDataMessage } from '../../../src/core/copy-batch-planner.js';

let server: PgServer;
let client: pg.Client;

before(async () => {
  server = await startPg15();
  client = await server.client('postgres');
  await client.query(`CREATE TABLE t (id int PRIMARY KEY, s text, b bytea, n numeric, a int[]);
    INSERT INTO t SELECT g, CASE WHEN g % 7 = 0 THEN NULL WHEN g % 5 = 0 THEN '' ELSE repeat('zürich東京' || E'\\n\\t', g % 13) END,
      CASE WHEN g % 3 = 0 THEN NULL ELSE decode(lpad(to_hex(g), 8, '0'), 'hex') END, g / 7.0, ARRAY[g, g + 1]
    FROM generate_series(1, 25037) g;
    CREATE TABLE empty_t (id int);
    CREATE TABLE nocols ();
    INSERT INTO nocols DEFAULT VALUES; INSERT INTO nocols DEFAULT VALUES; INSERT INTO nocols DEFAULT VALUES;
    CREATE TABLE big (id int PRIMARY KEY, t text);
    INSERT INTO big VALUES (1, repeat('é', 700000)), (2, 'small'), (3, repeat('x', 300000));
    CREATE FUNCTION noisy(int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN IF $1 % 1000 = 0 THEN RAISE NOTICE 'row %', $1; END IF; RETURN $1; END $$;`);
  for (const ddl of ['CREATE TABLE t (id int PRIMARY KEY, s text, b bytea, n numeric, a int[])', 'CREATE TABLE nocols ()', 'CREATE TABLE big (id int PRIMARY KEY, t text)']) {
    await client.query(ddl.replace('CREATE TABLE ', 'CREATE TABLE copy_'));
  }
});

after(async () => {
  await client?.end();
  await server?.stop();
});

async function reference(sql: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of client.query(copyStreams.to(sql))) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** Runs a CopyOutStream; returns each part's bytes and record. */
async function copyOut(sql: string, binary: boolean, rowIndexStep: number, partBytes?: number | ((n: number) => number)): Promise<{ files: Buffer[]; parts: CopyPart[]; stream: CopyOutStream }> {
  const stream = new CopyOutStream(sql, { binary, rowIndexStep, partBytes });
  client.query(stream as unknown as pg.QueryConfig);
  const files: Buffer[] = [];
  const parts: CopyPart[] = [];
  let current: Buffer[] = [];
  for await (const item of stream as AsyncIterable<CopyOutItem>) {
    if (Buffer.isBuffer(item)) current.push(Buffer.from(item));
    else {
      files.push(Buffer.concat(current));
      parts.push(item.partEnd);
      current = [];
    }
  }
  assert.equal(current.length, 0, 'no bytes after the last part');
  return { files, parts, stream };
}

/** The rows of a snapshot file, unframed: what COPY itself sends between header and trailer. */
function unframe(file: Buffer): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; i < file.length;) {
    assert.equal(file[i], 0x64, `a CopyData message at ${i}`);
    const len = file.readUInt32BE(i + 1);
    out.push(file.subarray(i + 5, i + 1 + len));
    i += 1 + len;
  }
  return Buffer.concat(out);
}

function rowsOf(file: Buffer): number {
  const p = new CopyBatchPlanner(1);
  p.push(file);
  return p.finish().length;
}

/** Loads framed rows into `table` with FramedCopyIn inside a rolled-back transaction. */
async function loadFramed(table: string, binary: boolean, body: Buffer): Promise<number> {
  await client.query('BEGIN');
  try {
    const copy = new FramedCopyIn(`COPY ${table} FROM STDIN (FORMAT ${binary ? 'binary' : 'text'})`, async (send) => {
      if (binary) await send(copyDataMessage(BINARY_COPY_HEADER));
      for (let i = 0; i < body.length;) {
        // Whole messages per send, several sends.
        let j = i;
        while (j < body.length && j - i < 50_000) j += 1 + body.readUInt32BE(j + 1);
        await send(body.subarray(i, j));
        i = j;
      }
      if (binary) await send(copyDataMessage(BINARY_COPY_TRAILER));
    });
    client.query(copy as unknown as pg.QueryConfig);
    await copy.done;
    return copy.rowCount;
  } finally {
    await client.query('ROLLBACK');
  }
}

for (const format of ['binary', 'text'] as const) {
  const binary = format === 'binary';
  test(`CopyOutStream (${format}): the files hold exactly the server's rows; parts and row index line up with the planner; FramedCopyIn loads them back`, async () => {
    const sql = `COPY (SELECT * FROM t ORDER BY id) TO STDOUT (FORMAT ${format})`;
    const ref = await reference(sql);
    const refRows = binary ? ref.subarray(19, ref.length - 2) : ref;
    for (const [step, partBytes] of [[1, undefined], [7, 65536], [1000, (n: number) => 4096 << n], [100000, 1]] as const) {
      const { files, parts, stream } = await copyOut(sql, binary, step, partBytes);
      assert.equal(stream.rowCount, 25037);
      assert.equal(stream.rows, 25037);
      assert.ok(Buffer.concat(files.map(unframe)).equals(refRows), 'the same row bytes as the server sent');
      assert.equal(parts.reduce((s, p) => s + p.rows, 0), 25037);
      if (partBytes === undefined) assert.equal(parts.length, 1);
      else assert.ok(parts.length > 1, `several parts with partBytes ${String(partBytes)}`);
      if (partBytes === 1) assert.equal(parts.length, 25037, 'a part per row when each row fills one');
      parts.forEach((p, k) => {
        assert.equal(p.partNo, k);
        assert.equal(p.bytes, files[k]!.length);
        const planner = new CopyBatchPlanner(step);
        planner.push(files[k]!);
        assert.deepEqual(p.rowIndex, planner.finish().map((b) => [b.startOffset, b.endOffset, b.rows]), `row index of part ${k} with step ${step}`);
      });
    }
    const { files } = await copyOut(sql, binary, 1000, 200_000);
    for (const f of files) assert.equal(await loadFramed('copy_t', binary, f), rowsOf(f));
    // The client is free again afterwards.
    assert.equal((await client.query('SELECT 1 AS x')).rows[0].x, 1);
  });
}

test('edge cases: a first row larger than a socket read, rows of a table without columns, an empty table, notices in the stream', async () => {
  // A 1.4 MB first row: the binary header is cut off a message that spans many socket reads.
  for (const binary of [true, false]) {
    const sql = `COPY big TO STDOUT (FORMAT ${binary ? 'binary' : 'text'})`;
    const ref = await reference(sql);
    const { files, parts } = await copyOut(sql, binary, 1, 1);
    assert.deepEqual(parts.map((p) => p.rows), [1, 1, 1], 'a part per row');
    assert.ok(Buffer.concat(files.map(unframe)).equals(binary ? ref.subarray(19, ref.length - 2) : ref));
    assert.equal(await loadFramed('copy_big', binary, Buffer.concat(files)), 3);
  }
  // Rows of a table without columns are 2-byte messages, like the binary trailer: 3 rows, no trailer.
  const nocols = await copyOut('COPY nocols TO STDOUT (FORMAT binary)', true, 10);
  assert.deepEqual(nocols.parts.map((p) => [p.rows, p.bytes]), [[3, 21]]);
  assert.equal(await loadFramed('copy_nocols', true, nocols.files[0]!), 3);
  // An empty table: one empty part.
  const empty = await copyOut('COPY empty_t TO STDOUT (FORMAT binary)', true, 10);
  assert.deepEqual(empty.parts, [{ partNo: 0, rows: 0, bytes: 0, rowIndex: [] }]);
  assert.equal(empty.files[0]!.length, 0);
  // Notices sent while copying are not rows.
  await client.query('SET client_min_messages = notice');
  const noisy = await copyOut('COPY (SELECT noisy(g) FROM generate_series(1, 5000) g) TO STDOUT (FORMAT text)', false, 100);
  assert.equal(noisy.parts[0]!.rows, 5000);
  assert.equal(unframe(noisy.files[0]!).toString(), Array.from({ length: 5000 }, (_, i) => `${i + 1}\n`).join(''));
});

test('errors: a failing COPY out rejects; a failing row or a damaged file in a COPY in rolls back and leaves the client usable', async () => {
  const bad = new CopyOutStream('COPY no_such_table TO STDOUT', { binary: false, rowIndexStep: 10 });
  client.query(bad as unknown as pg.QueryConfig);
  await assert.rejects((async () => { for await (const _ of bad) { /* drain */ } })(), /no_such_table/);
  assert.equal((await client.query('SELECT 2 AS x')).rows[0].x, 2);

  // The server refuses a row (duplicate key) while the feed is still sending: done rejects with it.
  const { files } = await copyOut('COPY (SELECT * FROM t ORDER BY id) TO STDOUT (FORMAT binary)', true, 1000);
  const twice = Buffer.concat([files[0]!, files[0]!]);
  await assert.rejects(loadFramed('copy_t', true, twice), /duplicate key/);
  assert.equal((await client.query('SELECT 3 AS x')).rows[0].x, 3);

  // The feed finds a damaged file: CopyFail, done rejects with the feed's error, nothing is loaded.
  await client.query('BEGIN');
  const copy = new FramedCopyIn('COPY copy_t FROM STDIN (FORMAT binary)', async (send) => {
    await send(copyDataMessage(BINARY_COPY_HEADER));
    const planner = new CopyBatchPlanner(10);
    planner.push(files[0]!);
    await send(files[0]!.subarray(0, planner.finish()[0]!.endOffset)); // ten whole rows, then trouble
    throw new Error('the file is damaged');
  });
  client.query(copy as unknown as pg.QueryConfig);
  await assert.rejects(copy.done, /the file is damaged/);
  await client.query('ROLLBACK');
  assert.equal((await client.query('SELECT count(*)::int AS n FROM copy_t')).rows[0].n, 0);
});

test('a COPY in whose backend is terminated rejects at once and does not hang the feed', async () => {
  const victim = await server.client('postgres');
  try {
    const pid = (await victim.query('SELECT pg_backend_pid() AS p')).rows[0].p as number;
    victim.on('error', () => {}); // the terminated connection reports its end here too
    const { files } = await copyOut('COPY (SELECT * FROM t ORDER BY id) TO STDOUT (FORMAT text)', false, 1000);
    let sent = 0;
    await client.query('CREATE TABLE IF NOT EXISTS copy_nokey (id int, s text, b bytea, n numeric, a int[])');
    const copy = new FramedCopyIn('COPY copy_nokey FROM STDIN (FORMAT text)', async (send) => {
      // Sends the same rows forever into a table without keys: only the termination ends this feed.
      for (;;) {
        await send(files[0]!);
        if (++sent === 3) await client.query('SELECT pg_terminate_backend($1)', [pid]);
      }
    });
    const started = Date.now();
    victim.query(copy as unknown as pg.QueryConfig);
    // Either the server's FATAL ("terminating connection …") or the socket's own end arrives first
    // (a write into the closed connection fails with ECONNRESET or EPIPE): both end the feed.
    await assert.rejects(copy.done, /terminat|ECONNRESET|EPIPE/i);
    assert.ok(sent >= 3);
    assert.ok(Date.now() - started < 10_000, 'rejected promptly');
  } finally {
    await victim.end().catch(() => {});
  }
});
