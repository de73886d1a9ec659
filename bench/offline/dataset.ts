/**
 * The offline benchmark's database: 20 tables of mixed sizes and types in schema `public`, filled on
 * the server with generate_series so that 10M rows take about a minute here.
 *
 * One large table (`events`, whatever the others leave of the requested rows, about 58%), six medium
 * ones (`accounts`, `orders`, `ledger` with numeric columns of many scales and NaN, `measurements`
 * partitioned by month into six partitions, `blobs` with bytea, `documents` with about 3 KB of
 * incompressible text per row, stored out of line in TOAST) and thirteen small ones with assorted
 * types (jsonb, uuid, arrays, ranges, inet, interval, an identity column). Primary keys are declared
 * with the tables; unique constraints, foreign keys (including one self-reference), check
 * constraints and secondary indexes (one on the partitioned table) are added after the rows, and
 * the sequences are set past the largest ids, so every tool has the same objects to recreate.
 */
import type { PgServer } from '../../test/helpers/pg-server.js';

/** Rows of every generated table, for a requested total (at least the requested total in all). */
export interface DatasetSizes {
  readonly events: number;
  readonly accounts: number;
  readonly orders: number;
  readonly ledger: number;
  readonly measurements: number;
  readonly blobs: number;
  readonly documents: number;
  /** The thirteen small tables together (fixed sizes, independent of the total). */
  readonly small: number;
  readonly total: number;
}

/** Rows of each small table: fixed, so a smoke run still has every kind of table. */
const SMALL_ROWS = {
  countries: 250, currencies: 180, statuses: 12, regions: 2000, product_categories: 500, products: 20000,
  warehouses: 300, suppliers: 5000, tax_rates: 1000, holidays: 3000, settings: 50, audit_users: 8000, api_clients: 400,
} as const;

/** Splits `rows` over the tables: the medium ones get fixed shares, `events` the rest. */
export function datasetSizes(rows: number): DatasetSizes {
  const share = (f: number) => Math.max(100, Math.round(rows * f));
  const small = Object.values(SMALL_ROWS).reduce((a, b) => a + b, 0);
  const medium = {
    accounts: share(0.08), orders: share(0.12), ledger: share(0.07), measurements: Math.max(6000, share(0.12)),
    blobs: share(0.02), documents: share(0.006),
  };
  const used = small + Object.values(medium).reduce((a, b) => a + b, 0);
  const events = Math.max(1000, rows - used);
  return { events, ...medium, small, total: used + events };
}

const TABLES_DDL = `
CREATE TABLE countries (code char(2) PRIMARY KEY, name text NOT NULL, population bigint);
CREATE TABLE currencies (code char(3) PRIMARY KEY, name text NOT NULL, minor_units smallint NOT NULL, rate numeric(18,8));
CREATE TABLE statuses (id smallint PRIMARY KEY, label text NOT NULL, is_final boolean NOT NULL);
CREATE TABLE regions (id int PRIMARY KEY, country_code char(2) NOT NULL, name text NOT NULL);
CREATE TABLE product_categories (id int PRIMARY KEY, parent_id int, name text NOT NULL);
CREATE TABLE products (id int PRIMARY KEY, category_id int NOT NULL, sku text NOT NULL, price numeric(10,2) NOT NULL, tags text[]);
CREATE TABLE warehouses (id int PRIMARY KEY, region_id int NOT NULL, opened date, capacity int CHECK (capacity > 0));
CREATE TABLE suppliers (id uuid PRIMARY KEY, name text NOT NULL, contact jsonb);
CREATE TABLE tax_rates (id int PRIMARY KEY, country_code char(2) NOT NULL, rate numeric(5,4) NOT NULL, valid daterange NOT NULL);
CREATE TABLE holidays (day date, country_code char(2), name text NOT NULL, PRIMARY KEY (day, country_code));
CREATE TABLE settings (key text PRIMARY KEY, value jsonb NOT NULL);
CREATE TABLE audit_users (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, login text NOT NULL, ip inet, created_at timestamptz NOT NULL);
CREATE TABLE api_clients (id bigserial PRIMARY KEY, name text NOT NULL, secret bytea NOT NULL, ttl interval);
CREATE TABLE accounts (id bigserial PRIMARY KEY, email text NOT NULL, name text NOT NULL, country_code char(2) NOT NULL,
  balance numeric(14,2) NOT NULL, created_at timestamptz NOT NULL, active boolean NOT NULL);
CREATE TABLE orders (id bigserial PRIMARY KEY, account_id bigint NOT NULL, status_id smallint NOT NULL, total numeric(12,2) NOT NULL,
  placed_at timestamptz NOT NULL, note text);
CREATE TABLE ledger (id bigserial PRIMARY KEY, entry_date date NOT NULL, debit numeric(20,4), credit numeric(20,4),
  fx_rate numeric(18,10), amount_exact numeric, memo varchar(40));
CREATE TABLE measurements (sensor_id int NOT NULL, taken_at timestamptz NOT NULL, value double precision, quality real,
  PRIMARY KEY (sensor_id, taken_at)) PARTITION BY RANGE (taken_at);
CREATE TABLE blobs (id int PRIMARY KEY, kind text NOT NULL, payload bytea NOT NULL);
CREATE TABLE documents (id int PRIMARY KEY, title text NOT NULL, body text NOT NULL, summary text, tags jsonb, updated_at timestamptz);
CREATE TABLE events (id bigserial PRIMARY KEY, account_id bigint NOT NULL, kind smallint NOT NULL, created_at timestamptz NOT NULL,
  amount numeric(12,2), payload text);
` + [1, 2, 3, 4, 5, 6].map((m) => `CREATE TABLE measurements_2026_0${m} PARTITION OF measurements FOR VALUES FROM ('2026-0${m}-01') TO ('${m === 6 ? '2026-07' : `2026-0${m + 1}`}-01');`).join('\n');

const SMALL_FILL = `
INSERT INTO countries SELECT chr(65 + g / 26) || chr(65 + g % 26), 'Country ' || g, g * 123457 FROM generate_series(0, ${SMALL_ROWS.countries - 1}) g;
INSERT INTO currencies SELECT chr(65 + g / 26 / 26 % 26) || chr(65 + g / 26 % 26) || chr(65 + g % 26), 'Currency ' || g, g % 4, g * 1.12345678 FROM generate_series(0, ${SMALL_ROWS.currencies - 1}) g;
INSERT INTO statuses SELECT g, 'status ' || g, g > 8 FROM generate_series(1, ${SMALL_ROWS.statuses}) g;
INSERT INTO regions SELECT g, (SELECT code FROM countries ORDER BY code OFFSET g % ${SMALL_ROWS.countries} LIMIT 1), 'Region ' || g FROM generate_series(1, ${SMALL_ROWS.regions}) g;
INSERT INTO product_categories SELECT g, CASE WHEN g > 20 THEN g % 20 + 1 END, 'Category ' || g FROM generate_series(1, ${SMALL_ROWS.product_categories}) g;
INSERT INTO products SELECT g, g % ${SMALL_ROWS.product_categories} + 1, 'SKU-' || lpad(g::text, 8, '0'), (g % 10000) / 100.0 + 0.99,
  ARRAY['t' || g % 5, 't' || g % 11] FROM generate_series(1, ${SMALL_ROWS.products}) g;
INSERT INTO warehouses SELECT g, g % ${SMALL_ROWS.regions} + 1, date '2000-01-01' + g * 7, 1000 + g FROM generate_series(1, ${SMALL_ROWS.warehouses}) g;
INSERT INTO suppliers SELECT md5('supplier' || g)::uuid, 'Supplier ' || g, jsonb_build_object('phone', '+1-555-' || g, 'tier', g % 3, 'langs', jsonb_build_array('en', 'fr'))
  FROM generate_series(1, ${SMALL_ROWS.suppliers}) g;
INSERT INTO tax_rates SELECT g, (SELECT code FROM countries ORDER BY code OFFSET g % ${SMALL_ROWS.countries} LIMIT 1), (g % 2500) / 10000.0,
  daterange(date '2020-01-01' + g, date '2021-01-01' + g) FROM generate_series(1, ${SMALL_ROWS.tax_rates}) g;
INSERT INTO holidays SELECT date '2020-01-01' + g / 12, (SELECT code FROM countries ORDER BY code OFFSET g % 12 LIMIT 1), 'Holiday ' || g FROM generate_series(0, ${SMALL_ROWS.holidays - 1}) g;
INSERT INTO settings SELECT 'setting.' || g, jsonb_build_object('value', g, 'enabled', g % 2 = 0) FROM generate_series(1, ${SMALL_ROWS.settings}) g;
INSERT INTO audit_users (login, ip, created_at) SELECT 'user' || g, ('10.' || g / 65536 % 256 || '.' || g / 256 % 256 || '.' || g % 256)::inet,
  timestamptz '2024-01-01 00:00:00+00' + g * interval '17 minutes' FROM generate_series(1, ${SMALL_ROWS.audit_users}) g;
INSERT INTO api_clients (name, secret, ttl) SELECT 'client ' || g, sha256(int4send(g)), g * interval '1 hour' FROM generate_series(1, ${SMALL_ROWS.api_clients}) g;
`;

/** The medium tables' fill, one statement each (run on two connections beside `events`). */
function mediumFill(s: DatasetSizes): string[] {
  // Readings per sensor and the step between them, so the six months are covered and (sensor, time) is unique.
  const perSensor = Math.ceil(s.measurements / 1000);
  const stepS = Math.max(1, Math.floor((181 * 86400) / perSensor));
  return [
    `INSERT INTO accounts SELECT g, 'user' || g || '@example.com', 'Name ' || g, (SELECT code FROM countries ORDER BY code OFFSET g % 7 LIMIT 1),
       ((g * 7919) % 10000000) / 100.0, timestamptz '2015-01-01 00:00:00+00' + g * interval '31 seconds', g % 10 <> 0 FROM generate_series(1::bigint, ${s.accounts}) g`,
    `INSERT INTO orders SELECT g, g % ${s.accounts} + 1, g % ${SMALL_ROWS.statuses} + 1, ((g * 104729) % 10000000) / 100.0,
       timestamptz '2020-01-01 00:00:00+00' + g * interval '13 seconds', CASE WHEN g % 5 = 0 THEN 'gift wrap, order ' || g END FROM generate_series(1::bigint, ${s.orders}) g`,
    `INSERT INTO ledger SELECT g, date '2010-01-01' + (g % 5000)::int, CASE WHEN g % 2 = 0 THEN ((g * 7919) % 100000000) / 10000.0 END,
       CASE WHEN g % 2 = 1 THEN ((g * 6151) % 100000000) / 10000.0 END, 1 + (g % 99991) / 1234567.0,
       CASE WHEN g % 997 = 0 THEN 'NaN'::numeric ELSE g * 3.14159265358979323846264338327950288419 - 1e20 END, 'memo ' || g FROM generate_series(1::bigint, ${s.ledger}) g`,
    `INSERT INTO measurements SELECT g % 1000, timestamptz '2026-01-01 00:00:00+00' + (g / 1000) * interval '${stepS} seconds', sin(g) * 100, (g % 1000) / 7.0
       FROM generate_series(0::bigint, ${s.measurements - 1}) g`,
    `INSERT INTO blobs SELECT g, 'kind' || g % 4, sha256(int8send(g)) || decode(repeat(md5(g::text), (g % 24)::int + 1), 'hex') FROM generate_series(1::bigint, ${s.blobs}) g`,
    `INSERT INTO documents SELECT g, 'Document ' || g, (SELECT string_agg(md5(g || '-' || i), '') FROM generate_series(1, 96) i),
       repeat('summary of document ' || g || '. ', 20), jsonb_build_object('words', 512 + g % 100, 'lang', 'en'), timestamptz '2025-06-01 00:00:00+00' + g * interval '1 minute'
       FROM generate_series(1::bigint, ${s.documents}) g`,
  ];
}

const CONSTRAINTS_AND_INDEXES = `
ALTER TABLE regions ADD CONSTRAINT regions_country_fk FOREIGN KEY (country_code) REFERENCES countries(code);
ALTER TABLE product_categories ADD CONSTRAINT product_categories_parent_fk FOREIGN KEY (parent_id) REFERENCES product_categories(id);
ALTER TABLE products ADD CONSTRAINT products_sku_key UNIQUE (sku);
ALTER TABLE products ADD CONSTRAINT products_category_fk FOREIGN KEY (category_id) REFERENCES product_categories(id);
ALTER TABLE products ADD CONSTRAINT products_price_check CHECK (price >= 0);
ALTER TABLE warehouses ADD CONSTRAINT warehouses_region_fk FOREIGN KEY (region_id) REFERENCES regions(id);
ALTER TABLE tax_rates ADD CONSTRAINT tax_rates_country_fk FOREIGN KEY (country_code) REFERENCES countries(code);
ALTER TABLE accounts ADD CONSTRAINT accounts_email_key UNIQUE (email);
ALTER TABLE accounts ADD CONSTRAINT accounts_country_fk FOREIGN KEY (country_code) REFERENCES countries(code);
ALTER TABLE orders ADD CONSTRAINT orders_account_fk FOREIGN KEY (account_id) REFERENCES accounts(id);
ALTER TABLE orders ADD CONSTRAINT orders_status_fk FOREIGN KEY (status_id) REFERENCES statuses(id);
ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0);
CREATE INDEX orders_account_idx ON orders (account_id);
CREATE INDEX orders_placed_at_idx ON orders (placed_at);
CREATE INDEX ledger_entry_date_idx ON ledger (entry_date);
CREATE INDEX measurements_taken_at_idx ON measurements (taken_at);
CREATE INDEX blobs_kind_idx ON blobs (kind);
CREATE INDEX documents_updated_at_idx ON documents (updated_at);
CREATE INDEX events_account_idx ON events (account_id);
CREATE INDEX events_created_at_idx ON events (created_at);
CREATE INDEX products_tags_idx ON products USING gin (tags);
SELECT setval('accounts_id_seq', (SELECT max(id) FROM accounts));
SELECT setval('orders_id_seq', (SELECT max(id) FROM orders));
SELECT setval('ledger_id_seq', (SELECT max(id) FROM ledger));
SELECT setval('events_id_seq', (SELECT max(id) FROM events));
`;

/**
 * Creates and fills the dataset in `db` of `server`, `events` on one connection and everything else
 * on another (two cores), then adds constraints and indexes, vacuums, analyzes and checkpoints.
 */
export async function createDataset(server: PgServer, db: string, sizes: DatasetSizes): Promise<void> {
  await server.sql(db, TABLES_DDL);
  await server.sql(db, SMALL_FILL);
  const events = server.sql(db, `INSERT INTO events SELECT g, g % ${sizes.accounts} + 1, g % 16, timestamptz '2021-01-01 00:00:00+00' + g * interval '3 seconds',
    CASE WHEN g % 3 = 0 THEN NULL ELSE ((g * 31) % 1000000) / 100.0 END, 'evt ' || g FROM generate_series(1::bigint, ${sizes.events}) g`);
  const others = (async () => {
    for (const statement of mediumFill(sizes)) await server.sql(db, statement);
  })();
  await Promise.all([events, others]);
  // Two connections for the constraints and indexes too: the events indexes on one, the rest on the other.
  const statements = CONSTRAINTS_AND_INDEXES.trim().split(';\n').map((s) => s.replace(/;$/, ''));
  const eventsOnes = statements.filter((s) => / ON events /.test(s));
  await Promise.all([
    (async () => { for (const s of eventsOnes) await server.sql(db, s); })(),
    (async () => { for (const s of statements.filter((x) => !eventsOnes.includes(x))) await server.sql(db, s); })(),
  ]);
  await server.sql(db, 'VACUUM ANALYZE');
  await server.sql(db, 'CHECKPOINT');
}

/**
 * Prepares a fresh target server for timed loads of `rows` rows: a first load into a fresh server is
 * slower (it creates its WAL files), so about as much WAL as a load of the data writes (160 bytes a
 * row on average, in rows that cost the server little to make) goes into a database dropped after,
 * then a checkpoint.
 */
export async function warmUpTarget(target: PgServer, rows: number): Promise<void> {
  await target.createDatabase('warmup');
  await target.sql('warmup', `CREATE TABLE w AS SELECT g, repeat('w', 500) AS filler FROM generate_series(1, ${Math.max(1000, Math.round(rows / 3))}) g`);
  await target.sql('postgres', 'DROP DATABASE warmup');
  await target.sql('postgres', 'CHECKPOINT');
}
