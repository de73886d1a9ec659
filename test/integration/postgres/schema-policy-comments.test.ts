/**
 * Comments on row-level security policies: exported from PostgreSQL 15 into comments/comments.sql,
 * and recreated by the import, which runs the policies file before the comments file.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportPostgresSchema } from '../../../src/adapters/postgres/schema-export/export-postgres-schema.js';
import { applySchemaStatements } from '../../../src/adapters/postgres/schema-applier.js';
import { assertSchemaApplied } from '../../../src/workflow/schema/schema-apply-report.js';
import { writeSchemaFiles } from '../../../src/workflow/schema/schema-files-writer.js';
import { readSchemaStatements } from '../../../src/workflow/schema/schema-statements-reader.js';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';

const SOURCE_SQL = `
  CREATE SCHEMA s5;
  CREATE TABLE s5.t (id int PRIMARY KEY, owner text);
  CREATE TABLE s5."Odd Table" (id int PRIMARY KEY);
  ALTER TABLE s5.t ENABLE ROW LEVEL SECURITY;
  CREATE POLICY p1 ON s5.t USING (owner = current_user);
  CREATE POLICY "Read All" ON s5."Odd Table" FOR SELECT USING (true);
  CREATE POLICY p_plain ON s5.t FOR INSERT WITH CHECK (true);
  COMMENT ON POLICY p1 ON s5.t IS 'rows of their owner';
  COMMENT ON POLICY "Read All" ON s5."Odd Table" IS 'it''s open';
`;

/** Policy comments of schema s5, one line each: `policy on table = comment`. */
const POLICY_COMMENTS_SQL = `
  SELECT p.polname || ' on ' || p.polrelid::regclass::text || ' = ' || d.description AS line
  FROM pg_policy p JOIN pg_description d ON d.classoid = 'pg_policy'::regclass AND d.objoid = p.oid
  JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = 's5' ORDER BY 1`;

let pg15: PgServer;
let workDir: string;

before(async () => {
  pg15 = await startPg15();
  workDir = await mkdtemp(join(tmpdir(), 'tandem-policy-comments-'));
  await pg15.createDatabase('source');
  await pg15.sql('source', SOURCE_SQL);
});

after(async () => {
  await pg15?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

test('COMMENT ON POLICY is exported with the other comments and recreated by the import', async () => {
  const client = await pg15.client('source');
  const objects = await exportPostgresSchema(client, { schemas: ['s5'], includeGrants: false }).finally(() => client.end());
  assert.deepEqual(objects.filter((o) => o.type === 'COMMENT').map((o) => o.sql), [
    `COMMENT ON POLICY "Read All" ON s5."Odd Table" IS 'it''s open';`,
    `COMMENT ON POLICY p1 ON s5.t IS 'rows of their owner';`,
  ]);

  const schemaDir = join(workDir, 'schema');
  await writeSchemaFiles(schemaDir, objects);
  const comments = await readFile(join(schemaDir, 'comments/comments.sql'), 'utf8');
  assert.match(comments, /^COMMENT ON POLICY p1 ON s5\.t IS 'rows of their owner';$/m);
  assert.match(comments, /^COMMENT ON POLICY "Read All" ON s5\."Odd Table" IS 'it''s open';$/m);

  const statements = await readSchemaStatements(schemaDir, { postSnapshot: false });
  const types = statements.map((s) => s.objectType);
  assert.ok(types.lastIndexOf('POLICY') < types.indexOf('COMMENT'), `policies must run before comments: ${types.join(', ')}`);

  await pg15.createDatabase('target');
  const target = await pg15.client('target');
  const applied = await applySchemaStatements(target, statements, { ignoreExist: false, continueOnError: false }).finally(() => target.end());
  assertSchemaApplied(applied);
  assert.equal(applied.failed + applied.skipped + applied.notExecuted, 0);
  // Nothing waited for a policy created later: the order alone is right.
  assert.equal(applied.waited, 0);

  const expected = ['Read All on s5."Odd Table" = it\'s open', 'p1 on s5.t = rows of their owner'];
  assert.deepEqual((await pg15.sql('source', POLICY_COMMENTS_SQL)).map((r) => r.line), expected);
  assert.deepEqual((await pg15.sql('target', POLICY_COMMENTS_SQL)).map((r) => r.line), expected);
});
