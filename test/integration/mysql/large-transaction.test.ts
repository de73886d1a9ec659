/**
 * A MariaDB transaction larger than the exporter holds in memory, streamed while a live migration
 * runs through the CLI: the binlog group is handed over and queued in parts as its rows events
 * arrive. (1) The exporter dies right after committing a part, twice (armed failpoints): each
 * restart replays the group from its start and queues only the events it does not hold. (2) The
 * binlog dump connection is cut (`KILL CONNECTION`) while the exporter stands still right after its
 * first part, with most of the group still on the server: the capture does not resume inside the
 * group by itself (that would hand its first parts out again) but gives the stream back to the
 * exporter, which resumes from the last whole transaction it queued. Every event is queued exactly
 * once, in order, and the target ends equal to the source.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { startMariaDb, type MariaDbServer } from '../../helpers/mariadb-server.js';
import { dumpConnections } from './binlog-helpers.js';
import { newExportDir, runTandem, targetFlags } from '../../helpers/cli.js';
import { eventually, killAll, startTandem, tail, sleep } from '../../helpers/live-process.js';
import { TRANSACTION_PART_EVENTS } from '../../../src/core/engine/change-capture.js';

let my: MariaDbServer;
let pgs: PgServer;

before(async () => {
  [my, pgs] = await Promise.all([startMariaDb(), startPg15()]);
});
after(async () => {
  await killAll();
  await Promise.all([my?.stop(), pgs?.stop()]);
});


interface QueuedEvent { vsn: number; op: string; table: string; key: Record<string, string>; txId: string }

function queuedEvents(dir: string): QueuedEvent[] {
  const queueDir = join(dir, 'data', 'queue');
  return readdirSync(queueDir).filter((f) => f.endsWith('.ndjson')).sort()
    .flatMap((f) => readFileSync(join(queueDir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as QueuedEvent))
    .filter((e) => e.op !== 'm');
}

/** A database with `rows` accounts (wide rows: few per binlog rows event) and an empty log table, migrated into `target` up to streaming. */
async function migrate(db: string, target: string, rows: number, exporterEnv: Record<string, string>) {
  await my.sql(undefined, `CREATE DATABASE ${db}`);
  await my.sql(db, `CREATE TABLE acc (id int PRIMARY KEY, bal int NOT NULL, filler char(255) NOT NULL);
    INSERT INTO acc SELECT seq, 0, REPEAT('f', 255) FROM seq_1_to_${rows};
    CREATE TABLE log (id int PRIMARY KEY, what varchar(20));`);
  await pgs.createDatabase(target);
  const dir = newExportDir();
  const env = { SOURCE_DB_PASSWORD: my.password, TARGET_DB_PASSWORD: pgs.password, TANDEM_METRICS_INTERVAL_MS: '3600000' };
  const SF = ['--source-db-type', 'mysql', '--source-db-host', my.host, '--source-db-port', String(my.port), '--source-db-user', my.user, '--source-db-name', db];
  const TF = targetFlags(pgs, target);
  for (const args of [['export', 'schema', ...SF], ['import', 'schema', ...TF]]) {
    const r = await runTandem([...args, '--export-dir', dir], env);
    assert.equal(r.code, 0, `${r.stdout.slice(-2000)}\n${r.stderr}`);
  }
  const exportArgs = ['export', 'data', 'from', 'source', '--export-dir', dir, ...SF, '--export-type', 'snapshot-and-changes'];
  const ex = startTandem(exportArgs, { ...env, ...exporterEnv });
  await ex.waitFor(/Streaming changes/, 90_000);
  const im = startTandem(['import', 'data', 'to', 'target', '--export-dir', dir, ...TF], env);
  await im.waitFor(/Applying the changes captured on the source/, 90_000);
  return { dir, env, exportArgs, ex, im };
}

/** The large transaction, a transaction before it and one after it. */
async function write(db: string): Promise<void> {
  await my.sql(db, `INSERT INTO log VALUES (1, 'before')`);
  await my.sql(db, `BEGIN; INSERT INTO log VALUES (2, 'inside'); UPDATE acc SET bal = bal + 1; DELETE FROM log WHERE id = 1; COMMIT;`);
  await my.sql(db, `UPDATE log SET what = 'after' WHERE id = 2`);
}

/** Waits until the target holds what the source does, then checks the queue: each event once, in order. */
async function checkExactlyOnce(dir: string, target: string, rows: number): Promise<void> {
  await eventually(async () => {
    const [r] = await pgs.sql(target, `SELECT (SELECT count(*) FROM public.acc)::int AS n, (SELECT sum(bal) FROM public.acc)::int AS bal,
      (SELECT string_agg(id || ':' || what, ',') FROM public.log) AS log`);
    return r.n === rows && r.bal === rows && r.log === '2:after' ? true : JSON.stringify(r);
  }, 90_000, 300);
  const events = queuedEvents(dir);
  const updates = events.filter((e) => e.table === 'acc');
  assert.equal(updates.length, rows, 'every row of the large transaction queued once');
  assert.equal(new Set(updates.map((e) => e.key.id)).size, rows, 'no row twice');
  assert.equal(new Set(updates.map((e) => e.txId)).size, 1, 'one source transaction');
  const logs = events.filter((e) => e.table === 'log');
  assert.deepEqual(logs.map((e) => `${e.op}${e.key.id}`), ['c1', 'c2', 'd1', 'u2']);
  const vsns = updates.map((e) => e.vsn);
  assert.ok(logs[0]!.vsn < Math.min(...vsns) && logs[3]!.vsn > Math.max(...vsns), 'the transactions around it keep their order');
}

test('MariaDB: a large transaction is queued in parts, exactly once across two crashes right after a part committed', { timeout: 240_000 }, async () => {
  const rows = Math.round(TRANSACTION_PART_EVENTS * 2.5);
  const hitLog = join(mkdtempSync(join(tmpdir(), 'tandem-large-tx-')), 'hits');
  const armed = { TANDEM_FAILPOINTS: 'queue.after-part-commit=kill@1', TANDEM_FAILPOINT_LOG: hitLog };
  const m = await migrate('big1', 'yb1', rows, armed);
  await write('big1');
  assert.equal(await m.ex.done, 'SIGKILL', tail(m.ex.output()));
  let ex = startTandem(m.exportArgs, { ...m.env, ...armed });
  assert.equal(await ex.done, 'SIGKILL', tail(ex.output()));
  assert.deepEqual(readFileSync(hitLog, 'utf8').trim().split('\n'), ['queue.after-part-commit', 'queue.after-part-commit']);
  ex = startTandem(m.exportArgs, m.env);
  await ex.waitFor(/Streaming changes/, 60_000);
  await checkExactlyOnce(m.dir, 'yb1', rows);
  assert.equal(m.im.exited(), false, tail(m.im.output()));
  // The next test finds its exporter's dump connection as the only one.
  await killAll();
  await eventually(async () => ((await dumpConnections(my)).length === 0 ? true : 'a dump connection is left'), 30_000, 100);
});

test('MariaDB: the binlog dump cut inside a large transaction: the exporter resumes from the last whole transaction and skips the parts it holds', { timeout: 240_000 }, async () => {
  // Larger than what the capture reads ahead (2,000 binlog events of about 15 of these rows each,
  // plus the sockets' buffers) after its first part: most of the group is still on the server when
  // the connection is cut.
  const rows = 120_000;
  const hitLog = join(mkdtempSync(join(tmpdir(), 'tandem-large-tx-')), 'hits');
  // Stands still (the whole process) for 10 s right after the first part's commit: the cut happens then.
  const m = await migrate('big2', 'yb2', rows, { TANDEM_FAILPOINTS: 'queue.after-part-commit=pause:10000@1', TANDEM_FAILPOINT_LOG: hitLog });
  await write('big2');
  await eventually(async () => (existsSync(hitLog) && readFileSync(hitLog, 'utf8').includes('queue.after-part-commit') ? true : 'no part yet'), 60_000, 20);
  const dumps = await dumpConnections(my);
  assert.equal(dumps.length, 1, JSON.stringify(dumps));
  await my.sql(undefined, `KILL CONNECTION ${dumps[0]}`);
  await checkExactlyOnce(m.dir, 'yb2', rows);
  assert.equal(m.ex.exited(), false, tail(m.ex.output()));
  assert.equal(m.im.exited(), false, tail(m.im.output()));
  await sleep(100);
  const logs = readdirSync(join(m.dir, 'logs')).map((f) => readFileSync(join(m.dir, 'logs', f), 'utf8')).join('\n');
  assert.match(logs, /interrupted \(\w+\) inside a large transaction; it resumes from the last transaction queued/, 'the cut fell inside the group');
});
