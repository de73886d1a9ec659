/**
 * `npm run demo`: the whole live migration with fall-back from the spec, on two embedded PostgreSQL
 * servers (a source, and a target standing in for YugabyteDB), through the real `tandem` CLI:
 * schema, snapshot and streaming while an application writes, cutover to the target, writes on the
 * target, cutover back to the source, verification, report, end of the migration.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startEmbeddedServer, type EmbeddedServer } from './embedded-server.js';
import { demoCli, phase, sleep } from './demo-cli.js';

const SAMPLE = fileURLToPath(new URL('../../test/fixtures/sample-db.sql', import.meta.url));
const PASSWORD = 'demo-password';
const ENV = { ...process.env, SOURCE_DB_PASSWORD: PASSWORD, TARGET_DB_PASSWORD: PASSWORD, TANDEM_METRICS_INTERVAL_MS: '5000' };
const { tandem, background, waitForCutover } = demoCli(ENV);


async function withClient<T>(server: EmbeddedServer, db: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ host: server.host, port: server.port, user: server.user, password: PASSWORD, database: db });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** The application: a few orders-and-customers changes per tick, on whichever database is live. */
async function applicationWrites(server: EmbeddedServer, db: string, label: string, seconds: number): Promise<number> {
  let n = 0;
  const until = Date.now() + seconds * 1000;
  await withClient(server, db, async (c) => {
    while (Date.now() < until) {
      await c.query('BEGIN');
      const r = await c.query(`INSERT INTO shop.customers (email, full_name, city) VALUES ($1, $2, 'Basel') RETURNING customer_id`, [`${label}${n}@example.com`, `${label} customer ${n}`]);
      await c.query(`INSERT INTO shop.orders (customer_id, status, ordered_on, total) VALUES ($1, 'new', current_date, 42.50)`, [r.rows[0].customer_id]);
      await c.query(`UPDATE shop.products SET attributes = attributes || jsonb_build_object('seen', $1::int) WHERE product_id = (SELECT min(product_id) FROM shop.products) + 10 * ($1::int % 20)`, [n]);
      if (n % 5 === 0) await c.query(`DELETE FROM analytics.daily_totals WHERE day = (SELECT min(day) FROM analytics.daily_totals)`);
      await c.query('COMMIT');
      n++;
      await sleep(20);
    }
  });
  return n;
}


async function main(): Promise<void> {
  const started = Date.now();
  const children: ChildProcess[] = [];
  phase('PREPARE', 'two embedded PostgreSQL servers: the source, and the target standing in for YugabyteDB');
  const [source, target] = await Promise.all([startEmbeddedServer(PASSWORD, 'demo-source'), startEmbeddedServer(PASSWORD, 'demo-target')]);
  try {
    process.stdout.write(`source: 127.0.0.1:${source.port} (wal_level = logical)   target: 127.0.0.1:${target.port}\n`);
    await withClient(source, 'postgres', (c) => c.query('CREATE DATABASE shop'));
    await withClient(target, 'postgres', (c) => c.query('CREATE DATABASE shop_yb'));
    await withClient(source, 'shop', (c) => c.query(readFileSync(SAMPLE, 'utf8')));
    process.stdout.write('Loaded the sample shop database (schemas shop, analytics, "Ops") into the source.\n');

    const exportDir = mkdtempSync(join(tmpdir(), 'tandem-demo-export-'));
    const src = ['--source-db-type', 'postgresql', '--source-db-host', '127.0.0.1', '--source-db-port', String(source.port),
      '--source-db-user', 'postgres', '--source-db-name', 'shop', '--source-db-schema', 'shop,analytics,"Ops"'];
    const tgt = ['--target-db-host', '127.0.0.1', '--target-db-port', String(target.port), '--target-db-user', 'postgres', '--target-db-name', 'shop_yb'];
    const dir = ['--export-dir', exportDir];

    phase('SCHEMA', 'export, analyze, import');
    await tandem(['export', 'schema', ...dir, ...src]);
    await tandem(['analyze-schema', ...dir, '--output-format', 'txt']);
    await tandem(['import', 'schema', ...dir, ...tgt]);

    phase('LIVE MIGRATION', 'snapshot, then every change, while the application keeps writing to the source');
    const app = applicationWrites(source, 'shop', 'src', 8);
    children.push(background('export data from source', ['export', 'data', 'from', 'source', ...dir, ...src, '--export-type', 'snapshot-and-changes']));
    children.push(background('import data to target', ['import', 'data', 'to', 'target', ...dir, ...tgt]));
    const written = await app;
    process.stdout.write(`\nThe application made ${written} transactions on the source during the migration.\n`);
    await tandem(['import', 'schema', ...dir, ...tgt, '--post-snapshot-import', 'true']);

    phase('CUTOVER TO TARGET', 'the application stops writing to the source; switch, and prepare for fall-back');
    await tandem(['initiate', 'cutover', 'to', 'target', ...dir, '--prepare-for-fall-back', 'true']);
    await waitForCutover(dir, 'cutover to target');
    await tandem(['cutover', 'status', ...dir]);

    phase('ON THE TARGET', 'the application now writes to the target; Tandem keeps the source in step');
    const onTarget = await applicationWrites(target, 'shop_yb', 'tgt', 4);
    process.stdout.write(`The application made ${onTarget} transactions on the target (new ids from the restored sequences).\n`);

    phase('CUTOVER TO SOURCE', 'switch back: the target stops, the source receives the rest');
    await tandem(['initiate', 'cutover', 'to', 'source', ...dir]);
    await waitForCutover(dir, 'cutover to source');
    await tandem(['cutover', 'status', ...dir]);
    const exits = await Promise.all(children.map((c) => new Promise<number | null>((r) => (c.exitCode !== null ? r(c.exitCode) : c.on('close', r)))));
    process.stdout.write(`Both background processes finished (exit codes ${exits.join(', ')}).\n`);

    phase('VERIFY', 'every table on both databases: row count and checksum');
    await tandem(['compare', ...dir]);

    phase('REPORT', 'rows and changes per table and database');
    await tandem(['get', 'data-migration-report', ...dir]);

    phase('END', 'clean up slots, publications, metadata and the export dir');
    await tandem(['end', 'migration', ...dir, '--backup-log-files', 'false', '--backup-data-files', 'false',
      '--backup-schema-files', 'false', '--save-migration-reports', 'false', '--yes']);
    process.stdout.write(`\nDemo finished in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGINT');
    await Promise.all([source.stop(), target.stop()]);
  }
}

main().catch((e) => {
  process.stderr.write(`demo failed: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
