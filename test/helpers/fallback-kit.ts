/**
 * Helpers for the cutover and fall-back tests: a migration of the sample database between two test
 * servers driven through the built CLI, a seeded application workload on the sample tables (it uses
 * every kind of sequence: serial, bigserial, identity ALWAYS / BY DEFAULT, a sequence default), and
 * the checks those tests share (ordered checksums, slots, publications).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, after } from 'node:test';
import { startPg15, type PgServer } from './pg-server.js';
import { runTandem, newExportDir, sourceFlags, targetFlags, type CliResult } from './cli.js';
import { tableChecksums } from './table-checksum.js';
import { cutoverStatus, killAll, startTandem, tail, type CutoverRow, type TandemProcess } from './live-process.js';
import { prng, runSteps, type WorkloadStats } from './live-workload.js';

export const SAMPLE_SCHEMAS = ['shop', 'analytics', 'Ops'];
export const SAMPLE_SQL = readFileSync(new URL('../../../test/fixtures/sample-db.sql', import.meta.url), 'utf8');

/**
 * For a test file: starts a source and a target PostgreSQL 15 before its tests (handing them to
 * `onStart`) and, after them, kills every tandem process still running and stops both servers.
 */
export function sourceAndTargetServers(onStart: (source: PgServer, target: PgServer) => void): void {
  let servers: PgServer[] = [];
  before(async () => {
    servers = await Promise.all([startPg15(), startPg15()]);
    onStart(servers[0]!, servers[1]!);
  });
  after(async () => {
    await killAll();
    await Promise.all(servers.map((x) => x.stop()));
  });
}

/** One migration of the sample database from `s`/`sdb` to `t`/`tdb`, in its own export dir. */
export class SampleMigration {
  readonly dir = newExportDir();
  readonly env: Record<string, string>;
  readonly SF: string[];
  readonly TF: string[];

  constructor(readonly s: PgServer, readonly sdb: string, readonly t: PgServer, readonly tdb: string) {
    this.env = { SOURCE_DB_PASSWORD: s.password, TARGET_DB_PASSWORD: t.password, TANDEM_METRICS_INTERVAL_MS: '2000' };
    this.SF = sourceFlags(s, sdb, 'shop,analytics,"Ops"');
    this.TF = targetFlags(t, tdb);
  }

  /** Creates both databases, loads the sample into the source. */
  async createDatabases(): Promise<void> {
    await Promise.all([this.s.createDatabase(this.sdb), this.t.createDatabase(this.tdb)]);
    await this.s.sql(this.sdb, SAMPLE_SQL);
  }

  run(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
    return runTandem([...args, '--export-dir', this.dir], { ...this.env, ...env });
  }

  /** Runs a command that must succeed; returns its stdout. */
  async ok(args: string[]): Promise<string> {
    const r = await this.run(args);
    assert.equal(r.code, 0, `tandem ${args.join(' ')} exited ${r.code}:\n${r.stdout.slice(-2000)}\n${r.stderr}`);
    return r.stdout;
  }

  async schema(): Promise<void> {
    await this.ok(['export', 'schema', ...this.SF]);
    await this.ok(['import', 'schema', ...this.TF]);
  }

  exportArgs(): string[] {
    return ['export', 'data', 'from', 'source', '--export-dir', this.dir, ...this.SF, '--export-type', 'snapshot-and-changes'];
  }

  importArgs(): string[] {
    return ['import', 'data', 'to', 'target', '--export-dir', this.dir, ...this.TF];
  }

  status(): Promise<CutoverRow[]> {
    return cutoverStatus(this.dir, this.env);
  }

  async statusOf(direction: 'cutover to target' | 'cutover to source'): Promise<CutoverRow & { detail: Record<string, any>; waiting_for?: string | null }> {
    return (await this.status()).find((r) => r.direction === direction) as any;
  }

  /** Table differences between source and target ('' when every table is equal). */
  async diff(): Promise<string> {
    const [a, b] = await Promise.all([tableChecksums(this.s, this.sdb, SAMPLE_SCHEMAS), tableChecksums(this.t, this.tdb, SAMPLE_SCHEMAS)]);
    assert.ok(a.size >= 8, `expected the sample tables, got ${[...a.keys()].join(', ')}`);
    const keys = new Set([...a.keys(), ...b.keys()]);
    return [...keys].filter((k) => a.get(k) !== b.get(k)).map((k) => `${k}: source ${a.get(k)} target ${b.get(k)}`).join('; ');
  }
}

/** Replication slots of one database (or of the whole server). */
export async function slotsOf(server: PgServer, db?: string): Promise<{ slot_name: string; database: string; active: boolean }[]> {
  return server.sql('postgres', `SELECT slot_name, database, active FROM pg_replication_slots ${db ? 'WHERE database = $1' : ''} ORDER BY 1`, db ? [db] : []);
}

export async function publicationsOf(server: PgServer, db: string): Promise<string[]> {
  return (await server.sql(db, 'SELECT pubname FROM pg_publication ORDER BY 1')).map((r) => String(r.pubname));
}

/**
 * One insert into every table fed by a sequence, without giving the key: a sequence behind the data
 * fails with a unique violation. Returns the new keys.
 */
export async function insertWithSequences(server: PgServer, db: string, tag: string): Promise<Record<string, string>> {
  const c = await server.client(db);
  try {
    await c.query('BEGIN');
    const cust = (await c.query(`INSERT INTO shop.customers (email, full_name) VALUES ($1, $2) RETURNING customer_id`, [`seq-${tag}@x.io`, `Seq ${tag}`])).rows[0].customer_id;
    const ord = (await c.query(`INSERT INTO shop.orders (customer_id, ordered_on) VALUES ($1, '2025-01-01') RETURNING order_id, invoice_no`, [cust])).rows[0];
    const prod = (await c.query(`INSERT INTO shop.products (sku, name, price) VALUES ($1, 'seq', 1) RETURNING product_id`, [`SEQ-${tag}`])).rows[0].product_id;
    await c.query(`INSERT INTO shop.order_items (order_id, line_no, product_id, quantity, unit_price) VALUES ($1, 1, $2, 1, 1)`, [ord.order_id, prod]);
    const ship = (await c.query(`INSERT INTO shop.shipments (order_id, line_no) VALUES ($1, 1) RETURNING shipment_id`, [ord.order_id])).rows[0].shipment_id;
    const audit = (await c.query(`INSERT INTO "Ops"."AuditLog" ("user", "order") VALUES ($1, $2) RETURNING "Id"`, [`seq-${tag}`, ord.order_id])).rows[0].Id;
    await c.query('COMMIT');
    return { customer: String(cust), order: String(ord.order_id), invoice: String(ord.invoice_no), product: String(prod), shipment: String(ship), audit: String(audit) };
  } catch (e) {
    await c.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    await c.end();
  }
}

/** The seeded PRNG of the live-migration tests (mulberry32). */
export const seeded = prng;

/**
 * The application: a seeded stream of transactions on the sample tables, on one connection, until
 * stopped. Inserts use the tables' sequences; order items fire the sample's trigger; there are
 * updates, deletes, a primary-key update (daily_totals.day), a unique-key swap (products.sku) and
 * deletes/updates on the partitioned events table. `tag` keeps the unique values of two sides apart.
 */
export function runApp(server: PgServer, db: string, seed: number, tag: string, pauseMs = 5): { stop: () => Promise<WorkloadStats>; stats: WorkloadStats } {
  const rnd = seeded(seed);
  const pick = (n: number) => Math.floor(rnd() * n);
  let n = 0;
  const step = (): string => {
    n++;
    switch (pick(12)) {
      case 0: return `INSERT INTO shop.customers (email, full_name, city) VALUES ('app-${tag}-${n}@x.io', 'App ${tag} ${n}', ${rnd() < 0.3 ? 'NULL' : `'c${pick(50)}'`})`;
      case 1: return `INSERT INTO shop.orders (customer_id, status, ordered_on, total, note) VALUES (${1 + pick(500)}, 'new', '2025-02-0${1 + pick(9)}', ${pick(100000)}.${pick(100)}, 'app ${tag}')`;
      case 2: return `INSERT INTO shop.order_items (order_id, line_no, product_id, quantity, unit_price)
          SELECT o, coalesce((SELECT max(line_no) FROM shop.order_items WHERE order_id = o), 0) + 1, ${10 * (1 + pick(200))}, ${1 + pick(5)}, ${pick(90)}.99
            FROM (SELECT max(order_id) AS o FROM shop.orders) x`;
      case 3: return `UPDATE shop.customers SET city = 'u${n}', nickname = ${rnd() < 0.5 ? 'NULL' : `'nk${n}'`} WHERE customer_id IN (${1 + pick(500)}, ${1 + pick(500)})`;
      case 4: return `DELETE FROM shop.order_items WHERE order_id = ${401 + pick(800)} AND line_no = 2`;
      case 5: return `UPDATE analytics.daily_totals SET day = day + 1000, orders = orders + 1 WHERE day = (SELECT min(day) FROM analytics.daily_totals)`;
      case 6: {
        const a = 10 * (1 + pick(200));
        const b = 10 * (1 + pick(200));
        return `DO $$ DECLARE sa text; sb text; BEGIN
            SELECT sku INTO sa FROM shop.products WHERE product_id = ${a};
            SELECT sku INTO sb FROM shop.products WHERE product_id = ${b};
            IF sa IS NULL OR sb IS NULL OR ${a} = ${b} THEN RETURN; END IF;
            UPDATE shop.products SET sku = 'swap-tmp' WHERE product_id = ${a};
            UPDATE shop.products SET sku = sa WHERE product_id = ${b};
            UPDATE shop.products SET sku = sb WHERE product_id = ${a};
          END $$`;
      }
      case 7: return `INSERT INTO "Ops"."AuditLog" ("user", "order", details) VALUES ('app-${tag}', ${rnd() < 0.5 ? 'NULL' : 1 + pick(300)}, '{"n": ${n}}')`;
      case 8: return `BEGIN;
          INSERT INTO shop.products (sku, name, price, attributes) VALUES ('APP-${tag}-${n}', 'App product ${n}', ${pick(1000)}.5, '{"app": true}');
          INSERT INTO shop.shipments (order_id, line_no, carrier) VALUES (${1 + pick(1200)}, 1, 'app ${tag}');
          COMMIT;`;
      case 9: return `DELETE FROM analytics.events WHERE event_id = ${1 + pick(3000)}`;
      case 10: return `UPDATE analytics.events SET payload = jsonb_build_object('app', '${tag}', 'n', ${n}) WHERE event_id = ${1 + pick(3000)}`;
      default: return `UPDATE shop.orders SET status = 'paid', total = total + 1 WHERE order_id = ${1 + pick(1200)}`;
    }
  };
  return runSteps(server, db, step, pauseMs);
}

/** Polls `cutover status` until `direction` is COMPLETED; fails at once if a watched process exits with an error. */
export async function waitCompleted(m: SampleMigration, direction: 'cutover to target' | 'cutover to source', procs: (TandemProcess | undefined)[], timeoutMs = 90_000): Promise<CutoverRow> {
  const until = Date.now() + timeoutMs;
  let last: CutoverRow | undefined;
  while (Date.now() < until) {
    for (const p of procs) {
      if (p?.exited()) {
        const code = await p.done;
        if (code !== 0) throw new Error(`tandem ${p.args.slice(0, 4).join(' ')} exited with ${code} while waiting for ${direction}:\n${tail(p.output())}`);
      }
    }
    last = await m.statusOf(direction);
    if (last.status === 'COMPLETED') return last;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`timeout waiting for ${direction} COMPLETED; last: ${JSON.stringify(last)}`);
}

/**
 * Runs `body` with the exporter and importer of a fresh migration of the sample (databases `sdb` on
 * `s` and `tdb` on `t`) started; adds both outputs to the error if it fails; kills both at the end.
 * `importerEnv` and `exporterEnv` add to the processes' environments.
 */
export async function withSampleLiveMigration(s: PgServer, t: PgServer, sdb: string, tdb: string,
  body: (m: SampleMigration, ex: TandemProcess, im: TandemProcess) => Promise<void>, importerEnv: Record<string, string> = {}, exporterEnv: Record<string, string> = {}): Promise<void> {
  const m = new SampleMigration(s, sdb, t, tdb);
  let ex: TandemProcess | undefined;
  let im: TandemProcess | undefined;
  try {
    await m.createDatabases();
    await m.schema();
    ex = startTandem(m.exportArgs(), { ...m.env, ...exporterEnv });
    im = startTandem(m.importArgs(), { ...m.env, ...importerEnv });
    await body(m, ex, im);
  } catch (e) {
    for (const [name, p] of Object.entries({ 'export data from source': ex, 'import data to target': im })) (e as Error).message += `\n--- ${name}:\n${tail(p?.output() ?? '')}`;
    throw e;
  } finally {
    await Promise.all([ex?.kill('SIGKILL'), im?.kill('SIGKILL')]);
  }
}
