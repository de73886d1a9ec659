/**
 * A deterministic (seeded) write workload for live-migration tests: inserts, updates of small and
 * large (TOASTed) columns, primary-key updates, deletes, multi-table transactions and unique-key
 * swaps, on the tables created by `WORKLOAD_DDL`. The same seed gives the same statements.
 */
import type pg from 'pg';
import type { PgServer } from './pg-server.js';

export const WORKLOAD_SCHEMA = 'w';

export function workloadDdl(bigRows: number): string {
  return `CREATE SCHEMA w;
    CREATE TABLE w.accounts (id int PRIMARY KEY, uk text NOT NULL UNIQUE, balance numeric(20,6) NOT NULL DEFAULT 0, note text, big text);
    CREATE TABLE w.items (id bigint PRIMARY KEY, account_id int NOT NULL, qty int NOT NULL, payload jsonb, at timestamptz DEFAULT '2024-01-01');
    CREATE TABLE w.big (id int PRIMARY KEY, v text NOT NULL);
    INSERT INTO w.accounts SELECT g, 'uk' || g, g * 1.5, CASE WHEN g % 3 = 0 THEN NULL ELSE 'n' || g END,
        CASE WHEN g % 4 = 0 THEN (SELECT string_agg(md5(g::text || x::text), '') FROM generate_series(1, 200) x) END
      FROM generate_series(1, 200) g;
    INSERT INTO w.items SELECT g, 1 + g % 200, g % 17, jsonb_build_object('g', g, 's', repeat('é', g % 5)) FROM generate_series(1, 500) g;
    INSERT INTO w.big SELECT g, md5(g::text) FROM generate_series(1, ${bigRows}) g;`;
}

/** mulberry32: a small seeded PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface WorkloadStats { transactions: number; errors: number; lastError?: string }

/**
 * Runs the SQL `step()` returns, one transaction per step, on one connection until `stop()`. A
 * failed step is rolled back; when the connection itself is gone (pg_terminate_backend in a test,
 * say) the next step reconnects.
 */
export function runSteps(server: PgServer, db: string, step: () => string, pauseMs: number): { stop: () => Promise<WorkloadStats>; stats: WorkloadStats } {
  const stats: WorkloadStats = { transactions: 0, errors: 0 };
  let stopped = false;
  const run = (async () => {
    let client: pg.Client | undefined;
    while (!stopped) {
      try {
        client ??= await server.client(db);
        await client.query(step());
        stats.transactions++;
      } catch (e) {
        stats.errors++;
        stats.lastError = (e as Error).message;
        if (!(await client?.query('ROLLBACK').then(() => true, () => false))) {
          await client?.end().catch(() => {});
          client = undefined;
        }
      }
      if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
    }
    await client?.end().catch(() => {});
  })();
  return {
    stats,
    async stop() {
      stopped = true;
      await run;
      return stats;
    },
  };
}

/**
 * Runs the workload on `db` until `stop()` is called. One connection; each step is one transaction.
 * A connection error (for example pg_terminate_backend in a test) reconnects.
 */
export function runWorkload(server: PgServer, db: string, seed: number, opts: { pauseMs?: number } = {}): { stop: () => Promise<WorkloadStats>; stats: WorkloadStats } {
  const rnd = prng(seed);
  const pick = (n: number) => Math.floor(rnd() * n);
  let nextAccount = 100_000;
  let nextItem = 100_000;
  const bigText = (n: number) => `(SELECT string_agg(md5('${n}' || x::text), '') FROM generate_series(1, ${100 + (n % 300)}) x)`;
  const step = (): string => {
    const a = 1 + pick(220);
    const b = 1 + pick(220);
    switch (pick(9)) {
      case 0: return `INSERT INTO w.accounts (id, uk, balance, note) VALUES (${nextAccount}, 'new${nextAccount++}', ${pick(1000)}.${pick(1000000)}, ${rnd() < 0.3 ? 'NULL' : rnd() < 0.5 ? "''" : "'x'"})`;
      case 1: return `UPDATE w.accounts SET balance = balance + ${pick(100)}.000001, note = 'u${pick(99)}' WHERE id IN (${a}, ${b})`;
      case 2: return `UPDATE w.accounts SET big = ${bigText(a)} WHERE id = ${a}`;
      case 3: return `UPDATE w.accounts SET id = ${nextAccount++} WHERE id = (SELECT id FROM w.accounts WHERE id % 7 = ${pick(7)} ORDER BY id LIMIT 1 OFFSET ${pick(5)})`;
      case 4: return `DELETE FROM w.items WHERE id IN (SELECT id FROM w.items ORDER BY id LIMIT 2 OFFSET ${pick(400)})`;
      case 5: return `BEGIN;
        INSERT INTO w.accounts (id, uk, big) VALUES (${nextAccount}, 'tx${nextAccount}', ${rnd() < 0.5 ? bigText(nextAccount) : 'NULL'});
        INSERT INTO w.items (id, account_id, qty, payload) VALUES (${nextItem++}, ${nextAccount}, 1, '{"tx": true}'), (${nextItem++}, ${nextAccount++}, 2, NULL);
        UPDATE w.items SET qty = qty + 1, at = at + interval '1.000001 second' WHERE account_id = ${a};
        DELETE FROM w.accounts WHERE id = (SELECT max(id) FROM w.accounts WHERE id < 100000 AND id % 11 = ${pick(11)});
        COMMIT;`;
      case 6: // unique-key swap between two rows, through a temporary value
        return `BEGIN;
        CREATE TEMP TABLE IF NOT EXISTS swp (i int, iu text, j int, ju text) ON COMMIT DELETE ROWS;
        INSERT INTO swp SELECT x.id, x.uk, y.id, y.uk FROM w.accounts x, w.accounts y
          WHERE x.id = (SELECT min(id) FROM w.accounts WHERE id >= ${a}) AND y.id = (SELECT min(id) FROM w.accounts WHERE id >= ${b}) AND x.id <> y.id;
        UPDATE w.accounts t SET uk = 'swap-tmp' FROM swp WHERE t.id = swp.i;
        UPDATE w.accounts t SET uk = swp.iu FROM swp WHERE t.id = swp.j;
        UPDATE w.accounts t SET uk = swp.ju FROM swp WHERE t.id = swp.i;
        COMMIT;`;
      case 7: {
        const base = nextItem;
        nextItem += 21;
        return `INSERT INTO w.items (id, account_id, qty, payload) SELECT ${base} + g, ${a}, g, jsonb_build_object('k', g) FROM generate_series(0, ${pick(20)}) g`;
      }
      default: return `UPDATE w.big SET v = md5(v) WHERE id % 1000 = ${pick(1000)} AND id < 5000`;
    }
  };
  return runSteps(server, db, step, opts.pauseMs ?? 0);
}
