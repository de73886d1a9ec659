/**
 * Settings of the target's database that change how Tandem's statements and values are read: the
 * schema import and the writing sessions pin them, so that what the target holds is what the source
 * held whatever the target's defaults (found by the pg-fidelity run).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { newExportDir, runTandem, sourceFlags, targetFlags, type CliResult } from '../../helpers/cli.js';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';

let pg: PgServer;
const exportDirs: string[] = [];

before(async () => {
  pg = await startPg15();
});

after(async () => {
  await pg?.stop();
  await Promise.all(exportDirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function tandem(args: string[]): Promise<CliResult> {
  const r = await runTandem(args, { SOURCE_DB_PASSWORD: pg.password, TARGET_DB_PASSWORD: pg.password });
  assert.equal(r.code, 0, `tandem ${args.slice(0, 3).join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r;
}

test('a target with standard_conforming_strings off gets the source\'s backslashes in defaults, generated columns, CHECKs and views (measured before: \\t read as a tab, \\x41 as A, silently)', async () => {
  await pg.createDatabase('bs');
  await pg.sql('bs', String.raw`CREATE SCHEMA s;
    CREATE TABLE s.t (id int PRIMARY KEY, path text DEFAULT 'C:\temp\new',
      g text GENERATED ALWAYS AS (coalesce(path, '') || '\n') STORED, c text CHECK (c <> '\t'));
    CREATE VIEW s.v AS SELECT id, path = 'C:\temp\new' AS is_default, '\x41'::text AS lit FROM s.t;
    INSERT INTO s.t (id) VALUES (1);`);
  await pg.createDatabase('bs_yb');
  await pg.sql('bs_yb', 'ALTER DATABASE bs_yb SET standard_conforming_strings = off');
  const dir = newExportDir();
  exportDirs.push(dir);
  await tandem(['export', 'schema', '--export-dir', dir, ...sourceFlags(pg, 'bs', 's')]);
  await tandem(['import', 'schema', '--export-dir', dir, ...targetFlags(pg, 'bs_yb')]);
  // Read in a session with the setting on, so that both sides print alike.
  const definitions = (db: string) => pg.sql(db, `SET standard_conforming_strings = on;
    SELECT 'default' AS what, pg_get_expr(d.adbin, d.adrelid) AS def FROM pg_attrdef d WHERE d.adrelid = 's.t'::regclass
    UNION ALL SELECT 'check', pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 's.t'::regclass AND contype = 'c'
    UNION ALL SELECT 'view', pg_get_viewdef('s.v'::regclass) ORDER BY 1, 2`);
  const onSource = await definitions('bs');
  assert.ok(onSource.some((r: { def: string }) => r.def.includes(String.raw`'C:\temp\new'`)), JSON.stringify(onSource));
  assert.deepEqual(await definitions('bs_yb'), onSource);
  // The target computes the same generated value and the same default for a new row.
  await pg.sql('bs_yb', 'INSERT INTO s.t (id) VALUES (1)');
  const row = (db: string) => pg.sql(db, 'SET standard_conforming_strings = on; SELECT path, g FROM s.t WHERE id = 1');
  assert.deepEqual(await row('bs_yb'), await row('bs'));
});

test('a target with xmloption DOCUMENT loads xml content values (measured before: "invalid XML document", the load stopped)', async () => {
  await pg.createDatabase('xs');
  await pg.sql('xs', `CREATE SCHEMA x; CREATE TABLE x.t (id int PRIMARY KEY, doc xml);
    INSERT INTO x.t VALUES (1, '<a>doc</a>'), (2, 'just text'), (3, '<a/><b/>'), (4, NULL);`);
  await pg.createDatabase('xs_yb');
  await pg.sql('xs_yb', 'ALTER DATABASE xs_yb SET xmloption = document');
  const dir = newExportDir();
  exportDirs.push(dir);
  await tandem(['export', 'schema', '--export-dir', dir, ...sourceFlags(pg, 'xs', 'x')]);
  await tandem(['import', 'schema', '--export-dir', dir, ...targetFlags(pg, 'xs_yb')]);
  await tandem(['export', 'data', '--export-dir', dir, ...sourceFlags(pg, 'xs', 'x')]);
  await tandem(['import', 'data', '--export-dir', dir, ...targetFlags(pg, 'xs_yb')]);
  const rows = (db: string) => pg.sql(db, 'SET xmloption = content; SELECT id, doc::text AS doc FROM x.t ORDER BY id');
  assert.deepEqual(await rows('xs_yb'), await rows('xs'));
  assert.equal((await rows('xs_yb')).length, 4);
});
