/**
 * bench/mysql-cdc: a backlog of binlog row events drained from MariaDB 10.11 into PostgreSQL 15 (the
 * target role) through the built CLI, with the source's own write rate for scale.
 *
 *   npm run bench:mysql-cdc      (BENCH_CHANGES, default 500000 row events; BENCH_ACCOUNTS, default 100000;
 *                                 BENCH_PROFILE_DIR=<dir> writes CPU profiles of the draining exporter
 *                                 and importer there: export.cpuprofile, import.cpuprofile)
 *
 * A throw-away MariaDB gets `accounts` (pgbench_accounts' shape), `history` (an AUTO_INCREMENT key) and
 * a heartbeat row. Tandem exports the schema, imports it, and exports and imports the snapshot with
 * `--export-type snapshot-and-changes`; then both processes are stopped. The backlog: a stored
 * procedure on the source runs BENCH_CHANGES / 2 transactions of pgbench -N's shape (an UPDATE of one
 * account and an INSERT into history: 2 row events each), committed one by one, and the time it takes
 * is the source's own write rate. One sentinel transaction closes it. Nothing reads the binlog
 * meanwhile. Then, one after the other (2 cores: they must not compete):
 *   1. `export data from source` restarted; time until the queue holds every row event (binlog
 *      decoding, values converted, queued durably);
 *   2. `import data to target` restarted; time until its low watermark reaches the queue's end and the
 *      sentinel is on the target.
 *   3. a second backlog of the same size, then both started together, as a user runs them; time
 *      until the importer has applied all of it (the goal's figure).
 *   4. live (BENCH_LIVE_S seconds, default 20; 0 skips it): the same transactions from BENCH_LIVE_CLIENTS
 *      sessions (default 2) at BENCH_LIVE_RATE transactions/s in all (default 5000, 10,000 row events/s; 0:
 *      as fast as they go) for that long, first with nothing reading the binlog (the source's own rate),
 *      then with export and import running, plus a heartbeat row updated and one inserted into
 *      heartbeat_log every 100 ms. Each inserted heartbeat's lag is its commit time on the target
 *      (track_commit_timestamp) minus the source's NOW(6) at its INSERT (one machine, one clock; before
 *      the forty-eighth session an ALWAYS trigger on the target logged it, which Tandem's writers now refuse).
 * `tandem compare` then proves source and target equal (count and checksum of every table over
 * canonical values).
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMariaDb, type MariaDbServer } from '../../test/helpers/mariadb-server.js';
import { startPg15 } from '../../test/helpers/pg-server.js';
import { targetFlags } from '../../test/helpers/cli.js';
import { Cleanup, MetaView, type Proc, appliedLags, loadAvg, now, percentile, rate, removeDir, runTandem, secs, sleep, startTandem, waitFor, cpuProfileArgs } from '../cdc/common.js';
import { benchNumber } from '../env.js';

const CHANGES = benchNumber('BENCH_CHANGES', 500_000, { min: 1 });
const ACCOUNTS = benchNumber('BENCH_ACCOUNTS', 100_000, { min: 1 });
const DB = 'bench';
const SENTINEL = '2001-02-03 04:05:06.000000';
const LIVE_S = benchNumber('BENCH_LIVE_S', 20, { integer: false });
const LIVE_CLIENTS = benchNumber('BENCH_LIVE_CLIENTS', 2, { min: 1 });
/** Transactions per second of all live sessions together (2 row events each); 0: as fast as they go. */
const LIVE_RATE = benchNumber('BENCH_LIVE_RATE', 5000);

const say = (s: string) => {
  process.stdout.write(`${s}\n`);
};

/** CPU seconds (user + system) a live process has used so far, from /proc (clock ticks of 10 ms). */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime (fields 14 and 15)
  } catch {
    return NaN;
  }
}

/** CPU seconds of a process and of its children, live and ended (the PostgreSQL server: postmaster and backends). */
function treeCpuSeconds(pid: number): number {
  const stat = (p: number) => readFileSync(`/proc/${p}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  try {
    const own = stat(pid);
    let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]); // utime stime cutime cstime
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const f = stat(Number(name));
        if (Number(f[1]) === pid) ticks += Number(f[11]) + Number(f[12]); // a live child (ppid is field 4)
      } catch { /* ended meanwhile */ }
    }
    return ticks / 100;
  } catch {
    return NaN;
  }
}

interface LiveResult { readonly alone: number; readonly withTandem: number; readonly lags: number[]; readonly events: number; readonly cpu: number[] }

/**
 * LIVE_CLIENTS sessions run live_load for LIVE_S seconds (with `heartbeat`, one more updates the
 * heartbeat row every 100 ms meanwhile); returns the transactions the sessions committed.
 */
async function liveLoad(source: MariaDbServer, heartbeat = false): Promise<number> {
  const before = Number((await source.sql(DB, 'SELECT COUNT(*) AS n FROM history'))[0].n);
  let beating = heartbeat;
  const beat = heartbeat ? (async () => {
    const c = await source.connect(DB);
    try {
      await c.query("SET time_zone = '+00:00'");
      while (beating) {
        await c.query('UPDATE heartbeat SET ts = NOW(6) WHERE id = 1');
        await c.query('INSERT INTO heartbeat_log (ts) VALUES (NOW(6))');
        await sleep(100);
      }
    } finally {
      await c.end();
    }
  })() : Promise.resolve();
  try {
    await Promise.all(Array.from({ length: LIVE_CLIENTS }, () => source.sql(DB, 'CALL live_load(?, ?)', [LIVE_S, LIVE_RATE / LIVE_CLIENTS])));
  } finally {
    beating = false;
    await beat;
  }
  return Number((await source.sql(DB, 'SELECT COUNT(*) AS n FROM history'))[0].n) - before;
}

function mysqlSourceFlags(s: MariaDbServer, db: string): string[] {
  return ['--source-db-type', 'mysql', '--source-db-host', s.host, '--source-db-port', String(s.port), '--source-db-user', s.user, '--source-db-name', db];
}

async function main(): Promise<void> {
  const cleanup = new Cleanup();
  try {
    say(`load average at start: ${loadAvg()}`);
    const [source, target] = await Promise.all([startMariaDb(), startPg15({ max_wal_size: '4GB', checkpoint_timeout: '30min', track_commit_timestamp: 'on' })]);
    cleanup.add('stop servers', () => Promise.all([source.stop(), target.stop()]));
    const work = mkdtempSync(join(tmpdir(), 'tandem-bench-mysql-cdc-'));
    cleanup.add('remove temp dir', () => removeDir(work));
    const dir = join(work, 'export');
    mkdirSync(dir);
    const env = { SOURCE_DB_PASSWORD: source.password, TARGET_DB_PASSWORD: target.password };

    say(`source: ${source.version}; ${ACCOUNTS} accounts ...`);
    await source.createDatabase(DB);
    await source.sql(DB, `
      CREATE TABLE accounts (aid int NOT NULL PRIMARY KEY, bid int NOT NULL, abalance int NOT NULL, filler char(84));
      CREATE TABLE history (hid bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, aid int NOT NULL, delta int NOT NULL, mtime datetime(6) NOT NULL);
      CREATE TABLE heartbeat (id int NOT NULL PRIMARY KEY, ts datetime(6) NOT NULL);
      INSERT INTO heartbeat VALUES (1, NOW(6));
      CREATE TABLE heartbeat_log (id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, ts datetime(6) NOT NULL);
      INSERT INTO accounts SELECT seq, 1 + seq DIV 100000, 0, '' FROM seq_1_to_${ACCOUNTS};
      CREATE PROCEDURE backlog(n int)
      BEGIN
        DECLARE i int DEFAULT 0;
        DECLARE a int;
        DECLARE d int;
        WHILE i < n DO
          SET a = 1 + FLOOR(RAND() * ${ACCOUNTS}), d = 1 + FLOOR(RAND() * 5000); -- never 0: an UPDATE that changes nothing writes no row event
          START TRANSACTION;
          UPDATE accounts SET abalance = abalance + d WHERE aid = a;
          INSERT INTO history (aid, delta, mtime) VALUES (a, d, NOW(6));
          COMMIT;
          SET i = i + 1;
        END WHILE;
      END;
      CREATE PROCEDURE live_load(seconds int, per_second double)
      BEGIN
        DECLARE a int;
        DECLARE d int;
        DECLARE i int DEFAULT 0;
        DECLARE ahead double;
        DECLARE started datetime(6) DEFAULT SYSDATE(6);
        DECLARE stop_at datetime(6) DEFAULT started + INTERVAL seconds SECOND;
        WHILE SYSDATE(6) < stop_at DO
          SET a = 1 + FLOOR(RAND() * ${ACCOUNTS}), d = 1 + FLOOR(RAND() * 5000);
          START TRANSACTION;
          UPDATE accounts SET abalance = abalance + d WHERE aid = a;
          INSERT INTO history (aid, delta, mtime) VALUES (a, d, NOW(6));
          COMMIT;
          SET i = i + 1;
          -- Throttled (per_second > 0): every 10 transactions, wait until the schedule catches up.
          IF per_second > 0 AND i % 10 = 0 THEN
            SET ahead = i / per_second - TIMESTAMPDIFF(MICROSECOND, started, SYSDATE(6)) / 1000000;
            IF ahead > 0 THEN DO SLEEP(ahead); END IF;
          END IF;
        END WHILE;
      END`);

    await target.createDatabase('tandem');
    const SF = mysqlSourceFlags(source, DB);
    const TF = targetFlags(target, 'tandem');
    await runTandem(['export', 'schema', '--export-dir', dir, ...SF], env);
    await runTandem(['import', 'schema', '--export-dir', dir, ...TF], env);
    const meta = new MetaView(dir);
    cleanup.add('close meta.db', () => meta.close());
    const procs: Proc[] = [];
    cleanup.add('stop tandem processes', () => Promise.all(procs.map((p) => p.stop())));
    const exporter = (profile = false) => {
      const args = ['export', 'data', 'from', 'source', '--export-dir', dir, ...SF, '--export-type', 'snapshot-and-changes'];
      const p = startTandem('export', args, env, cpuProfileArgs(profile ? process.env.BENCH_PROFILE_DIR : undefined, 'export.cpuprofile'));
      procs.push(p);
      return p;
    };
    const importer = (profile = false) => {
      const args = ['import', 'data', 'to', 'target', '--export-dir', dir, ...TF];
      const p = startTandem('import', args, env, cpuProfileArgs(profile ? process.env.BENCH_PROFILE_DIR : undefined, 'import.cpuprofile'));
      procs.push(p);
      return p;
    };

    say('tandem: snapshot export + import ...');
    let t = now();
    let ex = exporter();
    let im = importer();
    const diag = () => `${ex.tail()}\n${im.tail()}`;
    await waitFor('the snapshot to be imported', () => {
      if (!ex.running || !im.running) throw new Error(`a tandem process ended early\n${diag()}`);
      return meta.value('cdc_phase') === 'streaming' && meta.step('import_changes') === 'IN_PROGRESS';
    }, 300_000, 100, diag);
    say(`  snapshot exported and imported in ${secs(now() - t)}`);
    await Promise.all([ex.stop(), im.stop()]);
    if (meta.lastVsn() !== 0) throw new Error(`changes were queued while the source was quiet: last_vsn ${meta.lastVsn()}`);

    // The backlog, nobody reading the binlog.
    const transactions = Math.ceil(CHANGES / 2);
    say(`backlog: ${transactions} transactions of 2 row events each on the source, no capture running ...`);
    t = now();
    await source.sql(DB, 'CALL backlog(?)', [transactions]);
    const sourceMs = now() - t;
    await source.sql(DB, `UPDATE heartbeat SET ts = '${SENTINEL}' WHERE id = 1`);
    const changes = transactions * 2 + 1;
    const binlogs = await source.sql(undefined, 'SHOW BINARY LOGS');
    const binlogMb = binlogs.reduce((s: number, r: { File_size: number }) => s + Number(r.File_size), 0) / 1048576;
    say(`  source wrote ${changes - 1} row events in ${secs(sourceMs)} (${rate(changes - 1, sourceMs)} events/s, one client); ${binlogMb.toFixed(0)} MB of binlog`);

    // 1. Exporter: from its start until every row event is queued.
    say('tandem: export data from source (restart) until every row event is queued ...');
    const vsn0 = meta.lastVsn();
    t = now();
    ex = exporter(true);
    const firstAt = await waitFor('the first queued event', () => (meta.lastVsn() > vsn0 ? now() : undefined), 120_000, 10, () => ex.tail());
    await waitFor('the exporter to queue the backlog', () => {
      if (!ex.running) throw new Error(`export data ended early\n${ex.tail()}`);
      return meta.lastVsn() - vsn0 >= changes;
    }, 900_000, 25, () => ex.tail());
    const exportMs = now() - t;
    const exportCpu = cpuSeconds(ex.child.pid);
    await sleep(300);
    const queued = meta.lastVsn() - vsn0;
    await ex.stop();
    if (queued !== changes) throw new Error(`the queue holds ${queued} events for ${changes} row events`);
    say(`  ${queued} events queued in ${secs(exportMs)} (first after ${secs(firstAt - t)})`);

    // 2. Importer: from its start until its low watermark reaches the queue's end.
    say('tandem: import data to target (restart) until the backlog is applied ...');
    const last = meta.lastVsn();
    t = now();
    im = importer(true);
    await waitFor('the importer to apply the backlog', () => {
      if (!im.running) throw new Error(`import data ended early\n${im.tail()}`);
      return meta.appliedVsn('target') >= last;
    }, 900_000, 25, () => im.tail());
    const importMs = now() - t;
    const importCpu = cpuSeconds(im.child.pid);
    const seen = await target.sql('tandem', `SELECT ts = '${SENTINEL}'::timestamp AS done FROM public.heartbeat WHERE id = 1`);
    if (seen[0]?.done !== true) throw new Error('the importer reported the backlog applied, but the sentinel is not on the target');
    await im.stop();
    say(`  applied in ${secs(importMs)}`);

    // 3. The same backlog again, drained the way a user runs Tandem: exporter and importer together.
    say(`second backlog: ${transactions} transactions, then export and import started together ...`);
    await source.sql(DB, 'CALL backlog(?)', [transactions]);
    const sentinel2 = '2002-03-04 05:06:07.000000';
    await source.sql(DB, `UPDATE heartbeat SET ts = '${sentinel2}' WHERE id = 1`);
    const vsn1 = meta.lastVsn();
    // The servers' CPU while both drain: the two cores are theirs too.
    const mariadbPid = Number(readFileSync(join(source.dir, 'mariadb.pid'), 'utf8').trim());
    const pidClient = await target.client('tandem'); // its backend lives while the postmaster's pid is read
    const backend = (await pidClient.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
    const postmasterPid = Number(readFileSync(`/proc/${backend}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1]);
    await pidClient.end();
    const serversCpu0 = [cpuSeconds(mariadbPid), treeCpuSeconds(postmasterPid)];
    t = now();
    ex = exporter();
    im = importer();
    await waitFor('both to drain the second backlog', () => {
      if (!ex.running || !im.running) throw new Error(`a tandem process ended early\n${ex.tail()}\n${im.tail()}`);
      return meta.lastVsn() - vsn1 >= changes && meta.appliedVsn('target') >= vsn1 + changes;
    }, 900_000, 25, () => `${ex.tail()}\n${im.tail()}`);
    const togetherMs = now() - t;
    const togetherCpu = [cpuSeconds(ex.child.pid), cpuSeconds(im.child.pid), cpuSeconds(mariadbPid) - serversCpu0[0]!, treeCpuSeconds(postmasterPid) - serversCpu0[1]!];
    const seen2 = await target.sql('tandem', `SELECT ts = '${sentinel2}'::timestamp AS done FROM public.heartbeat WHERE id = 1`);
    if (seen2[0]?.done !== true) throw new Error('the second backlog is reported applied, but its sentinel is not on the target');
    if (meta.lastVsn() - vsn1 !== changes) throw new Error(`the queue holds ${meta.lastVsn() - vsn1} events for ${changes} row events`);
    await Promise.all([ex.stop(), im.stop()]);
    say(`  drained in ${secs(togetherMs)}`);

    let live: LiveResult | undefined;
    if (LIVE_S > 0) {
      say(`live: ${LIVE_CLIENTS} sessions for ${LIVE_S} s${LIVE_RATE > 0 ? ` at ${LIVE_RATE} transactions/s` : ''} with nothing reading the binlog ...`);
      const alone = await liveLoad(source);
      say(`  ${rate(alone, LIVE_S * 1000)} transactions/s`);
      say('live: export and import started, waiting until caught up ...');
      ex = exporter();
      im = importer();
      const quiet = meta.lastVsn();
      await waitFor('the importer to catch up', () => {
        if (!ex.running || !im.running) throw new Error(`a tandem process ended early\n${ex.tail()}\n${im.tail()}`);
        return meta.step('import_changes') === 'IN_PROGRESS' && meta.appliedVsn('target') >= quiet && meta.lastVsn() === quiet;
      }, 120_000, 50, () => `${ex.tail()}\n${im.tail()}`);
      // One heartbeat through: the importer has then checked the target's triggers and writes.
      const probe = '2003-04-05 06:07:08.000000';
      await source.sql(DB, `UPDATE heartbeat SET ts = '${probe}' WHERE id = 1`);
      await waitFor('the importer to apply a first heartbeat', async () => {
        if (!ex.running || !im.running) throw new Error(`a tandem process ended early\n${ex.tail()}\n${im.tail()}`);
        return (await target.sql('tandem', `SELECT ts = '${probe}'::timestamp AS done FROM public.heartbeat WHERE id = 1`))[0]?.done === true;
      }, 120_000, 25, () => `${ex.tail()}\n${im.tail()}`);
      say(`live: ${LIVE_CLIENTS} sessions for ${LIVE_S} s with export and import running, heartbeat every 100 ms ...`);
      const vsnLive = meta.lastVsn();
      const startedAt = Date.now();
      const cpu0 = [cpuSeconds(ex.child.pid), cpuSeconds(im.child.pid)];
      const withTandem = await liveLoad(source, true);
      const cpu1 = [cpuSeconds(ex.child.pid) - cpu0[0]!, cpuSeconds(im.child.pid) - cpu0[1]!];
      await source.sql(DB, `UPDATE heartbeat SET ts = '${SENTINEL}' WHERE id = 1`);
      await waitFor('the live run to be applied', async () => {
        if (!ex.running || !im.running) throw new Error(`a tandem process ended early\n${ex.tail()}\n${im.tail()}`);
        return (await target.sql('tandem', `SELECT ts = '${SENTINEL}'::timestamp AS done FROM public.heartbeat WHERE id = 1`))[0]?.done === true;
      }, 300_000, 25, () => `${ex.tail()}\n${im.tail()}`);
      const events = meta.lastVsn() - vsnLive;
      // ts is the source's NOW(6) in UTC (the heartbeat session's time zone), a timestamp without time zone.
      const lags = await appliedLags(target, 'tandem', 'heartbeat_log', startedAt, startedAt + LIVE_S * 1000);
      await Promise.all([ex.stop(), im.stop()]);
      live = { alone, withTandem, lags, events, cpu: cpu1 };
      say(`  ${rate(withTandem, LIVE_S * 1000)} transactions/s; ${live.lags.length} heartbeats applied`);
    }

    say('tandem compare ...');
    const cmp = await runTandem(['compare', '--export-dir', dir], env);
    const verdict = cmp.out.trim().split('\n').pop() ?? '';
    if (!/^MATCH/.test(verdict)) throw new Error(`source and target differ after the drain:\n${cmp.out}`);
    say(`  ${verdict}`);

    const drainMs = exportMs + importMs;
    say('');
    say(`== bench/mysql-cdc: ${changes} binlog row events, MariaDB ${source.version.split('-')[0]} -> PostgreSQL 15 (load average now ${loadAvg()}) ==`);
    say(`source's own write rate (1 client, 2 row events per transaction): ${rate(changes - 1, sourceMs)} events/s`);
    say(`export (binlog -> queue):                    ${secs(exportMs)}  ${rate(changes, exportMs)} events/s`);
    say(`import (queue -> target):                    ${secs(importMs)}  ${rate(changes, importMs)} events/s`);
    say(`CPU per event (start-up included): export ${(exportCpu / changes * 1e6).toFixed(1)} µs, import ${(importCpu / changes * 1e6).toFixed(1)} µs (a measure other work on the machine disturbs less than wall time)`);
    say(`drain, export then import:                   ${secs(drainMs)}  ${rate(changes, drainMs)} events/s`);
    const togetherRate = changes / (togetherMs / 1000);
    say(`drain, export and import together:           ${secs(togetherMs)}  ${rate(changes, togetherMs)} events/s (goal >= 50,000: ${togetherRate >= 50_000 ? 'met' : 'NOT met'})`);
    const us = (cpu: number) => `${(cpu / changes * 1e6).toFixed(1)} µs`;
    say(`CPU per event, together: export ${us(togetherCpu[0]!)}, import ${us(togetherCpu[1]!)}, MariaDB ${us(togetherCpu[2]!)}, PostgreSQL ${us(togetherCpu[3]!)} (2 cores = ${(2e6 / 50_000).toFixed(0)} µs per event at 50,000/s)`);
    say(`drain rate (together) / source write rate:   ${(togetherRate / ((changes - 1) / (sourceMs / 1000))).toFixed(2)}x`);
    if (live) {
      const pct = (q: number) => percentile(live!.lags, q).toFixed(0);
      say(`live, ${LIVE_CLIENTS} sessions for ${LIVE_S} s${LIVE_RATE > 0 ? ` at ${LIVE_RATE} transactions/s in all (BENCH_LIVE_RATE)` : ', unthrottled'}: the source wrote ${rate(live.alone, LIVE_S * 1000)} transactions/s alone, ${rate(live.withTandem, LIVE_S * 1000)}/s while Tandem streamed (${((live.withTandem / live.alone) * 100).toFixed(0)}% kept)`);
      say(`  lag per heartbeat, source INSERT to its commit on the target (${live.lags.length} heartbeats): p50 ${pct(50)} ms, p99 ${pct(99)} ms, max ${Math.max(...live.lags).toFixed(0)} ms`);
      say(`  CPU per event: export ${(live.cpu[0]! / Math.max(1, live.events) * 1e6).toFixed(1)} µs, import ${(live.cpu[1]! / Math.max(1, live.events) * 1e6).toFixed(1)} µs (${live.events} events)`);
    }
  } finally {
    await cleanup.run();
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
