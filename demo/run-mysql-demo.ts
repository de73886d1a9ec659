/**
 * `npm run demo:mysql`: the spec's whole live migration with fall-back from MariaDB (Debian's
 * `mariadbd`, started by Tandem's test helper in a temp dir on a free port, row binlog and GTIDs)
 * into an embedded PostgreSQL standing in for YugabyteDB, through the real `tandem` CLI: schema
 * converted from MySQL's catalog, snapshot at one consistent point and then the binlog while an
 * application writes, cutover to the target prepared for fall-back, writes on the target streamed
 * back into MariaDB, cutover back, verification across the two engines, report, end of migration.
 *
 * MariaDB's server binaries come from Debian's `mariadb-server` package; when they are missing the
 * demo installs them (as root) with `scripts/install-system-packages.sh`, or says how.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type mysql from 'mysql2/promise';
import pg from 'pg';
import { startEmbeddedServer, type EmbeddedServer } from './embedded-server.js';
import { demoCli, phase, sleep, type DemoCli } from './demo-cli.js';

const INSTALL = fileURLToPath(new URL('../../scripts/install-system-packages.sh', import.meta.url));
const PASSWORD = 'demo-password';


/** MariaDB's server binaries, installed from Debian's packages when missing (root only). */
function ensureMariaDb(): void {
  if (existsSync('/usr/sbin/mariadbd')) return;
  if (process.getuid?.() !== 0) {
    throw new Error('MariaDB\'s server is not installed (/usr/sbin/mariadbd). Install Debian\'s mariadb-server package (sudo sh scripts/install-system-packages.sh), then run the demo again.');
  }
  process.stdout.write('MariaDB\'s server is not installed: installing Debian\'s mariadb-server (the system service is not started) ...\n');
  const r = spawnSync('sh', [INSTALL], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('installing mariadb-server failed (see above)');
}

const SCHEMA = `
CREATE TABLE customers (
  id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  email varchar(120) NOT NULL UNIQUE,
  full_name varchar(100) NOT NULL,
  city varchar(40) NULL,
  vip tinyint(1) NOT NULL DEFAULT 0,
  joined datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
) ENGINE=InnoDB;
CREATE TABLE products (
  id smallint NOT NULL AUTO_INCREMENT PRIMARY KEY,
  sku char(12) NOT NULL UNIQUE,
  price decimal(10,2) NOT NULL CHECK (price >= 0),
  tags set('new','sale','eco') NOT NULL DEFAULT '',
  attributes json NULL
) ENGINE=InnoDB;
CREATE TABLE orders (
  id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id int unsigned NOT NULL,
  product_id smallint NOT NULL,
  status enum('new','paid','shipped') NOT NULL DEFAULT 'new',
  total decimal(12,2) NOT NULL,
  placed_at timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  KEY orders_customer (customer_id),
  CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id),
  CONSTRAINT orders_product_fk FOREIGN KEY (product_id) REFERENCES products (id)
) ENGINE=InnoDB;
INSERT INTO customers (email, full_name, city, vip)
  SELECT CONCAT('c', seq, '@example.com'), CONCAT('Customer ', seq, IF(seq % 10 = 0, ' Müller', '')), IF(seq % 4 = 0, NULL, CONCAT('city', seq % 30)), seq % 7 = 0 FROM seq_1_to_2000;
INSERT INTO products (sku, price, tags, attributes)
  SELECT CONCAT('SKU-', LPAD(seq, 8, '0')), seq * 1.25, ELT(1 + seq % 4, '', 'new', 'sale,eco', 'eco'), IF(seq % 3 = 0, NULL, JSON_OBJECT('colour', ELT(1 + seq % 3, 'red', 'green', 'blue'), 'weight', seq / 10)) FROM seq_1_to_300;
INSERT INTO orders (customer_id, product_id, status, total)
  SELECT 1 + seq % 2000, 1 + seq % 300, ELT(1 + seq % 3, 'new', 'paid', 'shipped'), (seq % 500) + 0.99 FROM seq_1_to_20000;
`;

/** The application on MariaDB: a customer, an order and an update per transaction. */
async function writesOnMariaDb(connect: () => Promise<mysql.Connection>, label: string, seconds: number): Promise<number> {
  const c = await connect();
  let n = 0;
  try {
    for (const until = Date.now() + seconds * 1000; Date.now() < until; n++) {
      await c.query('START TRANSACTION');
      const [r] = await c.query('INSERT INTO customers (email, full_name, city) VALUES (?, ?, ?)', [`${label}${n}@example.com`, `${label} customer ${n}`, 'Basel']);
      await c.query('INSERT INTO orders (customer_id, product_id, total) VALUES (?, ?, 42.50)', [(r as { insertId: number }).insertId, 1 + (n % 300)]);
      await c.query("UPDATE products SET attributes = JSON_SET(COALESCE(attributes, '{}'), '$.seen', ?) WHERE id = ?", [n, 1 + (n % 300)]);
      await c.query('COMMIT');
      await sleep(20);
    }
  } finally {
    await c.end();
  }
  return n;
}

/** The application on the target (PostgreSQL): the same kinds of change, new ids from the identity columns. */
async function writesOnTarget(server: EmbeddedServer, db: string, seconds: number): Promise<number> {
  const c = new pg.Client({ host: server.host, port: server.port, user: server.user, password: PASSWORD, database: db });
  await c.connect();
  let n = 0;
  try {
    for (const until = Date.now() + seconds * 1000; Date.now() < until; n++) {
      await c.query('BEGIN');
      const r = await c.query('INSERT INTO public.customers (email, full_name, city) VALUES ($1, $2, $3) RETURNING id', [`tgt${n}@example.com`, `target customer ${n}`, 'Zürich']);
      await c.query('INSERT INTO public.orders (customer_id, product_id, total) VALUES ($1, $2, 17.25)', [r.rows[0].id, 1 + (n % 300)]);
      await c.query("UPDATE public.orders SET status = 'shipped' WHERE id = (SELECT min(id) FROM public.orders WHERE status <> 'shipped')");
      await c.query('COMMIT');
      await sleep(20);
    }
  } finally {
    await c.end();
  }
  return n;
}


async function main(): Promise<void> {
  const started = Date.now();
  const children: ChildProcess[] = [];
  phase('PREPARE', 'a MariaDB source (row binlog, GTIDs) and an embedded PostgreSQL target standing in for YugabyteDB');
  ensureMariaDb();
  const { startMariaDb } = await import('../test/helpers/mariadb-server.js');
  const [source, target] = await Promise.all([startMariaDb(), startEmbeddedServer(PASSWORD, 'demo-target')]);
  const { tandem, background, waitForCutover }: DemoCli = demoCli({ ...process.env, SOURCE_DB_PASSWORD: source.password, TARGET_DB_PASSWORD: PASSWORD, TANDEM_METRICS_INTERVAL_MS: '5000' });
  try {
    process.stdout.write(`source: ${source.version} on 127.0.0.1:${source.port}   target: 127.0.0.1:${target.port}\n`);
    await source.createDatabase('shop');
    await source.sql('shop', SCHEMA);
    const admin = new pg.Client({ host: target.host, port: target.port, user: target.user, password: PASSWORD, database: 'postgres' });
    await admin.connect();
    await admin.query('CREATE DATABASE shop_yb');
    await admin.end();
    process.stdout.write('Loaded a sample shop database into MariaDB: 2,000 customers, 300 products, 20,000 orders.\n');

    const exportDir = mkdtempSync(join(tmpdir(), 'tandem-demo-mysql-export-'));
    const src = ['--source-db-type', 'mysql', '--source-db-host', '127.0.0.1', '--source-db-port', String(source.port),
      '--source-db-user', source.user, '--source-db-name', 'shop'];
    const tgt = ['--target-db-host', '127.0.0.1', '--target-db-port', String(target.port), '--target-db-user', 'postgres', '--target-db-name', 'shop_yb'];
    const dir = ['--export-dir', exportDir];

    phase('SCHEMA', 'MySQL\'s catalog converted into PostgreSQL DDL, analyzed, imported');
    await tandem(['export', 'schema', ...dir, ...src]);
    await tandem(['analyze-schema', ...dir, '--output-format', 'txt']);
    await tandem(['import', 'schema', ...dir, ...tgt]);

    phase('LIVE MIGRATION', 'snapshot at one consistent binlog point, then the binlog, while the application keeps writing to MariaDB');
    const app = writesOnMariaDb(() => source.connect('shop'), 'src', 8);
    children.push(background('export data from source', ['export', 'data', 'from', 'source', ...dir, ...src, '--export-type', 'snapshot-and-changes']));
    children.push(background('import data to target', ['import', 'data', 'to', 'target', ...dir, ...tgt]));
    const written = await app;
    process.stdout.write(`\nThe application made ${written} transactions on MariaDB during the migration.\n`);
    await tandem(['import', 'schema', ...dir, ...tgt, '--post-snapshot-import', 'true']);

    phase('CUTOVER TO TARGET', 'the application stops writing to MariaDB; switch, and prepare for fall-back');
    await tandem(['initiate', 'cutover', 'to', 'target', ...dir, '--prepare-for-fall-back', 'true']);
    await waitForCutover(dir, 'cutover to target');
    await tandem(['cutover', 'status', ...dir]);

    phase('ON THE TARGET', 'the application now writes to the target; Tandem keeps MariaDB in step');
    const onTarget = await writesOnTarget(target, 'shop_yb', 4);
    process.stdout.write(`The application made ${onTarget} transactions on the target (new ids from the identity columns, above MariaDB's).\n`);

    phase('CUTOVER TO SOURCE', 'switch back: the target stops, MariaDB receives the rest, AUTO_INCREMENT counters above the data');
    await tandem(['initiate', 'cutover', 'to', 'source', ...dir]);
    await waitForCutover(dir, 'cutover to source');
    await tandem(['cutover', 'status', ...dir]);
    const exits = await Promise.all(children.map((c) => new Promise<number | null>((r) => (c.exitCode !== null ? r(c.exitCode) : c.on('close', r)))));
    process.stdout.write(`Both background processes finished (exit codes ${exits.join(', ')}).\n`);

    phase('VERIFY', 'every table on MariaDB and the target: row count and checksum over canonical values');
    await tandem(['compare', ...dir]);

    phase('REPORT', 'rows and changes per table and database');
    await tandem(['get', 'data-migration-report', ...dir]);

    phase('END', 'clean up the metadata on both databases and the export dir');
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
