/**
 * A column added on the PostgreSQL source during a live migration, then written while the source is
 * otherwise quiet: "import data" stops at once with an error that names the table and the column
 * and says what to do (before, it waited silently until the next change arrived), writes nothing of
 * those changes, and once the column is added on the target a rerun applies them exactly once. The
 * exporter warns about each change of a migrated table's columns as it arrives (a dropped column
 * fails nothing, so that warning is all there is). A partition added on the source stops the import
 * the same way, with what to do.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { runTandem, newExportDir, sourceFlags, targetFlags } from '../../helpers/cli.js';
import { eventually, startTandem, killAll, tail, type TandemProcess } from '../../helpers/live-process.js';
import { tableChecksums } from '../../helpers/table-checksum.js';

let pg: PgServer;
let env: Record<string, string>;

before(async () => {
  pg = await startPg15();
  env = { SOURCE_DB_PASSWORD: pg.password, TARGET_DB_PASSWORD: pg.password, TANDEM_METRICS_INTERVAL_MS: '3600000' };
  await pg.createDatabase('src');
  await pg.createDatabase('dst');
  await pg.sql('src', `CREATE SCHEMA app; CREATE TABLE app.items (id int PRIMARY KEY, note text);
    INSERT INTO app.items SELECT g, 'note ' || g FROM generate_series(1, 300) g;
    CREATE SCHEMA logs; CREATE TABLE logs.events (id int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
    CREATE TABLE logs.events_2024 PARTITION OF logs.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
    INSERT INTO logs.events SELECT g, date '2024-01-01' + g FROM generate_series(1, 100) g;`);
  await pg.createDatabase('dst2');
});

/** Waits until the target's tables of `schema` equal the source's (row count and md5 of each). */
async function untilEqual(schema: string, targetDb: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last: { source: unknown[]; target: unknown[] } | undefined;
  while (Date.now() < deadline) {
    const [s, t] = await Promise.all([tableChecksums(pg, 'src', [schema]), tableChecksums(pg, targetDb, [schema])]);
    last = { source: [...s], target: [...t] };
    if (JSON.stringify(last.source) === JSON.stringify(last.target)) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  assert.fail(`not equal after 30 s: ${JSON.stringify(last)}`);
}

/** Waits until `schema`.t holds the same rows on both sides, ordered by id (for a table whose primary key differs between them). */
async function untilSameRowsById(schema: string, targetDb: string): Promise<void> {
  const read = (db: string) => pg.sql(db, `SELECT * FROM ${schema}.t ORDER BY id`).then((r) => JSON.stringify(r));
  const deadline = Date.now() + 30_000;
  let last: string[] = [];
  while (Date.now() < deadline) {
    last = await Promise.all([read('src'), read(targetDb)]);
    if (last[0] === last[1]) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  assert.fail(`not equal after 30 s: ${last.join(' / ')}`);
}

/**
 * A table `schema`.t (id primary key, code unique, v) of 10 rows, exported live and imported into
 * `dst_<schema>`: both processes running, changes being applied, when it returns.
 */
async function keyedTableStreaming(schema: string): Promise<{ ex: TandemProcess; im: TandemProcess }> {
  await pg.createDatabase(`dst_${schema}`);
  await pg.sql('src', `CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.t (id int PRIMARY KEY, code text NOT NULL UNIQUE, v text);
    INSERT INTO ${schema}.t SELECT g, 'c' || g, 'v' FROM generate_series(1, 10) g;`);
  const { dir, TF, ex } = await streaming(schema, `dst_${schema}`);
  const im = startTandem(['import', 'data', '--export-dir', dir, ...TF], env);
  await im.waitFor(/Applying the changes captured on the source/, 60_000);
  return { ex, im };
}

/** Exports and imports the schema of `schema`, then starts a live export: streaming when it returns. */
async function streaming(schema: string, targetDb: string): Promise<{ dir: string; SF: string[]; TF: string[]; ex: TandemProcess }> {
  const dir = newExportDir();
  const SF = sourceFlags(pg, 'src', schema);
  const TF = targetFlags(pg, targetDb);
  for (const args of [['export', 'schema', '--export-dir', dir, ...SF], ['import', 'schema', '--export-dir', dir, ...TF]]) {
    const r = await runTandem(args, env);
    assert.equal(r.code, 0, r.stderr);
  }
  const ex = startTandem(['export', 'data', '--export-dir', dir, ...SF, '--export-type', 'snapshot-and-changes'], env);
  await ex.waitFor(/Streaming changes/, 60_000);
  return { dir, SF, TF, ex };
}

after(async () => {
  await killAll();
  await pg?.stop();
});

test('a column added on the source mid-migration stops import data at once with a clear error; after the same change on the target a rerun applies everything once', { timeout: 120_000 }, async () => {
  const { dir, SF, TF, ex } = await streaming('app', 'dst');
  let im = startTandem(['import', 'data', '--export-dir', dir, ...TF], env);
  await im.waitFor(/Applying the changes captured on the source/, 60_000);
  await pg.sql('src', `UPDATE app.items SET note = 'before the change' WHERE id = 1`);
  await pg.sql('src', `ALTER TABLE app.items ADD COLUMN qty int;
    INSERT INTO app.items VALUES (1001, 'with qty', 5);
    UPDATE app.items SET qty = 7 WHERE id = 2;`);
  // Nothing more is written: the error must not wait for another change.
  const code = await Promise.race([im.done, new Promise<string>((r) => setTimeout(() => r('still running'), 30_000).unref())]);
  assert.equal(code, 1, tail(im.output()));
  assert.match(im.output(), /error \[TANDEM_DATA\]: Change events for app\.items carry columns that app\.items on .*\/dst lacks: qty\./);
  assert.match(im.output(), /fix: Make app\.items on .* match: add each missing column .*rerun the same import command/);
  const rows = await pg.sql('dst', `SELECT count(*)::int AS n, max(note) FILTER (WHERE id = 1) AS note FROM app.items`);
  assert.deepEqual(rows[0], { n: 300, note: 'before the change' }, 'the change before the ALTER was applied, nothing after it');

  await pg.sql('dst', 'ALTER TABLE app.items ADD COLUMN qty int');
  im = startTandem(['import', 'data', '--export-dir', dir, ...TF], env);
  await im.waitFor(/Applying the changes captured on the source/, 60_000);
  await untilEqual('app', 'dst');
  const after = await pg.sql('dst', `SELECT id, note, qty FROM app.items WHERE id IN (2, 1001) ORDER BY id`);
  assert.deepEqual(after, [{ id: 2, note: 'note 2', qty: 7 }, { id: 1001, note: 'with qty', qty: 5 }]);
  assert.equal(im.exited(), false, tail(im.output()));
  // The exporter said so when the change arrived, before any import failed.
  assert.match(ex.output(), /WARNING: app\.items was changed on .*\/src during the migration: it now has qty\. Schema changes are not replicated/);

  // A dropped column: nothing fails, so the exporter's warning is what tells.
  await pg.sql('src', `ALTER TABLE app.items DROP COLUMN note; UPDATE app.items SET qty = 8 WHERE id = 3`);
  await ex.waitFor(/app\.items was changed on .* it no longer has note/, 30_000);
  // A type change: the values still fit the target's column here, so only the warning tells.
  await pg.sql('src', `ALTER TABLE app.items ALTER COLUMN qty TYPE numeric(12,2); UPDATE app.items SET qty = 9 WHERE id = 4`);
  await ex.waitFor(/app\.items was changed on .* it changed the type of qty \(integer to numeric\(12,2\)\)\./, 30_000);
  assert.equal((ex.output().match(/app\.items was changed on/g) ?? []).length, 3, 'one warning per change, not per event');
  // A restarted exporter compares the table with its snapshot: a change made while none ran is said
  // too (here the key's type, changed while no exporter ran), with the columns changed before.
  await ex.kill('SIGKILL');
  await pg.sql('src', 'ALTER TABLE app.items ALTER COLUMN id TYPE bigint');
  const again = startTandem(['export', 'data', '--export-dir', dir, ...SF, '--export-type', 'snapshot-and-changes'], env);
  await again.waitFor(/Streaming changes/, 60_000);
  assert.match(again.output(), /WARNING: app\.items on .*\/src differs from when its snapshot was taken: it now has qty and no longer has note and changed the type of id \(integer to bigint\)\. Schema changes are not replicated/);
  await Promise.all([again.kill('SIGKILL'), im.kill('SIGKILL')]);
});

test('a column renamed on the source mid-migration stops import data naming it; once renamed on the target too, a rerun (and every later restart) goes on (measured before: every rerun refused, wanting the old column)', { timeout: 120_000 }, async () => {
  const { ex, im } = await keyedTableStreaming('colren');
  await pg.sql('src', "ALTER TABLE colren.t RENAME COLUMN v TO v2; UPDATE colren.t SET v2 = 'renamed' WHERE id <= 5;");
  const code = await Promise.race([im.done, new Promise<string>((r) => setTimeout(() => r('still running'), 30_000).unref())]);
  assert.equal(code, 1, tail(im.output()));
  assert.match(im.output(), /Change events for colren\.t carry columns that colren\.t on .*\/dst_colren lacks: v2\./);
  await pg.sql('dst_colren', 'ALTER TABLE colren.t RENAME COLUMN v TO v2');
  const dir = ex.args[ex.args.indexOf('--export-dir') + 1]!;
  const TF = targetFlags(pg, 'dst_colren');
  let again = startTandem(['import', 'data', '--export-dir', dir, ...TF], env);
  await again.waitFor(/Applying the changes captured on the source/, 60_000);
  await untilEqual('colren', 'dst_colren');
  // A later restart goes on too, the old name gone for good on both sides.
  await again.kill('SIGINT');
  await pg.sql('src', "UPDATE colren.t SET v2 = 'after restart' WHERE id = 6");
  again = startTandem(['import', 'data', '--export-dir', dir, ...TF], env);
  await again.waitFor(/Applying the changes captured on the source/, 60_000);
  await untilEqual('colren', 'dst_colren');
  assert.deepEqual(await pg.sql('dst_colren', 'SELECT v2 FROM colren.t WHERE id IN (5, 6) ORDER BY id'), [{ v2: 'renamed' }, { v2: 'after restart' }]);
  await Promise.all([again.kill('SIGKILL'), ex.kill('SIGKILL')]);
});

test('a partition added on the source mid-migration stops import data with what to do; once the target has it a rerun applies the rows', { timeout: 120_000 }, async () => {
  const { dir, TF, ex } = await streaming('logs', 'dst2');
  let im = startTandem(['import', 'data', '--export-dir', dir, ...TF], env);
  await im.waitFor(/Applying the changes captured on the source/, 60_000);
  const partition = `CREATE TABLE logs.events_2025 PARTITION OF logs.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')`;
  await pg.sql('src', `${partition}; INSERT INTO logs.events VALUES (1000, '2025-03-03'), (1001, '2024-03-03');`);
  const code = await Promise.race([im.done, new Promise<string>((r) => setTimeout(() => r('still running'), 30_000).unref())]);
  assert.equal(code, 1, tail(im.output()));
  assert.match(im.output(), /error \[TANDEM_DATA\]: Applying changes on channel \d+ failed: INSERT of logs\.events in events \d+\.\.\d+: no partition of relation "events" found for row \[SQLSTATE 23514.*\]\. Nothing of this batch was written/);
  assert.match(im.output(), /fix: A partition was added on the database being read during the migration: create the same partition of logs\.events on .*\/dst2, then rerun the same import command/);
  assert.doesNotMatch(ex.output(), /was changed on/, 'the columns did not change');

  await pg.sql('dst2', partition);
  im = startTandem(['import', 'data', '--export-dir', dir, ...TF], env);
  await im.waitFor(/Applying the changes captured on the source/, 60_000);
  await untilEqual('logs', 'dst2');
  assert.equal((await pg.sql('dst2', 'SELECT count(*)::int AS n FROM logs.events_2025'))[0].n, 1);
  await Promise.all([ex.kill('SIGKILL'), im.kill('SIGKILL')]);
});

test('a table created on the source after the snapshot is named by the exporter (its rows are not migrated); excluded tables and new partitions are not', { timeout: 120_000 }, async () => {
  await pg.createDatabase('dst3');
  await pg.sql('src', `CREATE SCHEMA fresh; CREATE TABLE fresh.a (id int PRIMARY KEY); CREATE TABLE fresh.b (id int PRIMARY KEY);
    CREATE TABLE fresh.p (id int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
    CREATE TABLE fresh.p_2024 PARTITION OF fresh.p FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');`);
  const dir = newExportDir();
  const SF = sourceFlags(pg, 'src', 'fresh');
  for (const args of [['export', 'schema', '--export-dir', dir, ...SF], ['import', 'schema', '--export-dir', dir, ...targetFlags(pg, 'dst3')]]) {
    const r = await runTandem(args, env);
    assert.equal(r.code, 0, r.stderr);
  }
  const exportArgs = ['export', 'data', '--export-dir', dir, ...SF, '--export-type', 'snapshot-and-changes', '--exclude-table-list', 'b'];
  const ex = startTandem(exportArgs, env);
  await ex.waitFor(/Streaming changes/, 60_000);
  assert.doesNotMatch(ex.output(), /created on/, 'nothing new yet (b is excluded)');
  await pg.sql('src', `CREATE TABLE fresh.c (id int PRIMARY KEY); INSERT INTO fresh.c VALUES (1);
    CREATE TABLE fresh.p_2025 PARTITION OF fresh.p FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');`);
  // Checked when streaming starts and every minute: a restart says it at once.
  await ex.kill('SIGTERM');
  const again = startTandem(exportArgs, env);
  await again.waitFor(/Streaming changes/, 60_000);
  await again.waitFor(/WARNING: fresh\.c was created on .*\/src after the migration's snapshot: its rows are not migrated/, 10_000);
  assert.doesNotMatch(again.output(), /fresh\.(b|p_2025|p)\b[^\n]*created on/);
  // The new partition is named for what it is (measured before: nothing was said, and its rows went
  // into the target's DEFAULT partition where it has one; the pg-live-edges run).
  await again.waitFor(/WARNING: fresh\.p_2025 was attached to fresh\.p on .*\/src after the migration's snapshot \(partitions are schema, which is not replicated\): rows written to it from now on are streamed as fresh\.p's\. The rows it held when it was attached are not \(ATTACH PARTITION writes no change; the pg-ddl-48 run\): create the same partition on the target, and copy those rows into it/, 10_000);
  await again.kill('SIGKILL');
  // A partition detached since is not "created after the snapshot" (measured before: it was, "its rows are not migrated").
  await pg.sql('src', 'ALTER TABLE fresh.p DETACH PARTITION fresh.p_2024');
  const third = startTandem(exportArgs, env);
  try {
    await third.waitFor(/WARNING: fresh\.p_2024 was detached from fresh\.p on .*\/src after the migration's snapshot \(not replicated\): its rows were migrated inside fresh\.p, where the target still holds them/, 60_000);
    assert.doesNotMatch(third.output(), /fresh\.p_2024[^\n]*created on/);
  } finally {
    await third.kill('SIGKILL');
  }
});

test('REPLICA IDENTITY set to a non-key index mid-migration: warned at once, inserts go on, the next delete stops the capture before it (it would be lost); set and undone with no change between, nothing stops', { timeout: 120_000 }, async () => {
  await pg.createDatabase('dst4');
  await pg.sql('src', `CREATE SCHEMA ident; CREATE TABLE ident.t (id int PRIMARY KEY, code text NOT NULL UNIQUE);
    INSERT INTO ident.t SELECT g, 'c' || g FROM generate_series(1, 10) g;`);
  const { dir, TF, ex } = await streaming('ident', 'dst4');
  const im = startTandem(['import', 'data', '--export-dir', dir, ...TF], env);
  await im.waitFor(/Applying the changes captured on the source/, 60_000);
  // Set and undone before any change: no change carries the index, so nothing stops.
  await pg.sql('src', `ALTER TABLE ident.t REPLICA IDENTITY USING INDEX t_code_key; ALTER TABLE ident.t REPLICA IDENTITY DEFAULT;
    DELETE FROM ident.t WHERE id = 1;`);
  await untilEqual('ident', 'dst4');
  // Left so: an insert carries its whole row and goes on, with a warning.
  await pg.sql('src', `ALTER TABLE ident.t REPLICA IDENTITY USING INDEX t_code_key; INSERT INTO ident.t VALUES (11, 'c11');`);
  await ex.waitFor(/WARNING: ident\.t on .*\/src was given REPLICA IDENTITY USING INDEX on \(code\), not its primary key \(id\) during the migration: its next update or delete would be logged without the migration's key and stop the capture/, 30_000);
  await untilEqual('ident', 'dst4');
  // Then a delete: the exporter stops before queueing it.
  await pg.sql('src', 'DELETE FROM ident.t WHERE id = 2');
  const code = await Promise.race([ex.done, new Promise<string>((r) => setTimeout(() => r('still running'), 30_000).unref())]);
  assert.equal(code, 1, tail(ex.output()));
  assert.match(ex.output(), /error \[TANDEM_PREREQUISITE\]: A delete of ident\.t arrived from .*\/src logged under REPLICA IDENTITY USING INDEX on \(code\), not its primary key \(id\) \(changed during the migration\): it is logged without the migration's key and cannot be applied to its row exactly\. Capture stopped before it\./);
  assert.match(ex.output(), /fix: The change log keeps this delete so, and every update and delete of ident\.t made until the setting is undone: the migration cannot go past them\. Start it again from a new snapshot/);
  const rows = await pg.sql('dst4', 'SELECT count(*)::int AS n FROM ident.t');
  assert.equal(rows[0].n, 10, 'the insert arrived; the delete made under the index was not applied as anything else');
  await im.kill('SIGKILL');
});

test('a primary key changed on the source mid-migration: warned at once, inserts and updates before go on, the next update stops the capture before it (measured before: a delete and a change of the old key were lost on the target, silently)', { timeout: 120_000 }, async () => {
  const { ex, im } = await keyedTableStreaming('newpk');
  await pg.sql('src', `ALTER TABLE newpk.t DROP CONSTRAINT t_pkey; ALTER TABLE newpk.t ADD PRIMARY KEY (code); INSERT INTO newpk.t VALUES (11, 'c11', 'new')`);
  await ex.waitFor(/WARNING: newpk\.t on .*\/src was given a new primary key \(code\), not the migration's \(id\) during the migration: .* Now, before the table's next update or delete: give newpk\.t its primary key on \(id\) back, or ALTER TABLE newpk\.t REPLICA IDENTITY FULL; Inserts go on as they are\./, 30_000);
  await untilSameRowsById('newpk', 'dst_newpk');
  // The old key's change would be logged without it (the new key did not change): stopped before it.
  await pg.sql('src', 'UPDATE newpk.t SET id = 100 WHERE id = 7');
  const code = await Promise.race([ex.done, new Promise<string>((r) => setTimeout(() => r('still running'), 30_000).unref())]);
  assert.equal(code, 1, tail(ex.output()));
  assert.match(ex.output(), /error \[TANDEM_PREREQUISITE\]: An update of newpk\.t arrived from .*\/src logged under a new primary key \(code\), not the migration's \(id\) \(changed during the migration\)/);
  assert.deepEqual(await pg.sql('dst_newpk', 'SELECT id FROM newpk.t WHERE code = \'c7\''), [{ id: 7 }], 'nothing else was applied in its place');
  await im.kill('SIGKILL');
});

test('REPLICA IDENTITY FULL set mid-migration (the way to change a key safely): every change goes on, primary-key changes too', { timeout: 120_000 }, async () => {
  const { ex, im } = await keyedTableStreaming('fullid');
  await pg.sql('src', `ALTER TABLE fullid.t REPLICA IDENTITY FULL; ALTER TABLE fullid.t DROP CONSTRAINT t_pkey; ALTER TABLE fullid.t ADD PRIMARY KEY (code);
    DELETE FROM fullid.t WHERE id = 5; UPDATE fullid.t SET id = 100 WHERE id = 7; UPDATE fullid.t SET code = 'n8' WHERE id = 8; UPDATE fullid.t SET v = 'x' WHERE id = 9;`);
  await untilSameRowsById('fullid', 'dst_fullid');
  assert.equal(ex.exited(), false, tail(ex.output()));
  assert.doesNotMatch(ex.output(), /was given/);
  await Promise.all([ex.kill('SIGKILL'), im.kill('SIGKILL')]);
});

test('a table renamed on the source mid-migration is the same table: its changes keep going to the migrated name, across an exporter restart, and once renamed back everything is equal', { timeout: 120_000 }, async () => {
  await pg.createDatabase('dst5');
  await pg.sql('src', `CREATE SCHEMA ren; CREATE TABLE ren.t (id int PRIMARY KEY, v int); INSERT INTO ren.t SELECT g, 0 FROM generate_series(1, 10) g;`);
  const { dir, SF, TF, ex } = await streaming('ren', 'dst5');
  const im = startTandem(['import', 'data', '--export-dir', dir, ...TF], env);
  await im.waitFor(/Applying the changes captured on the source/, 60_000);
  // The rename and changes under both names in one transaction: decoded under the new name.
  await pg.sql('src', `UPDATE ren.t SET v = 1 WHERE id = 1; ALTER TABLE ren.t RENAME TO t_new; UPDATE ren.t_new SET v = 2 WHERE id = 2;`);
  await ex.waitFor(/WARNING: ren\.t is named ren\.t_new on .*\/src now \(renamed during the migration\): its changes keep going to ren\.t on the database being written\. Rename it back on the source before the cutover/, 30_000);
  // Restarted while renamed: it finds the table by its identity, and no "new table" is named.
  await ex.kill('SIGTERM');
  await pg.sql('src', `DELETE FROM ren.t_new WHERE id = 3`);
  const again = startTandem(['export', 'data', '--export-dir', dir, ...SF, '--export-type', 'snapshot-and-changes'], env);
  await again.waitFor(/Streaming changes/, 60_000);
  await again.waitFor(/ren\.t is named ren\.t_new/, 30_000);
  await pg.sql('src', `ALTER TABLE ren.t_new RENAME TO t; INSERT INTO ren.t VALUES (11, 11);`);
  await untilEqual('ren', 'dst5');
  assert.deepEqual(await pg.sql('dst5', 'SELECT id, v FROM ren.t WHERE v > 0 OR id = 3 ORDER BY id'), [{ id: 1, v: 1 }, { id: 2, v: 2 }, { id: 11, v: 11 }]);
  assert.doesNotMatch(again.output(), /created on/);
  assert.equal(again.exited(), false, tail(again.output()));
  assert.equal(im.exited(), false, tail(im.output()));
  await Promise.all([again.kill('SIGKILL'), im.kill('SIGKILL')]);
});

test('a migrated table dropped on the source while no exporter ran is named when the exporter restarts', { timeout: 120_000 }, async () => {
  await pg.createDatabase('dst6');
  await pg.sql('src', `CREATE SCHEMA gone; CREATE TABLE gone.a (id int PRIMARY KEY); CREATE TABLE gone.b (id int PRIMARY KEY);`);
  const { dir, SF, ex } = await streaming('gone', 'dst6');
  assert.doesNotMatch(ex.output(), /no longer on/);
  await ex.kill('SIGTERM');
  await pg.sql('src', 'DROP TABLE gone.b');
  const again = startTandem(['export', 'data', '--export-dir', dir, ...SF, '--export-type', 'snapshot-and-changes'], env);
  await again.waitFor(/Streaming changes/, 60_000);
  assert.match(again.output(), /WARNING: gone\.b is no longer on .*\/src \(dropped since the migration's snapshot\?\): nothing more of it is streamed, the target keeps its rows, and the cutover's verification will report it as a mismatch/);
  assert.doesNotMatch(again.output(), /gone\.a is no longer/);
  await again.kill('SIGKILL');
});

test('a table moved to another schema, then its schema renamed, on the source mid-migration: followed across exporter restarts (measured before: taken for dropped, then the capture stopped at its next change; a renamed schema failed the restart)', { timeout: 150_000 }, async () => {
  await pg.createDatabase('dst_moved');
  await pg.sql('src', `CREATE SCHEMA mv; CREATE SCHEMA elsewhere; CREATE TABLE mv.t (id int PRIMARY KEY, v int); CREATE TABLE mv.u (id int PRIMARY KEY, v int);
    INSERT INTO mv.t SELECT g, 0 FROM generate_series(1, 5) g; INSERT INTO mv.u SELECT g, 0 FROM generate_series(1, 5) g;`);
  const { dir, SF, TF, ex } = await streaming('mv', 'dst_moved');
  const im = startTandem(['import', 'data', '--export-dir', dir, ...TF], env);
  await im.waitFor(/Applying the changes captured on the source/, 60_000);
  const exportArgs = ['export', 'data', '--export-dir', dir, ...SF, '--export-type', 'snapshot-and-changes'];
  const onTarget = async () => (await pg.sql('dst_moved', `SELECT 't' || id || '=' || v AS r FROM mv.t WHERE v > 0 UNION ALL SELECT 'u' || id || '=' || v FROM mv.u WHERE v > 0 ORDER BY 1`)).map((x) => String(x.r));
  await pg.sql('src', 'ALTER TABLE mv.t SET SCHEMA elsewhere; UPDATE elsewhere.t SET v = 1 WHERE id = 1');
  await ex.waitFor(/WARNING: mv\.t is named elsewhere\.t on .*\/src now/, 30_000);
  // Restarted while the table is in another schema.
  await ex.kill('SIGTERM');
  const second = startTandem(exportArgs, env);
  await second.waitFor(/Streaming changes/, 60_000);
  await pg.sql('src', 'UPDATE elsewhere.t SET v = 2 WHERE id = 2');
  await eventually(async () => ((await onTarget()).join() === 't1=1,t2=2' ? true : (await onTarget()).join()), 30_000);
  // The migrated schema renamed (the other table with it), then another restart.
  await second.kill('SIGTERM');
  await pg.sql('src', 'ALTER SCHEMA mv RENAME TO mv2; UPDATE mv2.u SET v = 3 WHERE id = 3');
  const third = startTandem(exportArgs, env);
  await third.waitFor(/Streaming changes/, 60_000);
  await pg.sql('src', 'UPDATE mv2.u SET v = 4 WHERE id = 4; UPDATE elsewhere.t SET v = 5 WHERE id = 5');
  await eventually(async () => ((await onTarget()).join() === 't1=1,t2=2,t5=5,u3=3,u4=4' ? true : (await onTarget()).join()), 30_000);
  for (const p of [second, third]) assert.doesNotMatch(p.output(), /no longer on|created on|not found|error/, tail(p.output()));
  assert.equal(third.exited(), false, tail(third.output()));
  await Promise.all([third.kill('SIGKILL'), im.kill('SIGKILL')]);
});

test('a row deleted on the target by something else: the source\'s next update of it stops import data, naming the row, with nothing lost; put back, a rerun applies everything once', { timeout: 120_000 }, async () => {
  await pg.createDatabase('dst_lostrow');
  await pg.sql('src', `CREATE SCHEMA lostrow; CREATE TABLE lostrow.t (id int PRIMARY KEY, code text NOT NULL UNIQUE, v text);
    INSERT INTO lostrow.t SELECT g, 'c' || g, 'v' FROM generate_series(1, 10) g;`);
  const { dir, TF, ex } = await streaming('lostrow', 'dst_lostrow');
  let im = startTandem(['import', 'data', '--export-dir', dir, ...TF], env);
  await im.waitFor(/Applying the changes captured on the source/, 60_000);
  await untilSameRowsById('lostrow', 'dst_lostrow');
  // Someone deletes a row on the target while the migration runs; the application then changes it.
  await pg.sql('dst_lostrow', 'DELETE FROM lostrow.t WHERE id = 4');
  await pg.sql('src', `UPDATE lostrow.t SET v = 'changed' WHERE id IN (3, 4, 5); INSERT INTO lostrow.t VALUES (11, 'c11', 'new')`);
  const code = await Promise.race([im.done, new Promise<string>((r) => setTimeout(() => r('still running'), 30_000).unref())]);
  assert.equal(code, 1, tail(im.output()));
  assert.match(im.output(), /error \[TANDEM_DATA\]: 1 of the \d rows of lostrow\.t to update \(events \d+\.\.\d+\) are not on .*\/dst_lostrow: id=4\. Something other than Tandem changed that table there during the migration/);
  assert.match(im.output(), /fix: If the database being read had a partition attached to .*Otherwise: only Tandem may write to .*\/dst_lostrow until the cutover to it\. .*Put these rows back .* then rerun the same import command: it resumes where it stopped/);
  // (Its channel's batch was rolled back; other channels may have applied their own rows of the transaction.)
  assert.deepEqual(await pg.sql('dst_lostrow', 'SELECT count(*)::int AS n FROM lostrow.t WHERE id = 4'), [{ n: 0 }]);
  // Put back as it is on the source: the rerun applies the queued changes once.
  const [row] = await pg.sql('src', 'SELECT id, code, v FROM lostrow.t WHERE id = 4');
  await pg.sql('dst_lostrow', 'INSERT INTO lostrow.t VALUES ($1, $2, $3)', [row.id, row.code, row.v]);
  im = startTandem(['import', 'data', '--export-dir', dir, ...TF], env);
  await im.waitFor(/Applying the changes captured on the source/, 60_000);
  await untilSameRowsById('lostrow', 'dst_lostrow');
  assert.equal(im.exited(), false, tail(im.output()));
  await Promise.all([ex.kill('SIGKILL'), im.kill('SIGKILL')]);
});

test('a partition given REPLICA IDENTITY USING INDEX on the source mid-migration: an update of its primary key, logged without the old key, stops import data at that row with nothing applied in its place (before the writers checked their rows: lost, silently)', { timeout: 120_000 }, async () => {
  await pg.createDatabase('dst_partident');
  await pg.sql('src', `CREATE SCHEMA partident; CREATE TABLE partident.t (id int, at date, code text NOT NULL, v text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
    CREATE TABLE partident.t_2024 PARTITION OF partident.t FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
    INSERT INTO partident.t SELECT g, date '2024-01-01' + g, 'c' || g, 'v' FROM generate_series(1, 10) g;`);
  const { dir, TF, ex } = await streaming('partident', 'dst_partident');
  const im = startTandem(['import', 'data', '--export-dir', dir, ...TF], env);
  await im.waitFor(/Applying the changes captured on the source/, 60_000);
  await untilSameRowsById('partident', 'dst_partident');
  // The partition alone gets another identity (the root's description, which the stream carries, does not change).
  await pg.sql('src', `CREATE UNIQUE INDEX t_2024_code ON partident.t_2024 (code); ALTER TABLE partident.t_2024 REPLICA IDENTITY USING INDEX t_2024_code;
    UPDATE partident.t SET v = 'changed' WHERE id = 2; UPDATE partident.t SET id = 100 WHERE id = 3;`);
  const code = await Promise.race([im.done, new Promise<string>((r) => setTimeout(() => r('still running'), 30_000).unref())]);
  assert.equal(code, 1, tail(im.output()));
  assert.match(im.output(), /error \[TANDEM_DATA\]: 1 of the \d rows? of partident\.t to update \(events \d+\.\.\d+\) are not on .*\/dst_partident: id=100, at=2024-01-04\. .*or the database being read logged a change of these rows' key without the old key \(on PostgreSQL: a partition given its own REPLICA IDENTITY during the migration\)/);
  assert.match(im.output(), /fix: .*remove the rows it holds that the database being read no longer has: tandem compare names both/);
  // (Row 2's change may be on another channel, which applied it.)
  assert.deepEqual(await pg.sql('dst_partident', 'SELECT id, v FROM partident.t WHERE id IN (3, 100) ORDER BY id'), [{ id: 3, v: 'v' }],
    'the key change was applied as nothing else');
  // The way on: the rows as on the source (the old key's row gone, the new key's there), then a rerun applies the rest once.
  await pg.sql('dst_partident', `DELETE FROM partident.t WHERE id = 3; INSERT INTO partident.t VALUES (100, '2024-01-04', 'c3', 'v')`);
  const rerun = startTandem(['import', 'data', '--export-dir', dir, ...TF], env);
  await rerun.waitFor(/Applying the changes captured on the source/, 60_000);
  await untilSameRowsById('partident', 'dst_partident');
  assert.equal(rerun.exited(), false, tail(rerun.output()));
  await Promise.all([ex.kill('SIGKILL'), im.kill('SIGKILL'), rerun.kill('SIGKILL')]);
});

test('a table with a GENERATED ALWAYS identity column outside its key: streamed inserts and updates arrive (measured before: its first update stopped import data, SQLSTATE 428C9)', { timeout: 120_000 }, async () => {
  await pg.createDatabase('dst_identity');
  await pg.sql('src', `CREATE SCHEMA identity; CREATE TABLE identity.t (id int PRIMARY KEY, seq int GENERATED ALWAYS AS IDENTITY, v text);
    INSERT INTO identity.t (id, v) SELECT g, 'v' FROM generate_series(1, 10) g;`);
  const { dir, TF, ex } = await streaming('identity', 'dst_identity');
  const im = startTandem(['import', 'data', '--export-dir', dir, ...TF], env);
  await im.waitFor(/Applying the changes captured on the source/, 60_000);
  assert.deepEqual(await pg.sql('dst_identity', `SELECT attidentity FROM pg_attribute WHERE attrelid = 'identity.t'::regclass AND attname = 'seq'`), [{ attidentity: 'a' }]);
  await pg.sql('src', `INSERT INTO identity.t (id, v) VALUES (11, 'new'); UPDATE identity.t SET v = 'changed' WHERE id IN (3, 11); UPDATE identity.t SET id = 20 WHERE id = 4; DELETE FROM identity.t WHERE id = 5`);
  await untilSameRowsById('identity', 'dst_identity');
  assert.equal(im.exited(), false, tail(im.output()));
  await Promise.all([ex.kill('SIGKILL'), im.kill('SIGKILL')]);
});

test('import data --table-list of a live migration is refused before anything is written (the stream carries every exported table\'s changes)', { timeout: 120_000 }, async () => {
  await pg.createDatabase('dst_narrow');
  await pg.sql('src', `CREATE SCHEMA narrow; CREATE TABLE narrow.a (id int PRIMARY KEY); CREATE TABLE narrow.b (id int PRIMARY KEY);
    INSERT INTO narrow.a SELECT generate_series(1, 5); INSERT INTO narrow.b SELECT generate_series(1, 5);`);
  const { dir, TF, ex } = await streaming('narrow', 'dst_narrow');
  for (const flag of ['--table-list', '--exclude-table-list']) {
    const r = await runTandem(['import', 'data', '--export-dir', dir, ...TF, flag, 'narrow.a'], env);
    assert.notEqual(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`error \\[TANDEM_USAGE\\]: ${flag} cannot narrow the import of a live migration \\(export type snapshot-and-changes\\): the change stream carries the changes of every exported table`));
    assert.match(r.stderr, /fix: Rerun the same import data command without it\. To migrate fewer tables, choose them when exporting/);
  }
  assert.deepEqual(await pg.sql('dst_narrow', "SELECT (SELECT count(*)::int FROM narrow.a) AS a, (SELECT count(*)::int FROM pg_namespace WHERE nspname = 'ybvoyager_metadata') AS meta"), [{ a: 0, meta: 0 }]);
  // Without it, the same command imports everything.
  const im = startTandem(['import', 'data', '--export-dir', dir, ...TF], env);
  await im.waitFor(/Applying the changes captured on the source/, 60_000);
  await untilEqual('narrow', 'dst_narrow');
  await Promise.all([ex.kill('SIGKILL'), im.kill('SIGKILL')]);
});

// The pg-live-edges run: a migrated table attached as a partition of another migrated table was
// also called "no longer on the source (dropped?)", advising to drop it on the target, where its rows are.
test('a migrated table attached as a partition of another: named as attached, to attach the same way on the target (its rows are there), never as dropped', { timeout: 120_000 }, async () => {
  await pg.createDatabase('dst_attach');
  await pg.sql('src', `CREATE SCHEMA att;
    CREATE TABLE att.p (id int, k int, PRIMARY KEY (id, k)) PARTITION BY RANGE (k);
    CREATE TABLE att.p_1 PARTITION OF att.p FOR VALUES FROM (0) TO (100);
    CREATE TABLE att.x (id int, k int, PRIMARY KEY (id, k)); INSERT INTO att.x VALUES (1, 150);`);
  const dir = newExportDir();
  const SF = sourceFlags(pg, 'src', 'att');
  for (const args of [['export', 'schema', '--export-dir', dir, ...SF], ['import', 'schema', '--export-dir', dir, ...targetFlags(pg, 'dst_attach')]]) {
    const r = await runTandem(args, env);
    assert.equal(r.code, 0, r.stderr);
  }
  const exportArgs = ['export', 'data', '--export-dir', dir, ...SF, '--export-type', 'snapshot-and-changes'];
  const ex = startTandem(exportArgs, env);
  await ex.waitFor(/Streaming changes/, 60_000);
  await pg.sql('src', 'ALTER TABLE att.p ATTACH PARTITION att.x FOR VALUES FROM (100) TO (200)');
  await ex.kill('SIGTERM');
  const again = startTandem(exportArgs, env);
  try {
    await again.waitFor(/Streaming changes/, 60_000);
    await again.waitFor(/WARNING: att\.x was attached to att\.p on .*\/src after the migration's snapshot .*It was migrated as a table of its own, so the target holds its rows in att\.x: attach it there the same way \(ALTER TABLE att\.p ATTACH PARTITION att\.x FOR VALUES …\) before rows for it are written there; do not drop it\./, 10_000);
    assert.doesNotMatch(again.output(), /att\.x is no longer on/);
  } finally {
    await again.kill('SIGKILL');
  }
});
