/**
 * The snapshot load's look for triggers and rules that fire in replica sessions, at the end of each
 * batch: one enabled after `import data` checked the target at its start fires for every loaded row
 * (measured before: an ENABLE ALWAYS BEFORE trigger enabled while loading changed all 400,000 rows
 * and the import said complete; the fix-verify-48 run). The batches are loaded with the importer's
 * own `loadBatch`, one by one, so the trigger is enabled between two of them without a race.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { ensureSnapshotMetadata, loadBatch, SnapshotFileReader } from '../../../src/adapters/postgres/target-writer.js';
import { TandemError } from '../../../src/core/errors.js';
import { copyDataMessage } from '../../../src/core/copy-batch-planner.js';

const MIGRATION = '00000000-0000-4000-8000-00000000f1e5';
let server: PgServer;
let client: pg.Client;

before(async () => {
  server = await startPg15();
  await server.createDatabase('load_firing');
  await server.sql('load_firing', `CREATE SCHEMA app; CREATE TABLE app.items (id int PRIMARY KEY, note text);
    CREATE FUNCTION app.shout() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.note := upper(NEW.note); RETURN NEW; END $$;
    CREATE TRIGGER shout BEFORE INSERT ON app.items FOR EACH ROW EXECUTE FUNCTION app.shout();
    CREATE TABLE app.log (n serial PRIMARY KEY, id int);
    CREATE RULE noted AS ON INSERT TO app.items DO ALSO INSERT INTO app.log (id) VALUES (NEW.id);
    ALTER DATABASE load_firing SET default_transaction_isolation = 'repeatable read';`);
  client = await server.client('load_firing');
  await ensureSnapshotMetadata(client);
  // As the importer's loading sessions: ordinary triggers do not fire.
  await client.query('SET session_replication_role = replica');
});

after(async () => {
  await client?.end();
  await server?.stop();
});

test('a trigger set to fire in replica sessions between two batches of the snapshot load: the next batch rolls back and the load stops naming it; disabled, the batch loads as it was exported; a rule so set does not stop it (COPY runs no rules)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-load-firing-'));
  // The file holds each row as a CopyData message, as the exporter writes it.
  const framed = (...rows: string[]) => Buffer.concat(rows.map((r) => copyDataMessage(Buffer.from(`${r}\n`))));
  const zeroth = framed('-1\tminus one', '0\tzero');
  const first = framed('1\tone', '2\ttwo');
  const second = framed('3\tthree', '4\tfour');
  const path = join(dir, 'items.txt');
  writeFileSync(path, Buffer.concat([zeroth, first, second]));
  const batch = (batchNo: number, startOffset: number, endOffset: number) => ({
    schema: 'app', table: 'items', columns: ['id', 'note'], format: 'text' as const, filePath: path, fileName: 'items.txt', batchNo, startOffset, endOffset, rows: 2,
  });
  const files = new SnapshotFileReader();
  try {
    // A rule set to fire in replica sessions does not stop the load: COPY runs no rules.
    await server.sql('load_firing', 'ALTER TABLE app.items ENABLE ALWAYS RULE noted');
    assert.equal(await loadBatch(client, batch(0, 0, zeroth.length), MIGRATION, files), 2);
    await server.sql('load_firing', 'ALTER TABLE app.items DISABLE RULE noted');
    assert.equal(await loadBatch(client, batch(1, zeroth.length, zeroth.length + first.length), MIGRATION, files), 2);
    await server.sql('load_firing', 'ALTER TABLE app.items ENABLE ALWAYS TRIGGER shout');
    const second2 = batch(2, zeroth.length + first.length, zeroth.length + first.length + second.length);
    await assert.rejects(loadBatch(client, second2, MIGRATION, files), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_PREREQUISITE'
      && /^Loading app\.items \(batch 2 of items\.txt\): Triggers on the target fire for the rows Tandem writes .*shout on app\.items \(ALWAYS\)\. They were enabled while Tandem was writing there: the transaction that met them was rolled back/.test(e.message)
      && (e.hint ?? '').includes('ALTER TABLE app.items DISABLE TRIGGER shout;'));
    assert.deepEqual(await server.sql('load_firing', 'SELECT id, note FROM app.items WHERE id > 0 ORDER BY id'), [{ id: 1, note: 'one' }, { id: 2, note: 'two' }]);
    await server.sql('load_firing', 'ALTER TABLE app.items DISABLE TRIGGER shout');
    assert.equal(await loadBatch(client, second2, MIGRATION, files), 2);
  } finally {
    await files.close();
  }
  assert.deepEqual(await server.sql('load_firing', 'SELECT id, note FROM app.items ORDER BY id'),
    [{ id: -1, note: 'minus one' }, { id: 0, note: 'zero' }, { id: 1, note: 'one' }, { id: 2, note: 'two' }, { id: 3, note: 'three' }, { id: 4, note: 'four' }]);
  assert.deepEqual(await server.sql('load_firing', 'SELECT count(*)::int AS n FROM app.log'), [{ n: 0 }], 'the rule never ran');
});

test('a batch loaded through a staging table (a column retyped on the target) runs rules: one set to fire in replica sessions rolls it back, named; set back, the batch loads (the fix-verify-49 run: it ran for every loaded row)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-load-firing-'));
  const rows = Buffer.concat(['5\tfive', '6\tsix'].map((r) => copyDataMessage(Buffer.from(`${r}\n`))));
  const path = join(dir, 'items-staged.txt');
  writeFileSync(path, rows);
  const staged = {
    schema: 'app', table: 'items', columns: ['id', 'note'], format: 'text' as const, filePath: path, fileName: 'items-staged.txt', batchNo: 0, startOffset: 0, endOffset: rows.length, rows: 2,
    stagedTypes: ['integer', 'text'],
  };
  const files = new SnapshotFileReader();
  try {
    await server.sql('load_firing', 'ALTER TABLE app.items ENABLE ALWAYS RULE noted');
    await assert.rejects(loadBatch(client, staged, MIGRATION, files), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_PREREQUISITE'
      && /^Loading app\.items \(batch 0 of items-staged\.txt\): Triggers and rules on the target fire for the rows Tandem writes .*noted on app\.items/.test(e.message)
      && (e.hint ?? '').includes('ALTER TABLE app.items DISABLE RULE noted;'));
    assert.deepEqual(await server.sql('load_firing', 'SELECT (SELECT count(*)::int FROM app.items WHERE id > 4) AS items, (SELECT count(*)::int FROM app.log) AS log'), [{ items: 0, log: 0 }]);
    await server.sql('load_firing', 'ALTER TABLE app.items DISABLE RULE noted');
    assert.equal(await loadBatch(client, staged, MIGRATION, files), 2);
    assert.deepEqual(await server.sql('load_firing', 'SELECT (SELECT count(*)::int FROM app.items WHERE id > 4) AS items, (SELECT count(*)::int FROM app.log) AS log'), [{ items: 2, log: 0 }]);
  } finally {
    await files.close();
  }
});
