/**
 * `brokenForeignKeys`: the validated foreign keys that loaded rows break, found as PostgreSQL would
 * check them (rows loaded with session_replication_role = replica are never checked).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPg15, targetDbConfig, type PgServer } from '../../helpers/pg-server.js';
import { connectPg } from '../../../src/adapters/postgres/pg-connection.js';
import { brokenForeignKeys } from '../../../src/adapters/postgres/foreign-key-check.js';
import { brokenKeyText } from '../../../src/workflow/foreign-key-report.js';

let pg: PgServer;
before(async () => {
  pg = await startPg15();
  await pg.createDatabase('fk');
  await pg.sql('fk', `
    CREATE SCHEMA "App";
    CREATE TABLE "App"."Parent" (a int, b text, PRIMARY KEY (a, b));
    CREATE TABLE "App".simple (id int PRIMARY KEY, a int, b text, FOREIGN KEY (a, b) REFERENCES "App"."Parent");
    CREATE TABLE "App".full_match (id int PRIMARY KEY, a int, b text, FOREIGN KEY (a, b) REFERENCES "App"."Parent" MATCH FULL);
    CREATE TABLE "App".parted (id int, a int, b text, PRIMARY KEY (id), FOREIGN KEY (a, b) REFERENCES "App"."Parent") PARTITION BY RANGE (id);
    CREATE TABLE "App".parted_1 PARTITION OF "App".parted FOR VALUES FROM (0) TO (100);
    CREATE TABLE "App".parted_2 PARTITION OF "App".parted FOR VALUES FROM (100) TO (200);
    CREATE TABLE "App".later (id int PRIMARY KEY, a int, b text);
    ALTER TABLE "App".later ADD CONSTRAINT later_fk FOREIGN KEY (a, b) REFERENCES "App"."Parent" NOT VALID;
    INSERT INTO "App"."Parent" VALUES (1, 'x'), (2, 'it''s');
    SET session_replication_role = replica;
    INSERT INTO "App".simple VALUES (1, 1, 'x'), (2, 1, NULL), (3, 9, 'x'), (4, 2, 'it''s'), (5, 2, 'IT''S');
    INSERT INTO "App".full_match VALUES (1, 1, 'x'), (2, 1, NULL), (3, NULL, NULL), (4, 9, 'x');
    INSERT INTO "App".parted VALUES (1, 1, 'x'), (150, 7, 'y');
    INSERT INTO "App".later VALUES (1, 5, 'z');`);
});
after(async () => {
  await pg?.stop();
});

test('MATCH SIMPLE counts only keys without NULLs, MATCH FULL a partly NULL key too; a partitioned table is checked once; a NOT VALID key is left alone; names are quoted', async () => {
  const client = await connectPg(targetDbConfig(pg, 'fk'));
  try {
    const tables = ['Parent', 'simple', 'full_match', 'parted', 'parted_1', 'parted_2', 'later'].map((name) => ({ schema: 'App', name }));
    const broken = await brokenForeignKeys(client, tables);
    assert.deepEqual(broken.map((k) => [k.table, k.rows, k.examples]), [
      ['"App".full_match', 2, [['1', null], ['9', 'x']]],
      ['"App".parted', 1, [['7', 'y']]],
      ['"App".simple', 2, [['2', 'IT\'S'], ['9', 'x']]],
    ]);
    assert.match(broken[0]!.definition, /^FOREIGN KEY \(a, b\) REFERENCES "App"\."Parent"\(a, b\) MATCH FULL$/);
    assert.deepEqual(broken.map((k) => k.partitioned), [false, true, false]);
    // The statement given for a partitioned table drops the key (PostgreSQL keeps no NOT VALID key there); the others' re-create it NOT VALID, and run.
    assert.match(brokenKeyText(broken[1]!), /drop the key on the target until they are: ALTER TABLE "App"\.parted DROP CONSTRAINT parted_a_b_fkey;$/);
    const notValid = /ALTER TABLE .* NOT VALID;$/.exec(brokenKeyText(broken[2]!))![0];
    await client.query(notValid);
    assert.deepEqual((await client.query("SELECT convalidated FROM pg_constraint WHERE conrelid = '\"App\".simple'::regclass AND contype = 'f'")).rows, [{ convalidated: 'f' }]);
    assert.deepEqual(broken[0]!.columns, ['a', 'b']);
    assert.equal(broken[0]!.referenced, '"App"."Parent"');
    assert.deepEqual(await brokenForeignKeys(client, [{ schema: 'App', name: 'Parent' }]), []);
    // A key whose referenced table is not among the tables (not loaded, or not migrated) is not looked at.
    assert.deepEqual(await brokenForeignKeys(client, tables.filter((t) => t.name !== 'Parent')), []);
  } finally {
    await client.end();
  }
});
