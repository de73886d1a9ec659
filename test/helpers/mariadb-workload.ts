/**
 * The MariaDB side of the live-migration tests with a MySQL source: a small shop schema (AUTO_INCREMENT
 * keys, a composite key, ENUM, DECIMAL, DATETIME(6)/TIMESTAMP(6), JSON, a unique key, foreign keys and
 * an AFTER INSERT trigger), its seed rows, a seeded application on MariaDB and one on the target
 * (PostgreSQL) after the cutover, and a row-for-row comparison of both sides. Shared by the e2e
 * workflow test and the crash tests, so they run the same workload.
 */
import { createHash } from 'node:crypto';
import type mysql from 'mysql2/promise';
import type { PgServer } from './pg-server.js';
import type { MariaDbServer } from './mariadb-server.js';
import { prng, runSteps, type WorkloadStats } from './live-workload.js';

export const SHOP_SCHEMA = `
CREATE TABLE customers (
  id int NOT NULL AUTO_INCREMENT PRIMARY KEY,
  email varchar(120) NOT NULL,
  full_name varchar(100) NOT NULL,
  city varchar(40) NULL,
  vip tinyint(1) NOT NULL DEFAULT 0,
  UNIQUE KEY customers_email (email)
) ENGINE=InnoDB;
CREATE TABLE orders (
  id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id int NOT NULL,
  status enum('new','paid','shipped') NOT NULL DEFAULT 'new',
  total decimal(12,2) NOT NULL DEFAULT 0,
  note text NULL,
  placed_at datetime(6) NOT NULL,
  KEY orders_customer (customer_id),
  CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB;
CREATE TABLE items (
  order_id bigint NOT NULL,
  line_no int NOT NULL,
  sku varchar(20) NOT NULL,
  qty int NOT NULL,
  price decimal(10,2) NULL,
  attrs json NULL,
  PRIMARY KEY (order_id, line_no),
  CONSTRAINT items_order_fk FOREIGN KEY (order_id) REFERENCES orders (id)
) ENGINE=InnoDB;
CREATE TABLE audit (
  id int NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id bigint NOT NULL,
  what varchar(20) NOT NULL,
  at timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB;
CREATE TRIGGER orders_audit AFTER INSERT ON orders FOR EACH ROW INSERT INTO audit (order_id, what) VALUES (NEW.id, 'order placed');
`;

/** Seed rows: 500 customers, 3000 orders with 2 items each (their audit rows come from the trigger). */
export async function seedShop(c: mysql.Connection): Promise<void> {
  const cust = Array.from({ length: 500 }, (_, i) => `('c${i + 1}@x.io', 'Customer ${i + 1} é', ${i % 4 === 0 ? 'NULL' : `'city${i % 30}'`}, ${i % 7 === 0 ? 1 : 0})`);
  await c.query(`INSERT INTO customers (email, full_name, city, vip) VALUES ${cust.join(',')}`);
  for (let b = 0; b < 3; b++) {
    const ord = Array.from({ length: 1000 }, (_, i) => {
      const n = b * 1000 + i + 1;
      return `(${1 + (n % 500)}, '${['new', 'paid', 'shipped'][n % 3]}', ${n}.${n % 100}, ${n % 5 === 0 ? 'NULL' : `'note ${n}'`}, '2024-0${1 + (n % 9)}-1${n % 10} 10:0${n % 10}:00.${String(n).padStart(6, '0')}')`;
    });
    await c.query(`INSERT INTO orders (customer_id, status, total, note, placed_at) VALUES ${ord.join(',')}`);
  }
  await c.query(`INSERT INTO items (order_id, line_no, sku, qty, price, attrs)
    SELECT id, 1, CONCAT('SKU-', id % 97), 1 + id % 5, (id % 50) + 0.99, IF(id % 3 = 0, NULL, CONCAT('{"n": ', id, ', "s": "x"}')) FROM orders`);
  await c.query(`INSERT INTO items (order_id, line_no, sku, qty, price, attrs) SELECT id, 2, CONCAT('SKU-', id % 89), 2, NULL, '[1, 2]' FROM orders WHERE id % 2 = 0`);
}

/** Creates `db` on MariaDB with the shop schema (plus `extraDdl`) and its seed rows. */
export async function createShop(server: MariaDbServer, db: string, extraDdl = ''): Promise<void> {
  await server.createDatabase(db);
  const c = await server.connect(db);
  try {
    await c.query(SHOP_SCHEMA + extraDdl);
    await seedShop(c);
  } finally {
    await c.end();
  }
}

/** A running application: its counters so far, and `stop()` (resolves once its last step ended). */
export interface RunningApp { readonly stats: WorkloadStats; stop(): Promise<WorkloadStats> }

/**
 * The application on MariaDB: one connection to `db`, one transaction per step, seeded (inserts
 * that fire the trigger, updates, deletes, a primary-key move on items, a unique-key swap on
 * customers). A lost connection (`KILL CONNECTION`) reconnects at the next step.
 */
export function runMariaApp(server: MariaDbServer, db: string, seedNo: number, tag: string, pauseMs = 2): RunningApp {
  const rnd = prng(seedNo);
  const pick = (n: number) => Math.floor(rnd() * n);
  const stats: WorkloadStats = { transactions: 0, errors: 0 };
  let stopped = false;
  let n = 0;
  const step = (): string => {
    n++;
    switch (pick(8)) {
      case 0: return `INSERT INTO customers (email, full_name, city) VALUES ('app-${tag}-${n}@x.io', 'App ${n}', ${rnd() < 0.3 ? 'NULL' : `'c${pick(50)}'`})`;
      case 1: return `INSERT INTO orders (customer_id, status, total, note, placed_at) VALUES (${1 + pick(500)}, 'new', ${pick(10000)}.${pick(100)}, 'app ${tag}', '2025-02-0${1 + pick(9)} 12:00:00.${pick(1000000)}')`;
      case 2: return `INSERT INTO items (order_id, line_no, sku, qty, price, attrs)
          SELECT o, COALESCE((SELECT MAX(line_no) FROM items WHERE order_id = o), 0) + 1, 'APP-${n}', ${1 + pick(5)}, ${pick(90)}.99, '{"app": "${tag}"}'
            FROM (SELECT MAX(id) AS o FROM orders) x`;
      case 3: return `UPDATE customers SET city = 'u${n}', vip = ${pick(2)} WHERE id IN (${1 + pick(500)}, ${1 + pick(500)})`;
      case 4: return `UPDATE orders SET status = 'paid', total = total + 1, note = ${rnd() < 0.3 ? 'NULL' : `'p${n}'`} WHERE id = ${1 + pick(3000)}`;
      case 5: return `DELETE FROM items WHERE order_id = ${1 + pick(3000)} AND line_no = 2`;
      case 6: return `UPDATE items SET line_no = line_no + 100 WHERE order_id = ${1 + pick(3000)} AND line_no = 1`;
      default: {
        const a = 1 + pick(500);
        const b = 1 + pick(500);
        if (a === b) return 'SELECT 1';
        return `START TRANSACTION;
          SELECT email INTO @ea FROM customers WHERE id = ${a};
          SELECT email INTO @eb FROM customers WHERE id = ${b};
          UPDATE customers SET email = 'swap-tmp-${tag}' WHERE id = ${a};
          UPDATE customers SET email = @ea WHERE id = ${b};
          UPDATE customers SET email = @eb WHERE id = ${a};
          COMMIT`;
      }
    }
  };
  const run = (async () => {
    let c: mysql.Connection | undefined;
    while (!stopped) {
      try {
        c ??= await server.connect(db);
        await c.query(step());
        stats.transactions++;
      } catch (e) {
        stats.errors++;
        stats.lastError = (e as Error).message;
        await c?.query('ROLLBACK').catch(async () => {
          await c?.end().catch(() => {});
          c = undefined;
        });
      }
      await new Promise((r) => setTimeout(r, pauseMs));
    }
    await c?.end().catch(() => {});
  })();
  return { stats, async stop() { stopped = true; await run; return stats; } };
}

/** The application on the target (PostgreSQL, schema public): the same kinds of change, identity columns giving the keys. */
export function runTargetApp(server: PgServer, db: string, seedNo: number, pauseMs = 2): RunningApp {
  const rnd = prng(seedNo);
  const pick = (n: number) => Math.floor(rnd() * n);
  let n = 0;
  return runSteps(server, db, () => {
    n++;
    switch (pick(7)) {
      case 0: return `INSERT INTO public.customers (email, full_name, city) VALUES ('tgt-${n}@x.io', 'Target ${n}', ${rnd() < 0.3 ? 'NULL' : `'t${pick(50)}'`})`;
      case 1: return `WITH o AS (INSERT INTO public.orders (customer_id, status, total, note, placed_at) VALUES (${1 + pick(500)}, 'shipped', ${pick(10000)}.${pick(100)}, 'tgt', '2025-03-01 08:00:00.${pick(1000000)}') RETURNING id)
          INSERT INTO public.audit (order_id, what) SELECT id, 'order placed' FROM o`;
      case 2: return `INSERT INTO public.items (order_id, line_no, sku, qty, price, attrs)
          SELECT o, COALESCE((SELECT MAX(line_no) FROM public.items WHERE order_id = o), 0) + 1, 'TGT-${n}', 1, 1.50, '{"tgt": ${n}}'
            FROM (SELECT MAX(id) AS o FROM public.orders) x`;
      case 3: return `UPDATE public.customers SET city = 'tu${n}' WHERE id IN (${1 + pick(500)}, ${1 + pick(500)})`;
      case 4: return `UPDATE public.orders SET status = 'paid', total = total + 2 WHERE id = ${1 + pick(3000)}`;
      case 5: return `DELETE FROM public.items WHERE order_id = ${1 + pick(3000)} AND line_no = 2`;
      default: return `UPDATE public.items SET line_no = line_no + 1000 WHERE order_id = ${1 + pick(3000)} AND line_no < 1000 AND line_no = (SELECT MIN(line_no) FROM public.items WHERE order_id = ${1 + pick(3000)})`;
    }
  }, pauseMs);
}

/** Each table's rows as text on both sides (the same text for the same value), ordered by key. */
export const SHOP_TABLES: Record<string, { key: string; my: string[]; pg: string[] }> = {
  customers: { key: 'id', my: ['id', 'email', 'full_name', 'city', 'vip'], pg: ['id', 'email', 'full_name', 'city', 'vip'] },
  orders: {
    key: 'id',
    my: ['id', 'customer_id', 'status', 'total', 'note', "DATE_FORMAT(placed_at, '%Y-%m-%d %H:%i:%s.%f')"],
    pg: ['id', 'customer_id', 'status', 'total', 'note', "to_char(placed_at, 'YYYY-MM-DD HH24:MI:SS.US')"],
  },
  items: { key: 'order_id, line_no', my: ['order_id', 'line_no', 'sku', 'qty', 'price', 'attrs'], pg: ['order_id', 'line_no', 'sku', 'qty', 'price', 'attrs::text'] },
  audit: {
    key: 'id',
    my: ['id', 'order_id', 'what', "DATE_FORMAT(at, '%Y-%m-%d %H:%i:%s.%f')"],
    pg: ['id', 'order_id', 'what', "to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"],
  },
};

/** One table's rows as text, on MariaDB (`db`) or on the target (`db`, schema public). */
export async function shopRows(side: { my: MariaDbServer } | { pg: PgServer }, db: string, table: string): Promise<string[]> {
  const t = SHOP_TABLES[table]!;
  if ('my' in side) {
    const c = await side.my.connect(db);
    try {
      await c.query("SET time_zone = '+00:00'");
      const [rows] = await c.query({ sql: `SELECT CONCAT_WS('|', ${t.my.map((e) => `COALESCE(CAST(${e} AS CHAR), '\\\\N')`).join(', ')}) AS r FROM ${table} ORDER BY ${t.key}`, rowsAsArray: false });
      return (rows as { r: string }[]).map((r) => String(r.r));
    } finally {
      await c.end();
    }
  }
  const rows = await side.pg.sql(db, `SELECT concat_ws('|', ${t.pg.map((e) => `COALESCE((${e})::text, '\\N')`).join(', ')}) AS r FROM public.${table} ORDER BY ${t.key}`);
  return rows.map((r) => String(r.r));
}

/**
 * '' when every shop table holds the same rows on MariaDB (`myDb`) and the target (`pgDb`); else the
 * tables that differ, each with its row counts and first different row.
 */
export async function shopDiff(my: MariaDbServer, myDb: string, pg: PgServer, pgDb: string): Promise<string> {
  const out: string[] = [];
  for (const table of Object.keys(SHOP_TABLES)) {
    const [a, b] = await Promise.all([shopRows({ my }, myDb, table), shopRows({ pg }, pgDb, table)]);
    if (a.length === 0) out.push(`${table}: no rows on MariaDB`);
    const h = (x: string[]) => createHash('md5').update(x.join('\n')).digest('hex');
    if (h(a) === h(b)) continue;
    const i = a.findIndex((r, k) => r !== b[k]);
    out.push(`${table}: ${a.length} rows on MariaDB, ${b.length} on the target; first difference at ${i}: ${a[i] ?? '(none)'} / ${b[i] ?? '(none)'}`);
  }
  return out.join('; ');
}
