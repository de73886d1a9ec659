/**
 * MariaDB's side of the live-fallback contract (test/helpers/live-fallback-contract.ts): database
 * `ct` of a MariaDB test server (row binlog, GTIDs), customers and orders keyed by AUTO_INCREMENT,
 * and an AFTER INSERT trigger on orders writing an audit row: fall-back writes must not fire it
 * (`--disable-triggers-and-fks true` lets Tandem drop it for the fall-back and recreate it at the
 * cutover to source).
 */
import assert from 'node:assert/strict';
import type { ContractSource } from './live-fallback-contract.js';
import type { MariaDbServer } from './mariadb-server.js';

export function mariadbContractSource(my: MariaDbServer): ContractSource {
  const db = 'ct';
  const auditCount = async () => Number((await my.sql(db, 'SELECT COUNT(*) AS n FROM order_audit'))[0].n);
  let auditBeforeFallBack = -1;
  return {
    name: 'MariaDB 10.11',
    flags: ['--source-db-type', 'mysql', '--source-db-host', my.host, '--source-db-port', String(my.port), '--source-db-user', my.user, '--source-db-name', db],
    password: my.password,
    targetSchema: 'public',
    exportDataFlags: ['--disable-triggers-and-fks', 'true'],
    async setUp() {
      await my.createDatabase(db);
      await my.sql(db, `
        CREATE TABLE customers (customer_id int NOT NULL AUTO_INCREMENT PRIMARY KEY, email varchar(200) NOT NULL UNIQUE, name varchar(100), balance decimal(12,2) DEFAULT 0);
        CREATE TABLE orders (order_id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, customer_id int NOT NULL, note text, amount decimal(30,10), ordered_at datetime(6) DEFAULT CURRENT_TIMESTAMP(6),
          CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (customer_id));
        CREATE TABLE order_audit (audit_id int NOT NULL AUTO_INCREMENT PRIMARY KEY, order_id bigint NOT NULL);
        CREATE TRIGGER orders_audit AFTER INSERT ON orders FOR EACH ROW INSERT INTO order_audit (order_id) VALUES (NEW.order_id);
        INSERT INTO customers (email, name, balance) SELECT CONCAT('c', seq, '@example.com'), IF(seq % 7 = 0, NULL, CONCAT('Customer ', seq)), seq * 1.25 FROM seq_1_to_200;
        INSERT INTO orders (customer_id, note, amount) SELECT seq % 200 + 1, IF(seq % 3 = 0, CONCAT('note ', seq), NULL), seq / 7 FROM seq_1_to_500;`);
    },
    async write(round) {
      await my.sql(db, `START TRANSACTION;
        INSERT INTO customers (email, name) VALUES ('live${round}@example.com', 'Live ${round}');
        INSERT INTO orders (customer_id, note, amount) VALUES (${round + 1}, 'live ${round}', ${round}.5);
        UPDATE customers SET balance = balance + 1, name = 'changed ${round}' WHERE customer_id = ${round + 10};
        DELETE FROM orders WHERE order_id = ${round * 3};
        COMMIT;`);
    },
    async afterFallBackWrites(ctx) {
      // The trigger's audit rows came over with the data; the fall-back must not add any of its own.
      auditBeforeFallBack = Number((await ctx.target.sql(ctx.targetDb, 'SELECT count(*)::int AS n FROM public.order_audit'))[0].n);
    },
    async afterCutoverToSource() {
      assert.equal(await auditCount(), auditBeforeFallBack, 'the trigger did not fire for the fall-back writes');
      const trig = await my.sql(db, "SELECT ACTION_STATEMENT AS s FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'ct' AND TRIGGER_NAME = 'orders_audit'");
      assert.deepEqual(trig.map((r) => String(r.s)), ['INSERT INTO order_audit (order_id) VALUES (NEW.order_id)'], 'the trigger is back as it was');
    },
    async nextCustomerKey() {
      const r = await my.sql(db, 'SELECT MAX(customer_id) AS m FROM customers');
      const ins = await my.sql(db, "INSERT INTO customers (email) VALUES ('after-fallback@example.com')");
      await my.sql(db, "DELETE FROM customers WHERE email = 'after-fallback@example.com'");
      return { generated: BigInt(ins[0].insertId), largestBefore: BigInt(r[0].m) };
    },
    async afterEnd() {
      const left = await my.sql(undefined, "SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'ybvoyager_metadata'");
      assert.equal(Number(left[0].n), 0, 'end migration removed the metadata database');
    },
    async close() {},
  };
}
