import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, readdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startPg15, startEmbeddedPg18 } from '../helpers/pg-server.js';
import { runTandem, newExportDir, sourceFlags, targetFlags } from '../helpers/cli.js';
import { tableChecksums } from '../helpers/table-checksum.js';

const SCHEMAS = ['shop', 'analytics', 'Ops'];
const SCHEMA_FLAG = 'shop,analytics,"Ops"';
const sampleSql = readFileSync(new URL('../../../test/fixtures/sample-db.sql', import.meta.url), 'utf8');

for (const sourceVersion of [15, 18] as const) {
  test(`offline migration of the sample database from PostgreSQL ${sourceVersion} through every command of the built CLI`, async () => {
    const source = sourceVersion === 15 ? await startPg15() : await startEmbeddedPg18();
    const target = await startPg15();
    try {
      await source.createDatabase('shopdb');
      await target.createDatabase('shopdb_yb');
      await source.sql('shopdb', sampleSql);
      const dir = newExportDir();
      const env = { SOURCE_DB_PASSWORD: source.password, TARGET_DB_PASSWORD: target.password };
      const ok = async (args: string[]) => {
        const r = await runTandem(args, env);
        assert.equal(r.code, 0, `tandem ${args.slice(0, 3).join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
        assert.doesNotMatch(r.stdout + r.stderr, new RegExp(source.password), 'the password must never be printed');
        return r;
      };

      await ok(['export', 'schema', '--export-dir', dir, ...sourceFlags(source, 'shopdb', SCHEMA_FLAG)]);
      assert.ok(existsSync(join(dir, 'schema', 'tables', 'tables.sql')));
      const analyze = await ok(['analyze-schema', '--export-dir', dir, '--output-format', 'json']);
      assert.match(analyze.stdout, /issue\(s\) found/);
      const report = JSON.parse(readFileSync(join(dir, 'reports', 'schema_analysis_report.json'), 'utf8'));
      assert.ok(Array.isArray(report.issues));

      const imported = await ok(['import', 'schema', '--export-dir', dir, ...targetFlags(target, 'shopdb_yb')]);
      // The hint names both exports: an offline one (the default) cannot turn live later (the new-user run).
      assert.match(imported.stdout, /Next: tandem export data --export-dir \S+ with the source flags of export schema \(offline\), or with --export-type snapshot-and-changes for a live migration \(if not done\), then tandem import data to target\./);
      await ok(['export', 'data', 'from', 'source', '--export-dir', dir, '--parallel-jobs', '3', ...sourceFlags(source, 'shopdb', SCHEMA_FLAG)]);
      // A cutover asked of this offline export dir: refused, and the fix is a new export dir, not a command refused in this one.
      const cut = await runTandem(['initiate', 'cutover', 'to', 'target', '--export-dir', dir], env);
      assert.equal(cut.code, 1, cut.stderr);
      assert.match(cut.stderr, /error \[TANDEM_EXPORT_DIR\]: Cutover applies to a live migration; this export dir holds an offline \(snapshot-only\) export\.\n {2}fix: Start a live migration in a new, empty export dir:/);
      const es = await ok(['export', 'data', 'status', '--export-dir', dir, '--output-format', 'json']);
      assert.equal(JSON.parse(es.stdout).status, 'DONE');
      await ok(['import', 'data', 'to', 'target', '--export-dir', dir, '--batch-size', '500', '--parallel-jobs', '3', ...targetFlags(target, 'shopdb_yb')]);
      const is = await ok(['import', 'data', 'status', '--export-dir', dir, '--output-format', 'json']);
      for (const t of JSON.parse(is.stdout).tables) assert.equal(t.status, 'DONE', t.table_name);
      await ok(['import', 'schema', '--export-dir', dir, '--post-snapshot-import', 'true', ...targetFlags(target, 'shopdb_yb')]);

      // Every table equal, row by row.
      const [a, b] = await Promise.all([tableChecksums(source, 'shopdb', SCHEMAS), tableChecksums(target, 'shopdb_yb', SCHEMAS)]);
      assert.ok(a.size >= 5, `expected several tables, got ${a.size}`);
      assert.deepEqual(b, a);

      // The report's FINAL_ROW_COUNT is the real row count of each table on the target.
      const rep = await ok(['get', 'data-migration-report', '--export-dir', dir, '--output-format', 'json']);
      const rows = JSON.parse(rep.stdout) as { table_name: string; db_type: string; final_row_count: number }[];
      for (const [table, sum] of b) {
        const r = rows.find((x) => x.table_name === table && x.db_type === 'target');
        assert.ok(r, `report row for ${table}`);
        assert.equal(String(r.final_row_count), sum.split(':')[0], table);
      }

      // Sequences continue after the source's values: a new row on the target does not collide.
      const seqSrc = await source.sql('shopdb', "SELECT last_value::text AS v FROM shop.orders_order_id_seq");
      const seqDst = await target.sql('shopdb_yb', "SELECT last_value::text AS v FROM shop.orders_order_id_seq");
      assert.equal(seqDst[0].v, seqSrc[0].v);

      // Indexes and triggers exist after the post-snapshot import.
      const idx = await target.sql('shopdb_yb', "SELECT count(*)::int AS n FROM pg_indexes WHERE indexname = 'customers_city_idx'");
      assert.equal(idx[0].n, 1);

      // Logs exist, one per command, and hold no password.
      const logs = readdirSync(join(dir, 'logs'));
      assert.ok(logs.length >= 5);
      for (const f of logs) assert.doesNotMatch(readFileSync(join(dir, 'logs', f), 'utf8'), new RegExp(source.password));

      const backup = mkdtempSync(join(tmpdir(), 'tandem-backup-'));
      const end = ['end', 'migration', '--export-dir', dir, '--backup-log-files', 'yes', '--backup-data-files', 'false',
        '--backup-schema-files', '1', '--save-migration-reports', 'true', '--backup-dir', backup, '--yes'];
      // Killed while it empties the export dir (after the backups and the databases' cleaning), at
      // the fourth entry (data, logs and reports are gone; in plain name order metainfo/ would have
      // been): metainfo/ goes last, so the rerun finds meta.db and finishes the job.
      const killed = await runTandem(end, { ...env, TANDEM_FAILPOINTS: 'end.before-removing=kill@4' });
      assert.equal(killed.signal, 'SIGKILL', `end migration was not killed:\n${killed.stdout}\n${killed.stderr}`);
      assert.ok(!existsSync(join(dir, 'data')) && !existsSync(join(dir, 'reports')) && existsSync(join(dir, 'metainfo', 'meta.db')), readdirSync(dir).join(', '));
      const rerun = await ok(end);
      assert.match(rerun.stdout, /An earlier end migration wrote the backups it was asked for and cleaned the databases; removing what is left of the export dir\./);
      assert.match(rerun.stderr, /nothing is backed up into .* now: the earlier run wrote the backups it was asked for/);
      assert.ok(existsSync(join(backup, 'schema', 'tables', 'tables.sql')));
      assert.ok(existsSync(join(backup, 'reports', 'data-migration-report.json')));
      assert.ok(!existsSync(join(backup, 'data')));
      assert.deepEqual(readdirSync(dir), []);
      // Once more: the emptied export dir is said to be what end migration leaves (the new-user run).
      const again = await runTandem(end, env);
      assert.equal(again.code, 1, again.stderr);
      assert.match(again.stderr, /is not a Tandem export dir \(no metainfo\/meta\.db\): it is empty \(a new directory, or one that "end migration" cleared when it ended its migration\)\.\n {2}fix: Run "tandem export schema" or "tandem export data" with this --export-dir first\. If "end migration" ran here, that migration has ended/);
      const meta = await target.sql('shopdb_yb', "SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'ybvoyager_metadata'");
      assert.equal(meta[0].n, 0);
    } finally {
      await Promise.all([source.stop(), target.stop()]);
    }
  });
}

test('import data --table-list loads those tables; a later import data loads the rest, once (measured before: it said "already imported" and left them empty)', async () => {
  const [source, target] = await Promise.all([startPg15(), startPg15()]);
  try {
    await Promise.all([source.createDatabase('parts'), target.createDatabase('parts_yb')]);
    await source.sql('parts', `CREATE SCHEMA app; CREATE TABLE app.a (id int PRIMARY KEY); CREATE TABLE app.b (id int PRIMARY KEY); CREATE TABLE app.c (id int PRIMARY KEY);
      INSERT INTO app.a SELECT generate_series(1, 10); INSERT INTO app.b SELECT generate_series(1, 20); INSERT INTO app.c SELECT generate_series(1, 30);`);
    const dir = newExportDir();
    const env = { SOURCE_DB_PASSWORD: source.password, TARGET_DB_PASSWORD: target.password };
    const run = async (args: string[]) => {
      const r = await runTandem([...args, '--export-dir', dir], env);
      assert.equal(r.code, 0, `tandem ${args.slice(0, 2).join(' ')}:\n${r.stdout}\n${r.stderr}`);
      return r;
    };
    await run(['export', 'schema', ...sourceFlags(source, 'parts', 'app')]);
    await run(['import', 'schema', ...targetFlags(target, 'parts_yb')]);
    await run(['export', 'data', ...sourceFlags(source, 'parts', 'app')]);
    const partial = await run(['import', 'data', ...targetFlags(target, 'parts_yb'), '--table-list', 'app.b']);
    const counts = async () => (await target.sql('parts_yb', 'SELECT (SELECT count(*)::int FROM app.a) AS a, (SELECT count(*)::int FROM app.b) AS b, (SELECT count(*)::int FROM app.c) AS c'))[0];
    assert.deepEqual(await counts(), { a: 0, b: 20, c: 0 });
    // Not complete while tables are left (measured before: "complete", and status DONE; the docs-claims run).
    assert.match(partial.stdout, /Imported the 1 table\(s\) asked for; 2 exported table\(s\) are not loaded yet: app\.a, app\.c\. Run import data again/);
    assert.doesNotMatch(partial.stdout, /Import of the snapshot is complete/);
    assert.match((await run(['import', 'data', 'status'])).stdout, /^Import data: IN_PROGRESS/);
    const rest = await run(['import', 'data', ...targetFlags(target, 'parts_yb')]);
    assert.doesNotMatch(rest.stdout, /already imported/);
    assert.deepEqual(await counts(), { a: 10, b: 20, c: 30 });
    const again = await run(['import', 'data', ...targetFlags(target, 'parts_yb')]);
    assert.match(again.stdout, /The snapshot is already imported\./);
    assert.equal((await run(['compare'])).code, 0);
    assert.match((await run(['import', 'data', 'status'])).stdout, /^Import data: DONE/);

    // The target recreated: meta.db's record of the loaded batches is a copy, the target's is the
    // truth (measured before: "already imported", exit 0, over empty tables; the docs-claims run).
    await target.sql('postgres', 'DROP DATABASE parts_yb');
    await target.createDatabase('parts_yb');
    await run(['import', 'schema', ...targetFlags(target, 'parts_yb')]);
    const reload = await run(['import', 'data', ...targetFlags(target, 'parts_yb')]);
    assert.doesNotMatch(reload.stdout, /already imported/);
    assert.match(reload.stderr, /meta\.db records the snapshot as imported, but the target \S+ has no record of 3 of its loaded batches \(the database was recreated, or restored from a backup, since\): loading what the target lacks/);
    assert.deepEqual(await counts(), { a: 10, b: 20, c: 30 });
    assert.equal((await run(['compare'])).code, 0);
    // Rows without their record (the metadata dropped by hand): refused, never loaded twice.
    await target.sql('parts_yb', 'DROP SCHEMA ybvoyager_metadata CASCADE');
    const refused = await runTandem(['import', 'data', ...targetFlags(target, 'parts_yb'), '--export-dir', dir], env);
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /error \[TANDEM_TARGET_NOT_EMPTY\]/);
    assert.deepEqual(await counts(), { a: 10, b: 20, c: 30 });
  } finally {
    await Promise.all([source.stop(), target.stop()]);
  }
});
