/**
 * One source transaction larger than the exporter holds in memory (a batch job's UPDATE of every
 * row), streamed while a live migration runs: the exporter queues it in parts as it arrives (a
 * 2,000,000-row UPDATE held whole took 2.8 GB; in parts its exporter peaked at 0.25 GB), and dies
 * right after committing a part, twice (armed failpoints, not timing): each restart replays the
 * transaction from its start and queues only the events it does not hold. Every event is queued
 * exactly once, the transactions around it keep their order, and the target ends equal to the source.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { runTandem, newExportDir, sourceFlags, targetFlags } from '../../helpers/cli.js';
import { startTandem, killAll, tail, eventually } from '../../helpers/live-process.js';
import { tableChecksums } from '../../helpers/table-checksum.js';
import { TRANSACTION_PART_EVENTS } from '../../../src/core/engine/change-capture.js';

let pg: PgServer;
const ROWS = Math.round(TRANSACTION_PART_EVENTS * 2.5);

before(async () => {
  pg = await startPg15();
  await pg.createDatabase('src');
  await pg.createDatabase('dst');
  await pg.sql('src', `CREATE SCHEMA app;
    CREATE TABLE app.acc (id int PRIMARY KEY, bal int NOT NULL, note text);
    INSERT INTO app.acc SELECT g, 0, 'row ' || g FROM generate_series(1, ${ROWS}) g;
    CREATE TABLE app.log (id int PRIMARY KEY, what text);`);
});

after(async () => {
  await killAll();
  await pg?.stop();
});

/** Every queued event of the queue's segments. */
function queuedEvents(dir: string): Array<{ vsn: number; op: string; table: string; key: Record<string, string>; txId: string }> {
  const queueDir = join(dir, 'data', 'queue');
  return readdirSync(queueDir).filter((f) => f.endsWith('.ndjson')).sort()
    .flatMap((f) => readFileSync(join(queueDir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)));
}

test('a transaction of 2.5 parts is queued in parts, exactly once across two crashes right after a part committed', { timeout: 240_000 }, async () => {
  const env = { SOURCE_DB_PASSWORD: pg.password, TARGET_DB_PASSWORD: pg.password, TANDEM_METRICS_INTERVAL_MS: '3600000' };
  const dir = newExportDir();
  const SF = sourceFlags(pg, 'src', 'app');
  const TF = targetFlags(pg, 'dst');
  for (const args of [['export', 'schema', '--export-dir', dir, ...SF], ['import', 'schema', '--export-dir', dir, ...TF]]) {
    const r = await runTandem(args, env);
    assert.equal(r.code, 0, r.stderr);
  }
  const hitLog = join(mkdtempSync(join(tmpdir(), 'tandem-large-tx-')), 'hits');
  const exportArgs = ['export', 'data', '--export-dir', dir, ...SF, '--export-type', 'snapshot-and-changes'];
  const armed = { ...env, TANDEM_FAILPOINTS: 'queue.after-part-commit=kill@1', TANDEM_FAILPOINT_LOG: hitLog };
  let ex = startTandem(exportArgs, armed);
  await ex.waitFor(/Streaming changes/, 60_000);
  const im = startTandem(['import', 'data', '--export-dir', dir, ...TF], env);
  await im.waitFor(/Applying the changes captured on the source/, 60_000);

  await pg.sql('src', `INSERT INTO app.log VALUES (1, 'before')`);
  await pg.sql('src', `BEGIN; INSERT INTO app.log VALUES (2, 'inside'); UPDATE app.acc SET bal = bal + 1, note = note || ' +1'; DELETE FROM app.log WHERE id = 1; COMMIT;`);
  await pg.sql('src', `UPDATE app.log SET what = 'after' WHERE id = 2`);

  // The first run dies right after its first part; the second replays the first part (held: no
  // append, so no hit) and dies after the second; the third, unarmed, queues the rest.
  assert.equal(await ex.done, 'SIGKILL', tail(ex.output()));
  ex = startTandem(exportArgs, armed);
  assert.equal(await ex.done, 'SIGKILL', tail(ex.output()));
  assert.deepEqual(readFileSync(hitLog, 'utf8').trim().split('\n'), ['queue.after-part-commit', 'queue.after-part-commit']);
  ex = startTandem(exportArgs, env);
  await ex.waitFor(/Streaming changes/, 60_000);

  await eventually(async () => {
    const [s, t] = await Promise.all([tableChecksums(pg, 'src', ['app']), tableChecksums(pg, 'dst', ['app'])]);
    return JSON.stringify([...s]) === JSON.stringify([...t]) ? true : `source ${JSON.stringify([...s])}, target ${JSON.stringify([...t])}`;
  }, 60_000, 300);
  assert.equal(im.exited(), false, tail(im.output()));

  // Exactly once, in order: every row's update once, numbered after the insert before and before the update after.
  const events = queuedEvents(dir).filter((e) => e.op !== 'm');
  const updates = events.filter((e) => e.table === 'acc');
  assert.equal(updates.length, ROWS, 'every row of the large transaction queued once');
  assert.equal(new Set(updates.map((e) => e.key.id)).size, ROWS, 'no row twice');
  const logs = events.filter((e) => e.table === 'log').map((e) => `${e.op}${e.key.id}`);
  assert.deepEqual(logs, ['c1', 'c2', 'd1', 'u2']);
  const vsnOf = (op: string, id: string) => events.find((e) => e.table === 'log' && e.op === op && e.key.id === id)!.vsn;
  assert.ok(vsnOf('c', '1') < Math.min(...updates.map((e) => e.vsn)), 'the transaction before comes first');
  assert.ok(vsnOf('u', '2') > Math.max(...updates.map((e) => e.vsn)), 'the transaction after comes after');
  assert.equal(new Set(updates.map((e) => e.txId)).size, 1, 'one source transaction');
  const rows = await pg.sql('dst', `SELECT count(*)::int AS n, sum(bal)::int AS bal FROM app.acc`);
  assert.deepEqual(rows[0], { n: ROWS, bal: ROWS });
  const meta = new Database(join(dir, 'metainfo', 'meta.db'), { readonly: true });
  try {
    const row = meta.prepare("SELECT value_json FROM kv WHERE key = 'source_transaction_in_parts'").get() as { value_json: string };
    assert.equal(row.value_json, 'null', 'the record of the parts is cleared once the transaction is queued whole');
  } finally {
    meta.close();
  }
});
