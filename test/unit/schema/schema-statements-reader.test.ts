import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SchemaObject } from '../../../src/core/schema-object.js';
import { isTandemError } from '../../../src/core/errors.js';
import { writeSchemaFiles } from '../../../src/workflow/schema/schema-files-writer.js';
import { readSchemaStatements } from '../../../src/workflow/schema/schema-statements-reader.js';

const objects: SchemaObject[] = [
  { type: 'GRANT', schema: 's', name: 't', sql: 'GRANT SELECT ON TABLE s.t TO PUBLIC;' },
  { type: 'TRIGGER', schema: 's', name: 'tr', sql: 'CREATE TRIGGER tr AFTER INSERT ON s.t FOR EACH ROW EXECUTE FUNCTION s.f();' },
  { type: 'INDEX', schema: 's', name: 'i1', sql: 'CREATE INDEX i1 ON s.t USING btree (a);' },
  { type: 'INDEX', schema: 's', name: 'i2', sql: 'CREATE INDEX i2 ON s.t USING btree (b);\nCOMMENT ON INDEX s.i2 IS \'x\';' },
  { type: 'MVIEW', schema: 'My Schema', name: 'Mv', sql: 'CREATE MATERIALIZED VIEW "My Schema"."Mv" AS\nSELECT 1 AS one\nWITH NO DATA;' },
  { type: 'VIEW', schema: 's', name: 'v', sql: 'CREATE VIEW s.v AS\nSELECT 1;' },
  { type: 'FOREIGN_KEY', schema: 's', name: 'fk', sql: 'ALTER TABLE s.t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES s.u(a);' },
  { type: 'UNIQUE', schema: 's', name: 'uq', sql: 'ALTER TABLE s.t ADD CONSTRAINT uq UNIQUE (b);' },
  { type: 'SEQUENCE_OWNED_BY', schema: 's', name: 'q', sql: 'ALTER SEQUENCE s.q OWNED BY s.t.a;' },
  { type: 'PARTITION', schema: 's', name: 'p1', sql: 'CREATE TABLE s.p1 PARTITION OF s.p\nDEFAULT;' },
  { type: 'TABLE', schema: 's', name: 't', sql: 'CREATE TABLE s.t (\n    a integer,\n    b text\n);' },
  { type: 'FUNCTION', schema: 's', name: 'f', sql: 'CREATE OR REPLACE FUNCTION s.f() RETURNS trigger LANGUAGE plpgsql AS $function$ BEGIN RETURN NEW; END; $function$;' },
  { type: 'SEQUENCE', schema: 's', name: 'q', sql: 'CREATE SEQUENCE s.q AS bigint START WITH 1;' },
  { type: 'DOMAIN', schema: 's', name: 'd', sql: 'CREATE DOMAIN s.d AS integer CHECK (VALUE > 0);' },
  { type: 'TYPE', schema: 's', name: 'e', sql: "CREATE TYPE s.e AS ENUM ('a');" },
  { type: 'SCHEMA', schema: 's', name: 's', sql: 'CREATE SCHEMA IF NOT EXISTS s;' },
  { type: 'COMMENT', schema: 's', name: 't', sql: "COMMENT ON TABLE s.t IS 'a; b';" },
  { type: 'POLICY', schema: 's', name: 't', sql: 'ALTER TABLE s.t ENABLE ROW LEVEL SECURITY;' },
];

async function withSchemaDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tandem-schema-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('files per type, each object under a comment line naming it', async () => {
  await withSchemaDir(async (dir) => {
    const written = await writeSchemaFiles(dir, objects);
    assert.deepEqual(written.find((w) => w.type === 'INDEX'), { type: 'INDEX', file: 'indexes/indexes.sql', count: 2 });
    assert.equal(written.find((w) => w.type === 'SEQUENCE_OWNED_BY')?.file, 'sequences/sequence_owned_by.sql');
    const indexes = await readFile(join(dir, 'indexes/indexes.sql'), 'utf8');
    assert.match(indexes, /\n-- INDEX s\.i1\nCREATE INDEX i1 ON s\.t USING btree \(a\);\n\n-- INDEX s\.i2\n/);
    // A rerun replaces the files: types without objects lose their old file.
    await writeSchemaFiles(dir, objects.filter((o) => o.type !== 'GRANT'));
    await assert.rejects(access(join(dir, 'grants/grants.sql')));
  });
});

test('pre-snapshot order, then post-snapshot indexes, triggers and materialized view refreshes', async () => {
  await withSchemaDir(async (dir) => {
    await writeSchemaFiles(dir, objects);
    const pre = await readSchemaStatements(dir, { postSnapshot: false });
    assert.deepEqual(pre.map((s) => s.objectType), [
      'SCHEMA', 'TYPE', 'DOMAIN', 'SEQUENCE', 'FUNCTION', 'TABLE', 'PARTITION', 'SEQUENCE_OWNED_BY', 'UNIQUE',
      'FOREIGN_KEY', 'VIEW', 'MVIEW', 'POLICY', 'COMMENT', 'GRANT',
    ]);
    assert.deepEqual(pre.find((s) => s.objectType === 'COMMENT'),
      { objectType: 'COMMENT', file: 'comments/comments.sql', line: 4, sql: "COMMENT ON TABLE s.t IS 'a; b'" });
    const post = await readSchemaStatements(dir, { postSnapshot: true });
    assert.deepEqual(post.map((s) => s.sql), [
      'CREATE INDEX i1 ON s.t USING btree (a)',
      'CREATE INDEX i2 ON s.t USING btree (b)',
      "COMMENT ON INDEX s.i2 IS 'x'",
      'CREATE TRIGGER tr AFTER INSERT ON s.t FOR EACH ROW EXECUTE FUNCTION s.f()',
      'REFRESH MATERIALIZED VIEW "My Schema"."Mv"',
    ]);
    const onlyIndexes = await readSchemaStatements(dir, { postSnapshot: true, objectTypeList: ['INDEX'] });
    assert.equal(onlyIndexes.length, 3);
    const noTables = await readSchemaStatements(dir, { postSnapshot: false, excludeObjectTypeList: ['TABLE', 'grant'] });
    assert.deepEqual(noTables.map((s) => s.objectType),
      ['SCHEMA', 'TYPE', 'DOMAIN', 'SEQUENCE', 'FUNCTION', 'VIEW', 'MVIEW', 'POLICY', 'COMMENT']);
  });
});

test('user edits are respected; a broken file is a parse error naming file and line', async () => {
  await withSchemaDir(async (dir) => {
    await writeSchemaFiles(dir, objects);
    const file = join(dir, 'indexes/indexes.sql');
    const edited = (await readFile(file, 'utf8'))
      .replace('CREATE INDEX i1 ON s.t USING btree (a);', '-- removed by hand\n/* CREATE INDEX i1 ON s.t (a); */')
      + '\nCREATE INDEX i3 ON s.t (a, b);\n';
    await writeFile(file, edited);
    const post = await readSchemaStatements(dir, { postSnapshot: true, objectTypeList: ['INDEX'] });
    assert.deepEqual(post.map((s) => s.sql.split(' ')[2]), ['i2', 'INDEX', 'i3']);
    await writeFile(join(dir, 'views/views.sql'), '-- v\nCREATE VIEW s.v AS\nSELEC 1;\n');
    await assert.rejects(readSchemaStatements(dir, { postSnapshot: false }), (e: unknown) => {
      assert.ok(isTandemError(e));
      assert.equal(e.code, 'TANDEM_SCHEMA_PARSE');
      assert.match(e.message, /^views\/views\.sql at line 3: syntax error at or near "SELEC"/);
      return true;
    });
    // The post-snapshot import does not read views.sql, so it is not affected.
    assert.equal((await readSchemaStatements(dir, { postSnapshot: true, excludeObjectTypeList: ['MVIEW'] })).length, 4);
  });
});
