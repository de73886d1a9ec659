/**
 * bench/apply: applies 500,000 change events of a pgbench-like workload (per transaction: update of
 * an account, a teller and a branch balance, one history insert) from memory through
 * ChangeDispatcher + PgChangeTarget into a throw-away PostgreSQL 15 (`pgbench -i -s 10` tables;
 * history gets a primary key), and prints events/s.
 *
 * Usage: npx tsc -p . && node dist/bench/apply/run.js
 *        (BENCH_EVENTS, BENCH_SCALE, BENCH_CHANNELS=4, BENCH_BATCH=2000; a comma list of channel
 *        counts runs each on a fresh copy of the tables)
 */
import { spawnSync } from 'node:child_process';
import { startPg15 } from '../../test/helpers/pg-server.js';
import type { ChangeEvent } from '../../src/core/change-event.js';
import { PgChangeTarget } from '../../src/adapters/postgres/change-applier.js';
import type { AppliedTable } from '../../src/core/apply/batch-plan.js';
import { ChangeDispatcher } from '../../src/workflow/cdc/change-dispatcher.js';
import { benchNumber, benchNumbers } from '../env.js';

const EVENTS = benchNumber('BENCH_EVENTS', 500000, { min: 1 });
const SCALE = benchNumber('BENCH_SCALE', 10, { min: 1 });
const CHANNELS = benchNumbers('BENCH_CHANNELS', [4], { min: 1 });
const BATCH = benchNumber('BENCH_BATCH', 2000, { min: 1 });
const PGBENCH = '/usr/lib/postgresql/15/bin/pgbench';

const TABLES: AppliedTable[] = [
  { schema: 'public', name: 'pgbench_accounts', primaryKey: ['aid'], columns: ['aid', 'bid', 'abalance', 'filler'] },
  { schema: 'public', name: 'pgbench_tellers', primaryKey: ['tid'], columns: ['tid', 'bid', 'tbalance', 'filler'] },
  { schema: 'public', name: 'pgbench_branches', primaryKey: ['bid'], columns: ['bid', 'bbalance', 'filler'] },
  { schema: 'public', name: 'pgbench_history', primaryKey: ['hid'], columns: ['hid', 'tid', 'bid', 'aid', 'delta', 'mtime', 'filler'] },
];

/** The events pgoutput would deliver for pgbench's tpcb-like transactions (full new rows). */
function workload(count: number): ChangeEvent[] {
  let seed = 12345;
  const rnd = (n: number) => 1 + Math.floor(((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) * n);
  const accounts = new Map<number, number>();
  const tellers = new Map<number, number>();
  const branches = new Map<number, number>();
  const out: ChangeEvent[] = [];
  const accountFiller = ' '.repeat(84);
  let vsn = 0;
  for (let tx = 1; out.length < count; tx++) {
    const aid = rnd(100000 * SCALE);
    const tid = rnd(10 * SCALE);
    const bid = rnd(SCALE);
    const delta = rnd(10001) - 5001;
    const ab = (accounts.get(aid) ?? 0) + delta;
    const tb = (tellers.get(tid) ?? 0) + delta;
    const bb = (branches.get(bid) ?? 0) + delta;
    accounts.set(aid, ab);
    tellers.set(tid, tb);
    branches.set(bid, bb);
    const position = String(tx).padStart(16, '0');
    const txId = String(tx);
    const ev = (op: 'u' | 'c', table: string, key: Record<string, string>, after: Record<string, string | null>): ChangeEvent =>
      ({ vsn: ++vsn, op, schema: 'public', table, key, after, position, txId });
    out.push(ev('u', 'pgbench_accounts', { aid: String(aid) }, { aid: String(aid), bid: String(Math.ceil(aid / 100000)), abalance: String(ab), filler: accountFiller }));
    out.push(ev('u', 'pgbench_tellers', { tid: String(tid) }, { tid: String(tid), bid: String(Math.ceil(tid / 10)), tbalance: String(tb), filler: null }));
    out.push(ev('u', 'pgbench_branches', { bid: String(bid) }, { bid: String(bid), bbalance: String(bb), filler: null }));
    out.push(ev('c', 'pgbench_history', { hid: String(tx) }, {
      hid: String(tx), tid: String(tid), bid: String(bid), aid: String(aid), delta: String(delta), mtime: '2024-05-01 12:00:00.123456', filler: null,
    }));
  }
  return out.slice(0, count);
}

async function main(): Promise<void> {
  const server = await startPg15({ max_wal_size: '4GB', checkpoint_timeout: '30min' });
  try {
    const events = workload(EVENTS);
    for (const channels of CHANNELS) {
      const db = `bench_${channels}`;
      await server.createDatabase(db);
      const r = spawnSync(PGBENCH, ['-i', '-q', '-s', String(SCALE), '-h', server.host, '-p', String(server.port), '-U', server.user, db], {
        env: { ...process.env, PGPASSWORD: server.password }, encoding: 'utf8',
      });
      if (r.status !== 0) throw new Error(`pgbench -i failed: ${r.stderr}`);
      await server.sql(db, 'ALTER TABLE pgbench_history ADD COLUMN hid bigint PRIMARY KEY');
      await server.sql(db, 'VACUUM ANALYZE');
      await server.sql(db, 'CHECKPOINT');
      const target = new PgChangeTarget({ type: 'postgresql', host: server.host, port: server.port, user: server.user, password: server.password, database: db, schemas: ['public'], role: 'target' }, { tables: TABLES });
      try {
        const dispatcher = new ChangeDispatcher(target, { migrationUuid: '7d1c2b3a-0000-4000-8000-000000000001', channels, batchSize: BATCH });
        async function* source() {
          for (let i = 0; i < events.length; i += 5000) yield events.slice(i, i + 5000);
        }
        const t0 = process.hrtime.bigint();
        const s = await dispatcher.run(source());
        const sec = Number(process.hrtime.bigint() - t0) / 1e9;
        const rate = Math.round(s.applied / sec);
        process.stdout.write(`channels=${channels} batch=${BATCH}: ${s.applied} events in ${sec.toFixed(1)} s = ${rate} events/s (conflicts ${s.conflicts}, peak RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MB)\n`);
      } finally {
        await target.close();
      }
      const check = await server.sql(db, 'SELECT (SELECT count(*)::int FROM pgbench_history) AS h, (SELECT sum(abalance)::bigint FROM pgbench_accounts) AS a, (SELECT sum(delta)::bigint FROM pgbench_history) AS d');
      if (check[0].h !== EVENTS / 4 || check[0].a !== check[0].d) throw new Error(`result check failed: ${JSON.stringify(check)}`);
    }
  } finally {
    await server.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
