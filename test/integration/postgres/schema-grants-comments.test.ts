/**
 * Grants and comments the pg-schema run found dropped (F3, F4, F5), through the built CLI: `export
 * schema --include-grants true` from a PostgreSQL 15 source, `import schema` into a second database
 * of the same server, then the target's catalog must give the roles what the source gives them: a
 * function, an aggregate and a type whose default PUBLIC privilege was revoked stay closed to
 * PUBLIC, type and domain grants exist, and an identity sequence's grant and comment, a composite
 * type attribute's comment and the comments of the indexes behind a primary key and a unique
 * constraint are there.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { newExportDir, runTandem, sourceFlags, targetFlags, type CliResult } from '../../helpers/cli.js';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';

const SOURCE_SQL = `
  CREATE SCHEMA s2;
  CREATE FUNCTION s2.secdef(i int) RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = s2, pg_temp AS $$ SELECT i * 2 $$;
  REVOKE ALL ON FUNCTION s2.secdef(int) FROM PUBLIC;
  GRANT EXECUTE ON FUNCTION s2.secdef(int) TO app_writer;
  CREATE FUNCTION s2.open_fn(i int) RETURNS int LANGUAGE sql AS $$ SELECT i $$;
  GRANT EXECUTE ON FUNCTION s2.open_fn(int) TO app_writer;
  CREATE AGGREGATE s2.total(int) (SFUNC = int4pl, STYPE = int4);
  REVOKE EXECUTE ON FUNCTION s2.total(int) FROM PUBLIC;
  CREATE SCHEMA s5;
  CREATE TYPE s5.mood AS ENUM ('ok', 'bad');
  REVOKE USAGE ON TYPE s5.mood FROM PUBLIC;
  GRANT USAGE ON TYPE s5.mood TO app_reader;
  CREATE DOMAIN s5.posint AS int CHECK (VALUE > 0);
  GRANT USAGE ON DOMAIN s5.posint TO app_writer;
  CREATE TYPE s5.pt AS (x int, y int);
  COMMENT ON COLUMN s5.pt.x IS 'type attribute comment';
  CREATE TABLE s5.par (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, m s5.mood, code text CONSTRAINT par_code_key UNIQUE);
  COMMENT ON SEQUENCE s5.par_id_seq IS 'identity seq comment';
  GRANT ALL ON SEQUENCE s5.par_id_seq TO app_writer;
  COMMENT ON INDEX s5.par_pkey IS 'pk index comment';
  COMMENT ON INDEX s5.par_code_key IS 'unique index comment';
  CREATE INDEX par_m_idx ON s5.par (m);
  COMMENT ON INDEX s5.par_m_idx IS 'plain index comment';
`;

let pg15: PgServer;
const exportDirs: string[] = [];

before(async () => {
  pg15 = await startPg15();
  await pg15.sql('postgres', 'CREATE ROLE app_reader; CREATE ROLE app_writer');
  await pg15.createDatabase('src');
  await pg15.sql('src', SOURCE_SQL);
  await pg15.createDatabase('dst');
});

after(async () => {
  await pg15?.stop();
  await Promise.all(exportDirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function tandem(args: string[]): Promise<CliResult> {
  const r = await runTandem(args, { SOURCE_DB_PASSWORD: pg15.password, TARGET_DB_PASSWORD: pg15.password });
  assert.equal(r.code, 0, `tandem ${args.slice(0, 2).join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** What the roles may do with the objects of the test, and the comments, read from one database's catalog. */
async function privilegesAndComments(database: string): Promise<Record<string, unknown>> {
  const rows = await pg15.sql(database, `
    SELECT has_function_privilege('app_reader', 's2.secdef(int)', 'EXECUTE') AS reader_secdef,
      has_function_privilege('app_writer', 's2.secdef(int)', 'EXECUTE') AS writer_secdef,
      has_function_privilege('app_reader', 's2.open_fn(int)', 'EXECUTE') AS reader_open_fn,
      has_function_privilege('app_reader', 's2.total(int)', 'EXECUTE') AS reader_total,
      has_type_privilege('app_reader', 's5.mood', 'USAGE') AS reader_mood,
      has_type_privilege('app_writer', 's5.mood', 'USAGE') AS writer_mood,
      EXISTS (SELECT 1 FROM aclexplode((SELECT typacl FROM pg_type WHERE oid = 's5.posint'::regtype)) a
              WHERE a.grantee = 'app_writer'::regrole AND a.privilege_type = 'USAGE') AS writer_posint_granted,
      has_sequence_privilege('app_writer', 's5.par_id_seq', 'USAGE, SELECT, UPDATE') AS writer_identity_seq,
      has_sequence_privilege('app_reader', 's5.par_id_seq', 'USAGE') AS reader_identity_seq,
      obj_description('s5.par_id_seq'::regclass, 'pg_class') AS identity_seq_comment,
      col_description((SELECT typrelid FROM pg_type WHERE oid = 's5.pt'::regtype), 1) AS pt_x_comment,
      obj_description('s5.par_pkey'::regclass, 'pg_class') AS pkey_comment,
      obj_description('s5.par_code_key'::regclass, 'pg_class') AS unique_index_comment`);
  return rows[0]!;
}

const EXPECTED = {
  reader_secdef: false, writer_secdef: true, reader_open_fn: true, reader_total: false,
  reader_mood: true, writer_mood: false, writer_posint_granted: true,
  writer_identity_seq: true, reader_identity_seq: false, identity_seq_comment: 'identity seq comment',
  pt_x_comment: 'type attribute comment', pkey_comment: 'pk index comment', unique_index_comment: 'unique index comment',
};

test('REVOKEs from PUBLIC, type and identity sequence grants, and the comments of implicit objects reach the target (measured before: the locked-down function and aggregate executable by app_reader, no type grant, no identity sequence grant, none of the four comments; the pg-schema run)', async () => {
  assert.deepEqual(await privilegesAndComments('src'), EXPECTED, 'the source is as the test means it');

  const dir = newExportDir();
  exportDirs.push(dir);
  const exported = await tandem(['export', 'schema', '--export-dir', dir, ...sourceFlags(pg15, 'src', 's2,s5'), '--include-grants', 'true']);
  assert.doesNotMatch(exported.stderr, /WARNING/);

  const grants = await readFile(join(dir, 'schema', 'grants/grants.sql'), 'utf8');
  const revoke = grants.indexOf('REVOKE EXECUTE ON FUNCTION s2.secdef(i integer) FROM PUBLIC;\n');
  const grant = grants.indexOf('GRANT EXECUTE ON FUNCTION s2.secdef(i integer) TO app_writer;\n');
  assert.ok(revoke >= 0 && grant > revoke, `the REVOKE comes before the GRANT of the same function:\n${grants}`);
  assert.match(grants, /^REVOKE EXECUTE ON FUNCTION s2\.total\(integer\) FROM PUBLIC;$/m);
  assert.match(grants, /^REVOKE USAGE ON TYPE s5\.mood FROM PUBLIC;$/m);
  assert.match(grants, /^GRANT USAGE ON TYPE s5\.mood TO app_reader;$/m);
  assert.match(grants, /^GRANT USAGE ON DOMAIN s5\.posint TO app_writer;$/m);
  assert.match(grants, /^GRANT SELECT, UPDATE, USAGE ON SEQUENCE s5\.par_id_seq TO app_writer;$/m);
  // Nothing was revoked from open_fn, the domain or the schemas: no REVOKE for them.
  assert.doesNotMatch(grants, /REVOKE .* ON (FUNCTION s2\.open_fn|DOMAIN|SCHEMA)/);

  const comments = await readFile(join(dir, 'schema', 'comments/comments.sql'), 'utf8');
  for (const line of ["COMMENT ON SEQUENCE s5.par_id_seq IS 'identity seq comment';", "COMMENT ON COLUMN s5.pt.x IS 'type attribute comment';",
    "COMMENT ON INDEX s5.par_pkey IS 'pk index comment';", "COMMENT ON INDEX s5.par_code_key IS 'unique index comment';"]) {
    assert.ok(comments.split('\n').includes(line), `${line} missing from comments.sql:\n${comments}`);
  }
  // A plain index's comment travels with the index (created after the snapshot), not in comments.sql.
  assert.doesNotMatch(comments, /par_m_idx/);

  await tandem(['import', 'schema', '--export-dir', dir, ...targetFlags(pg15, 'dst')]);
  assert.deepEqual(await privilegesAndComments('dst'), EXPECTED);
});
