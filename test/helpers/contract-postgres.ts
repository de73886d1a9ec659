/**
 * PostgreSQL's side of the live-fallback contract (test/helpers/live-fallback-contract.ts): a
 * schema `ct` in database `ct` of a PostgreSQL 15 test server, customers keyed by an identity
 * column (GENERATED ALWAYS), orders by a bigserial.
 */
import type { ContractSource } from './live-fallback-contract.js';
import { sourceFlags } from './cli.js';
import type { PgServer } from './pg-server.js';

export function postgresContractSource(pg: PgServer): ContractSource {
  const db = 'ct';
  return {
    name: 'PostgreSQL 15',
    flags: sourceFlags(pg, db, 'ct'),
    password: pg.password,
    targetSchema: 'ct',
    exportDataFlags: [],
    async setUp() {
      await pg.createDatabase(db);
      await pg.sql(db, `CREATE SCHEMA ct;
        CREATE TABLE ct.customers (customer_id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL UNIQUE, name text, balance numeric(12,2) DEFAULT 0);
        CREATE TABLE ct.orders (order_id bigserial PRIMARY KEY, customer_id int NOT NULL REFERENCES ct.customers, note text, amount numeric, ordered_at timestamptz DEFAULT now());
        INSERT INTO ct.customers (email, name, balance) SELECT 'c' || i || '@example.com', CASE WHEN i % 7 = 0 THEN NULL ELSE 'Customer ' || i END, i * 1.25 FROM generate_series(1, 200) i;
        INSERT INTO ct.orders (customer_id, note, amount) SELECT i % 200 + 1, CASE WHEN i % 3 = 0 THEN 'note ' || i END, i / 7.0 FROM generate_series(1, 500) i;`);
    },
    async write(round) {
      await pg.sql(db, `BEGIN;
        INSERT INTO ct.customers (email, name) VALUES ('live${round}@example.com', 'Live ${round}');
        INSERT INTO ct.orders (customer_id, note, amount) VALUES (${round + 1}, 'live ${round}', ${round}.5);
        UPDATE ct.customers SET balance = balance + 1, name = 'changed ${round}' WHERE customer_id = ${round + 10};
        DELETE FROM ct.orders WHERE order_id = ${round * 3};
        COMMIT;`);
    },
    async nextCustomerKey() {
      const r = await pg.sql(db, `SELECT max(customer_id)::text AS m FROM ct.customers;`);
      const g = await pg.sql(db, `INSERT INTO ct.customers (email) VALUES ('after-fallback@example.com') RETURNING customer_id::text AS id`);
      await pg.sql(db, `DELETE FROM ct.customers WHERE email = 'after-fallback@example.com'`);
      return { generated: BigInt(g[0].id), largestBefore: BigInt(r[0].m) };
    },
    async close() {},
  };
}
