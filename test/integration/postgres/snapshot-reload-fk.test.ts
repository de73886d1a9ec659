/**
 * A snapshot exported again (a new snapshot point) after `import data` had loaded some tables of the
 * old one: the importer empties what it loaded and loads the new snapshot. A loaded table that a
 * foreign key of another table references cannot be truncated alone (PostgreSQL refuses it even
 * when the referencing table is empty); the reload takes the referencing tables along when they are
 * empty, and stops before changing anything, naming the table, when one holds rows the migration did
 * not load.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { newExportDir, sourceFlags, targetFlags } from '../../helpers/cli.js';
import { startTandem, killAll, eventually, sleep, tail, type TandemProcess } from '../../helpers/live-process.js';
import { tableChecksums } from '../../helpers/table-checksum.js';

const DDL = `
  CREATE SCHEMA app;
  CREATE TABLE app.a_parent (id int PRIMARY KEY, note text);
  CREATE TABLE app.b_child (id int PRIMARY KEY, parent_id int REFERENCES app.a_parent (id) ON DELETE CASCADE, note text);
  CREATE TABLE app.c_grandchild (id int PRIMARY KEY, child_id int REFERENCES app.b_child (id), note text);`;
/** app.a_parent comes first in the snapshot (tables go in name order with one reader). */
const PARENT_ROWS = 20_000;
const DATA = `
  INSERT INTO app.a_parent SELECT g, 'p' || g || repeat('x', 100) FROM generate_series(1, ${PARENT_ROWS}) g;
  INSERT INTO app.b_child SELECT g, 1 + g % 2000, 'c' || g FROM generate_series(1, 5000) g;
  INSERT INTO app.c_grandchild SELECT g, 1 + g % 5000, 'g' || g FROM generate_series(1, 3000) g;
  ANALYZE;`;

let pg: PgServer;
let env: Record<string, string>;

before(async () => {
  pg = await startPg15();
  env = { SOURCE_DB_PASSWORD: pg.password, TARGET_DB_PASSWORD: pg.password };
  await Promise.all(['src', 'dst', 'dst2', 'dst3'].map((d) => pg.createDatabase(d)));
  await pg.sql('src', DDL + DATA);
  await Promise.all(['dst', 'dst2'].map((d) => pg.sql(d, DDL)));
  // Without the foreign keys: its restarted export leaves app.a_parent out.
  await pg.sql('dst3', DDL.replace(/ REFERENCES app\.\w+ \(id\)( ON DELETE CASCADE)?/g, ''));
});

after(async () => {
  await killAll();
  await pg?.stop();
});

/**
 * A live export killed while it copies its snapshot, after the importer loaded its first file (the
 * first in name order, app.a_parent, which the other tables reference): the exporter stands still before
 * recording its second file until the test kills it (and runs `whileDown`). Restarted, it takes a new snapshot. Returns the
 * importer, which follows it, and the restarted exporter.
 */
async function parentLoadedThenNewSnapshot(dst: string, whileDown?: () => Promise<unknown>, restartFlags: string[] = []): Promise<{ im: TandemProcess; ex: TandemProcess }> {
  const dir = newExportDir();
  const exArgs = ['export', 'data', 'from', 'source', '--export-dir', dir, '--export-type', 'snapshot-and-changes', '--parallel-jobs', '1', ...sourceFlags(pg, 'src', 'app')];
  const im = startTandem(['import', 'data', 'to', 'target', '--export-dir', dir, ...targetFlags(pg, dst)], env);
  const first = startTandem(exArgs, { ...env, TANDEM_FAILPOINTS: 'snapshot.after-file-before-record=pause:60000@2' });
  await eventually(async () => {
    assert.ok(!im.exited(), `import data exited:\n${tail(im.output())}`);
    const n = (await pg.sql(dst, 'SELECT count(*)::int AS n FROM app.a_parent'))[0].n;
    return n === PARENT_ROWS ? true : `app.a_parent holds ${n} rows:\n${tail(im.output())}\n${tail(first.output())}`;
  }, 60_000, 100);
  await first.kill('SIGKILL');
  await whileDown?.();
  await pg.sql('src', `UPDATE app.a_parent SET note = note || ' v2' WHERE id % 7 = 0; INSERT INTO app.a_parent VALUES (${PARENT_ROWS + 1}, 'new');`);
  const ex = startTandem([...exArgs, ...restartFlags], env);
  return { im, ex };
}

test('a new snapshot after a referenced table was loaded: the reload empties it with its (empty) referencing tables and loads every table of the new snapshot', async () => {
  const { im, ex } = await parentLoadedThenNewSnapshot('dst');
  try {
    await im.waitFor(/Applying the changes captured on the source/, 90_000);
    assert.match(im.output(), /restarted with a new snapshot: reloading 1 table\(s\) loaded from the old one \(app\.a_parent\)/);
    assert.match(ex.output(), /The previous export was interrupted after the import had loaded part of its snapshot: import data reloads those tables \(app\.a_parent\) from this new snapshot\./);
    await eventually(async () => {
      assert.ok(!im.exited(), `import data exited:\n${tail(im.output())}`);
      const [src, dst] = await Promise.all([tableChecksums(pg, 'src', ['app']), tableChecksums(pg, 'dst', ['app'])]);
      return JSON.stringify([...src]) === JSON.stringify([...dst]) ? true : `target differs: ${JSON.stringify([...dst])} vs ${JSON.stringify([...src])}`;
    }, 60_000);
  } finally {
    await Promise.all([ex.kill('SIGKILL'), im.kill('SIGKILL')]);
  }
});

test('a new snapshot while a table outside the migration references a loaded one and holds rows: stops before changing anything, naming it', async () => {
  await pg.sql('dst2', 'CREATE TABLE public.audit (id int PRIMARY KEY, parent_id int REFERENCES app.a_parent (id));');
  await pg.sql('src', `DELETE FROM app.a_parent WHERE id = ${PARENT_ROWS + 1}; UPDATE app.a_parent SET note = 'p' || id || repeat('x', 100);`);
  const { im, ex } = await parentLoadedThenNewSnapshot('dst2', () => pg.sql('dst2', 'INSERT INTO public.audit VALUES (1, 5)'));
  try {
    const code = await Promise.race([im.done, sleep(90_000).then(() => 'still running')]);
    assert.ok(typeof code === 'number' && code !== 0, `import data should stop with an error, got ${code}:\n${tail(im.output())}`);
    assert.doesNotMatch(im.output(), /internal error/);
    assert.match(im.output(), /public\.audit/);
    assert.match(im.output(), /references app\.a_parent/);
    // Nothing changed: the old snapshot's rows and the other table's row are still there.
    assert.equal((await pg.sql('dst2', 'SELECT count(*)::int AS n FROM app.a_parent'))[0].n, PARENT_ROWS);
    assert.equal((await pg.sql('dst2', 'SELECT count(*)::int AS n FROM public.audit'))[0].n, 1);
  } finally {
    await Promise.all([ex.kill('SIGKILL'), im.kill('SIGKILL')]);
  }
});

test('a new snapshot with a shorter --table-list after a table it leaves out was loaded: that table is said to be emptied, not reloaded (measured before: "reloading" it; the crash-resume run)', async () => {
  await pg.sql('src', `DELETE FROM app.a_parent WHERE id = ${PARENT_ROWS + 1}`);
  const { im, ex } = await parentLoadedThenNewSnapshot('dst3', undefined, ['--table-list', 'app.b_child,app.c_grandchild']);
  try {
    await im.waitFor(/Applying the changes captured on the source/, 90_000);
    assert.match(im.output(), /The export was restarted with a new snapshot: emptying 1 table\(s\) loaded from the old one that the new snapshot does not export \(app\.a_parent\)\./);
    assert.equal((await pg.sql('dst3', 'SELECT count(*)::int AS n FROM app.a_parent'))[0].n, 0);
    assert.equal((await pg.sql('dst3', 'SELECT count(*)::int AS n FROM app.b_child'))[0].n, 5000);
  } finally {
    await Promise.all([ex.kill('SIGKILL'), im.kill('SIGKILL')]);
  }
});
