/**
 * What the pg-schema exploratory run found changed in meaning on the target, without a word, through
 * the built CLI (export schema, import schema in both phases): a partition's own defaults and NOT
 * NULLs, a default dropped on a child, a view's column defaults, a trigger disabled or enabled on one
 * partition, a materialized view the source never filled, and a function the target already had
 * (replaced by CREATE OR REPLACE).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { newExportDir, runTandem, sourceFlags, targetFlags, type CliResult } from '../../helpers/cli.js';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';

const SOURCE_SQL = `
  CREATE SCHEMA s2;
  CREATE SEQUENCE s2.fresh_seq;
  CREATE TYPE s2.status AS ENUM ('new', 'paid', 'done');
  CREATE TABLE s2.events (id bigint NOT NULL DEFAULT nextval('s2.fresh_seq'), region text NOT NULL,
    kind s2.status DEFAULT 'new', note text, amount numeric, PRIMARY KEY (id, region)) PARTITION BY LIST (region);
  CREATE TABLE s2.events_eu PARTITION OF s2.events (note DEFAULT 'eu-default', amount NOT NULL,
    CONSTRAINT eu_amount_pos CHECK (amount > 0)) FOR VALUES IN ('eu');
  CREATE TABLE s2.events_us PARTITION OF s2.events FOR VALUES IN ('us');
  ALTER TABLE s2.events_us ALTER COLUMN kind SET DEFAULT 'paid';
  CREATE TABLE s2.events_xx PARTITION OF s2.events FOR VALUES IN ('xx');
  ALTER TABLE s2.events_xx ALTER COLUMN kind DROP DEFAULT;
  CREATE TABLE s2.events_other (id bigint NOT NULL DEFAULT nextval('s2.fresh_seq'), region text NOT NULL,
    kind s2.status DEFAULT 'done', note text, amount numeric);
  ALTER TABLE s2.events ATTACH PARTITION s2.events_other DEFAULT;
  CREATE TABLE s2.base (id int, label text DEFAULT 'base');
  CREATE TABLE s2.kid () INHERITS (s2.base);
  ALTER TABLE s2.kid ALTER COLUMN label DROP DEFAULT;

  CREATE TABLE s2.items (id int PRIMARY KEY, name text NOT NULL, qty int DEFAULT 0);
  CREATE VIEW s2.items_v AS SELECT id, name, qty FROM s2.items;
  ALTER VIEW s2.items_v ALTER COLUMN qty SET DEFAULT 42;
  ALTER VIEW s2.items_v ALTER COLUMN name SET DEFAULT 'from view';

  CREATE TABLE s2.m (id int NOT NULL, r text NOT NULL, v int, PRIMARY KEY (id, r)) PARTITION BY LIST (r);
  CREATE TABLE s2.m_a PARTITION OF s2.m FOR VALUES IN ('a');
  CREATE TABLE s2.m_b PARTITION OF s2.m FOR VALUES IN ('b');
  CREATE FUNCTION s2.bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.v := coalesce(NEW.v, 0) + 100; RETURN NEW; END $$;
  CREATE TRIGGER m_bump BEFORE INSERT ON s2.m FOR EACH ROW EXECUTE FUNCTION s2.bump();
  ALTER TABLE s2.m_b DISABLE TRIGGER m_bump;
  CREATE TRIGGER m_off BEFORE INSERT ON s2.m FOR EACH ROW EXECUTE FUNCTION s2.bump();
  ALTER TABLE s2.m DISABLE TRIGGER m_off;
  ALTER TABLE s2.m_a ENABLE TRIGGER m_off;

  CREATE MATERIALIZED VIEW s2.empty_mv AS SELECT 1 AS x WITH NO DATA;
  CREATE MATERIALIZED VIEW s2.full_mv AS SELECT 2 AS x;
  CREATE FUNCTION s2.slugify(t text) RETURNS text LANGUAGE sql AS $$ SELECT lower(replace(t, ' ', '-')) $$;
`;

let pg: PgServer;
const dirs: string[] = [];
const env = () => ({ SOURCE_DB_PASSWORD: pg.password, TARGET_DB_PASSWORD: pg.password });

before(async () => {
  pg = await startPg15();
  await pg.createDatabase('src');
  await pg.sql('src', SOURCE_SQL);
});

after(async () => {
  await pg?.stop();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function tandem(args: string[]): Promise<CliResult> {
  return runTandem(args, env());
}

/** Both phases of import schema into a new database `db`, from one export of the source. */
async function migrateSchema(db: string, prepare?: string): Promise<{ dir: string; pre: CliResult }> {
  const dir = newExportDir();
  dirs.push(dir);
  const exported = await tandem(['export', 'schema', '--export-dir', dir, ...sourceFlags(pg, 'src', 's2')]);
  assert.equal(exported.code, 0, exported.stderr);
  await pg.createDatabase(db);
  if (prepare) await pg.sql(db, prepare);
  const pre = await tandem(['import', 'schema', '--export-dir', dir, ...targetFlags(pg, db)]);
  return { dir, pre };
}

/** The same statements on both databases, each result as text (or the error's message). */
async function onBoth(db: string, statements: string[]): Promise<{ source: string[]; target: string[] }> {
  const run = async (database: string) => {
    const out: string[] = [];
    const client = await pg.client(database);
    try {
      for (const s of statements) {
        await client.query('BEGIN');
        try {
          out.push(JSON.stringify((await client.query(s)).rows));
        } catch (e) {
          out.push(`error: ${(e as Error).message}`);
        } finally {
          await client.query('ROLLBACK');
        }
      }
    } finally {
      await client.end();
    }
    return out;
  };
  return { source: await run('src'), target: await run(db) };
}

test('partitions and children keep their own defaults and NOT NULLs (and a dropped one), views their column defaults, and partitions their own trigger states', async () => {
  const { dir, pre } = await migrateSchema('tgt');
  assert.equal(pre.code, 0, pre.stdout + pre.stderr);
  const post = await tandem(['import', 'schema', '--export-dir', dir, ...targetFlags(pg, 'tgt'), '--post-snapshot-import', 'true']);
  assert.equal(post.code, 0, post.stdout + post.stderr);
  const { source, target } = await onBoth('tgt', [
    "INSERT INTO s2.events_us (region, note) VALUES ('us', 'direct') RETURNING kind",
    "INSERT INTO s2.events_eu (region, amount) VALUES ('eu', 5) RETURNING note",
    "INSERT INTO s2.events (region, note) VALUES ('eu', 'x') RETURNING id",
    "INSERT INTO s2.events_other (region) VALUES ('zz') RETURNING kind",
    "INSERT INTO s2.events_xx (region) VALUES ('xx') RETURNING kind",
    'INSERT INTO s2.kid (id) VALUES (1) RETURNING label',
    'INSERT INTO s2.items_v (id) VALUES (10) RETURNING name, qty',
    "INSERT INTO s2.m VALUES (1, 'a', 1), (2, 'b', 1) RETURNING r, v",
  ]);
  assert.deepEqual(target, source);
  // What the source says, so that the comparison above compares something.
  assert.deepEqual(source.slice(0, 2), ['[{"kind":"paid"}]', '[{"note":"eu-default"}]']);
  assert.match(source[2]!, /^error: null value in column "amount" of relation "events_eu"/);
  assert.deepEqual(source.slice(3), ['[{"kind":"done"}]', '[{"kind":null}]', '[{"label":null}]', '[{"name":"from view","qty":42}]',
    '[{"r":"a","v":201},{"r":"b","v":1}]']);
});

test('a materialized view the source never filled is not filled on the target; one it filled is', async () => {
  const { dir, pre } = await migrateSchema('tgt_mv');
  assert.equal(pre.code, 0, pre.stdout + pre.stderr);
  assert.match(await readFile(join(dir, 'schema', 'mviews', 'mviews.sql'), 'utf8'), /CREATE MATERIALIZED VIEW s2\.empty_mv AS\n\/\* not populated on the source: import schema does not refresh it \*\//);
  const post = await tandem(['import', 'schema', '--export-dir', dir, ...targetFlags(pg, 'tgt_mv'), '--post-snapshot-import', 'true']);
  assert.equal(post.code, 0, post.stdout + post.stderr);
  const populated = "SELECT relname, relispopulated FROM pg_class WHERE relname IN ('empty_mv', 'full_mv') ORDER BY relname";
  assert.deepEqual(await pg.sql('tgt_mv', populated), await pg.sql('src', populated));
  assert.deepEqual(await pg.sql('tgt_mv', populated), [{ relname: 'empty_mv', relispopulated: false }, { relname: 'full_mv', relispopulated: true }]);
});

test('a function the target already had stops import schema, as a table does, instead of being replaced', async () => {
  const { pre } = await migrateSchema('tgt_fn', "CREATE SCHEMA s2; CREATE FUNCTION s2.slugify(t text) RETURNS text LANGUAGE sql AS $$ SELECT 'TARGET-OWN:' || t $$");
  assert.equal(pre.code, 1, pre.stdout + pre.stderr);
  assert.match(pre.stdout + pre.stderr, /\[42723\] function "slugify" already exists/);
  assert.deepEqual(await pg.sql('tgt_fn', "SELECT s2.slugify('A B') AS v"), [{ v: 'TARGET-OWN:A B' }]);
});
