/**
 * Crash-resume of the snapshot: `export data` and `import data` killed with SIGKILL at random moments
 * and rerun must end with every target table equal to the source: nothing missing, nothing twice.
 * Also checks the batch planner on real binary and text COPY output of PostgreSQL 15.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { QueryConfig } from 'pg';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { CLI_PATH, runTandem, newExportDir, sourceFlags, targetFlags, type CliResult } from '../../helpers/cli.js';
import { tableChecksums } from '../../helpers/table-checksum.js';
import { BINARY_COPY_HEADER, BINARY_COPY_TRAILER, CopyBatchPlanner, copyDataMessage, planCopyBatches } from '../../../src/core/copy-batch-planner.js';
import { CopyOutStream, type CopyOutItem } from '../../../src/adapters/postgres/copy-out-stream.js';
import { FramedCopyIn } from '../../../src/adapters/postgres/copy-in-framed.js';

const DDL = `
  CREATE SCHEMA app;
  CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy');
  CREATE TABLE app.big (id bigint PRIMARY KEY, n int, t text, ts timestamptz, amount numeric(12,2), flag boolean);
  -- An array of an enum is not binary-safe between servers: this table travels in text COPY format.
  CREATE TABLE app.tagged (id int PRIMARY KEY, moods app.mood[], note text);
  -- No primary key: a batch loaded twice would not be refused by the target, only counted.
  CREATE TABLE app.nopk (k int, v text);`;
const DATA = `
  INSERT INTO app.big SELECT g, g % 1000, 'row ' || g || repeat('x', g % 40), timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second',
    (g % 100000) / 7.0, g % 2 = 0 FROM generate_series(1, 300000) g;
  INSERT INTO app.tagged SELECT g, CASE g % 3 WHEN 0 THEN '{sad,happy}'::app.mood[] WHEN 1 THEN '{}' ELSE NULL END,
    CASE g % 4 WHEN 0 THEN E'tab\\there' WHEN 1 THEN E'line\\nbreak' WHEN 2 THEN E'back\\\\slash' ELSE NULL END FROM generate_series(1, 60000) g;
  INSERT INTO app.nopk SELECT g % 5000, 'v' || (g % 7) FROM generate_series(1, 40000) g;
  ANALYZE;`;
const BATCH_TABLE = 'ybvoyager_metadata.ybvoyager_import_data_batches_metainfo_v3';

let pg: PgServer;
let env: Record<string, string>;

before(async () => {
  pg = await startPg15();
  env = { SOURCE_DB_PASSWORD: pg.password, TARGET_DB_PASSWORD: pg.password };
  await Promise.all(['src', 'dst'].map((d) => pg.createDatabase(d)));
  await pg.sql('src', DDL + DATA);
  await pg.sql('dst', DDL);
});

after(async () => {
  await pg?.stop();
});

/** Starts the CLI and SIGKILLs it when `killWhen` resolves (unless it has ended by then). */
async function runAndKill(args: string[], killWhen: (alive: () => boolean) => Promise<void>): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI_PATH, ...args], { env: { ...process.env, TANDEM_NO_TTY: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  let ended = false;
  void done.then(() => (ended = true));
  await killWhen(() => !ended);
  if (!ended) child.kill('SIGKILL');
  return done;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function committedBatches(): Promise<number> {
  try {
    return (await pg.sql('dst', `SELECT count(*)::int AS n FROM ${BATCH_TABLE}`))[0].n as number;
  } catch {
    return 0; // the table does not exist yet
  }
}

async function ok(args: string[]): Promise<CliResult> {
  const r = await runTandem(args, env);
  assert.equal(r.code, 0, `tandem ${args.slice(0, 3).join(' ')}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

test('export data killed mid-way, then import data killed six times at random moments: the target equals the source', async (t) => {
  const dir = newExportDir();
  const exportArgs = ['export', 'data', '--export-dir', dir, '--parallel-jobs', '2', ...sourceFlags(pg, 'src', 'app')];

  // The exporter dies while it writes the snapshot files.
  const killed = await runAndKill(exportArgs, async (alive) => {
    const data = join(dir, 'data');
    while (alive()) {
      try {
        // Snapshot files live in data/snapshot-<id>/.
        const files = readdirSync(data).filter((d) => d.startsWith('snapshot-')).flatMap((d) => readdirSync(join(data, d)).map((f) => join(data, d, f)));
        if (files.some((f) => /\.(bin|txt)$/.test(f) && statSync(f).size > 0)) return;
      } catch { /* not created yet */ }
      await sleep(2);
    }
  });
  assert.equal(killed.signal, 'SIGKILL', `the exporter finished before it could be killed:\n${killed.stdout}`);
  // It waits for the export to be run again, up to --wait-for-export, then gives up.
  const notDone = await runTandem(['import', 'data', '--export-dir', dir, '--wait-for-export', '1', ...targetFlags(pg, 'dst')], env);
  assert.equal(notDone.code, 1, notDone.stderr);
  assert.match(notDone.stderr, /^error \[TANDEM_EXPORT_DIR\]: The data export (is not complete|stopped before it finished \(its step is IN_PROGRESS, and no "export data" has run in this export dir for 1 s\))/);
  assert.match(notDone.stderr, /tandem export data/);
  assert.equal(await committedBatches(), 0);
  // The rerun takes over the dead exporter's lock and exports everything again, consistently.
  await ok(exportArgs);
  const status = JSON.parse((await ok(['export', 'data', 'status', '--export-dir', dir, '--output-format', 'json'])).stdout) as
    { status: string; tables: { table_name: string; status: string; exported_count: number }[] };
  assert.equal(status.status, 'DONE');
  const sourceCounts: Record<string, number> = Object.fromEntries((await pg.sql('src',
    "SELECT 'app.big' AS t, count(*)::int AS n FROM app.big UNION ALL SELECT 'app.tagged', count(*)::int FROM app.tagged UNION ALL SELECT 'app.nopk', count(*)::int FROM app.nopk"))
    .map((r) => [r.t, r.n]));
  assert.deepEqual(Object.fromEntries(status.tables.map((t) => [t.table_name, t.exported_count])), sourceCounts);
  const files = readdirSync(join(dir, 'data')).filter((d) => d.startsWith('snapshot-'))
    .flatMap((d) => readdirSync(join(dir, 'data', d)).map((f) => join(d, f))).filter((f) => /\.(bin|txt)$/.test(f));
  assert.equal(new Set(files.map((f) => f.split('/')[0])).size, 1, 'one snapshot directory: the killed export\'s files are gone');
  assert.ok(files.some((f) => f.endsWith('.txt')) && files.some((f) => f.endsWith('.bin')), `both COPY formats: ${files.join(', ')}`);
  let rowsInFiles = 0;
  let totalBatches = 0; // batches of 1000 rows; a file (a part of a table) ends a batch early
  for (const f of files) {
    const batches = await planCopyBatches(join(dir, 'data', f), 1000);
    rowsInFiles += batches.reduce((s, b) => s + b.rows, 0);
    totalBatches += batches.length;
  }
  assert.equal(rowsInFiles, Object.values(sourceCounts).reduce((a, b) => a + b, 0), 'no file left over from the killed export');

  // The importer dies at random moments: once while it starts, then after a random number of batches.
  const importArgs = ['import', 'data', '--export-dir', dir, '--batch-size', '1000', '--parallel-jobs', '2', ...targetFlags(pg, 'dst')];
  const kills: string[] = [];
  for (let attempt = 0; kills.length < 6 && attempt < 12; attempt++) {
    const before = await committedBatches();
    const left = totalBatches - before;
    assert.ok(left > 0, `the import finished after only ${kills.length} kills`);
    const early = kills.length === 0;
    const afterBatches = 1 + Math.floor(Math.random() * Math.max(1, Math.min(40, left / 3)));
    const r = await runAndKill(importArgs, async (alive) => {
      if (early) {
        await sleep(150 + Math.random() * 300);
        return;
      }
      while (alive() && (await committedBatches()) < before + afterBatches) await sleep(5);
      await sleep(Math.random() * 20); // and then at any point of the next batches
    });
    const now = await committedBatches();
    if (r.signal === 'SIGKILL') kills.push(early ? `during start-up (${now - before} batches)` : `after ${now - before} batches`);
    else assert.equal(r.code, 0, `an import run failed:\n${r.stdout}\n${r.stderr}`);
    assert.ok(now >= before, 'committed batches never disappear');
  }
  assert.ok(kills.length >= 5, `killed only ${kills.length} times: ${kills.join('; ')}`);
  t.diagnostic(`import killed ${kills.join('; ')} (of ${totalBatches} batches)`);
  const batchesAtLastKill = await committedBatches();
  assert.ok(batchesAtLastKill < totalBatches, 'the last kill left work to resume');

  const last = await ok(importArgs);
  assert.match(last.stdout, /Import of the snapshot is complete/);
  assert.equal(await committedBatches(), totalBatches);
  const dup = await pg.sql('dst', `SELECT count(*)::int AS n FROM (SELECT data_file_name, batch_number FROM ${BATCH_TABLE} GROUP BY 1, 2 HAVING count(*) > 1) d`);
  assert.equal(dup[0].n, 0);

  const [a, b] = await Promise.all([tableChecksums(pg, 'src', ['app']), tableChecksums(pg, 'dst', ['app'])]);
  assert.equal(a.size, 3);
  assert.deepEqual(b, a, `target differs from source after kills: ${kills.join('; ')}`);

  const importStatus = JSON.parse((await ok(['import', 'data', 'status', '--export-dir', dir, '--output-format', 'json'])).stdout) as
    { status: string; tables: { table_name: string; status: string; imported_count: number }[] };
  assert.equal(importStatus.status, 'DONE');
  for (const t of importStatus.tables) assert.equal(t.imported_count, sourceCounts[t.table_name], t.table_name);

  const report = JSON.parse((await ok(['get', 'data-migration-report', '--export-dir', dir, '--output-format', 'json'])).stdout) as
    { table_name: string; db_type: string; exported_snapshot_rows: number; imported_snapshot_rows: number; final_row_count: number }[];
  for (const [table, n] of Object.entries(sourceCounts)) {
    const src = report.find((r) => r.table_name === table && r.db_type === 'source');
    const dst = report.find((r) => r.table_name === table && r.db_type === 'target');
    assert.equal(src?.exported_snapshot_rows, n, table);
    assert.equal(dst?.imported_snapshot_rows, n, table);
    assert.equal(dst?.final_row_count, n, table);
    assert.equal(String(n), b.get(table)!.split(':')[0], table);
  }

  // A finished import run again loads nothing more.
  const again = await ok(importArgs);
  assert.match(again.stdout, /The snapshot is already imported/);
  assert.equal(await committedBatches(), totalBatches);
  assert.deepEqual(await tableChecksums(pg, 'dst', ['app']), a);
});

/** A query's COPY output as a snapshot file holds it (CopyData-framed rows, one part). */
async function copyOut(sql: string, format: 'binary' | 'text'): Promise<Buffer> {
  const c = await pg.client('src');
  try {
    const parts: Buffer[] = [];
    const stream = new CopyOutStream(sql, { binary: format === 'binary', rowIndexStep: 1000 });
    c.query(stream as unknown as QueryConfig);
    for await (const item of stream as AsyncIterable<CopyOutItem>) if (Buffer.isBuffer(item)) parts.push(item);
    return Buffer.concat(parts);
  } finally {
    await c.end();
  }
}

/** Loads one planned batch into `table` on the target, the way import data does, and returns the row count. */
async function loadSlice(table: string, format: 'binary' | 'text', body: Buffer): Promise<number> {
  const c = await pg.client('dst');
  try {
    await c.query('BEGIN');
    const copy = new FramedCopyIn(`COPY ${table} FROM STDIN (FORMAT ${format})`, async (send) => {
      if (format === 'binary') await send(copyDataMessage(BINARY_COPY_HEADER));
      await send(body);
      if (format === 'binary') await send(copyDataMessage(BINARY_COPY_TRAILER));
    });
    c.query(copy as unknown as QueryConfig);
    await copy.done;
    await c.query('ROLLBACK');
    return copy.rowCount;
  } finally {
    await c.end();
  }
}

test('the batch planner on real snapshot files of PostgreSQL 15, split at every chunk size; every batch loads on its own', async () => {
  await pg.sql('src', `CREATE TABLE app.kinds (id int PRIMARY KEY, b bytea, j jsonb, a int[], n numeric, t text, ts timestamptz);
    INSERT INTO app.kinds SELECT g, CASE WHEN g % 5 = 0 THEN NULL ELSE decode(repeat('00ff0a', g % 9), 'hex') END,
      jsonb_build_object('g', g, 's', repeat('é', g % 4)), ARRAY[g, -g, NULL], g * 1.5, CASE WHEN g % 6 = 0 THEN '' ELSE E'a\\tb\\nc' || g END,
      timestamptz '2000-01-01 00:00:00+00' + g * interval '1 day' FROM generate_series(1, 120) g;`);
  await pg.sql('dst', 'CREATE TABLE app.kinds (id int PRIMARY KEY, b bytea, j jsonb, a int[], n numeric, t text, ts timestamptz)');
  for (const format of ['binary', 'text'] as const) {
    const data = await copyOut(`COPY app.kinds TO STDOUT (FORMAT ${format})`, format);
    const whole = new CopyBatchPlanner(7);
    whole.push(data);
    const want = whole.finish();
    assert.equal(want.reduce((s, b) => s + b.rows, 0), 120, format);
    assert.equal(want.length, Math.ceil(120 / 7));
    assert.equal(want[0]!.startOffset, 0);
    assert.equal(want[want.length - 1]!.endOffset, data.length);
    for (let size = 1; size <= 97; size++) {
      const p = new CopyBatchPlanner(7);
      for (let i = 0; i < data.length; i += size) p.push(data.subarray(i, i + size));
      assert.deepEqual(p.finish(), want, `${format}, chunks of ${size}`);
    }
    // Every batch is a loadable COPY on its own, with exactly its rows.
    for (const b of want) assert.equal(await loadSlice('app.kinds', format, data.subarray(b.startOffset, b.endOffset)), b.rows, `${format} batch ${b.batchNo}`);
    // A real file cut short is refused.
    const cut = new CopyBatchPlanner(7);
    cut.push(data.subarray(0, data.length - 5));
    assert.throws(() => cut.finish(), /truncated/);
  }
  // The real enum-array table is text format; its rows contain escaped tabs, newlines and backslashes.
  const tagged = await copyOut('COPY app.tagged TO STDOUT (FORMAT text)', 'text');
  const p = new CopyBatchPlanner(1000);
  for (let i = 0; i < tagged.length; i += 65536) p.push(tagged.subarray(i, i + 65536));
  assert.equal(p.finish().reduce((s, b) => s + b.rows, 0), 60000);
});
