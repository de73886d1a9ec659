/**
 * `--target-db-schema` against the schema the migration's tables have on the target, for each source
 * engine: the one name is accepted (Oracle's as the converter names it: HR → hr), any other refused
 * with TANDEM_USAGE before anything connects.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetaStore, type StoredDbConfig } from '../../../src/core/meta-store.js';
import type { DbConfig } from '../../../src/core/db-config.js';
import { parseNameList, parseNameRefs } from '../../../src/core/identifier-list.js';
import { checkTargetSchemaFlag } from '../../../src/workflow/migration-context.js';
import { TandemError } from '../../../src/core/errors.js';

function withMeta(source: Pick<StoredDbConfig, 'type' | 'schemas'>, run: (meta: MetaStore) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-target-schema-'));
  const meta = MetaStore.open(join(dir, 'meta.db'));
  meta.setDbConfig('source', { ...source, host: 'db1', port: 1, user: 'u', database: 'd' });
  return run(meta).finally(() => {
    meta.close();
    rmSync(dir, { recursive: true, force: true });
  });
}

/** The target as resolveDbConfig builds it from `--target-db-schema <typed>` (unquoted names lower-cased). */
function target(typed?: string): DbConfig {
  return {
    role: 'target', type: 'yugabytedb', host: 'yb', port: 5433, user: 'y', database: 'yugabyte',
    schemas: typed === undefined ? [] : parseNameList(typed, '--target-db-schema', 'lower'),
    ...(typed === undefined ? {} : { schemaRefs: parseNameRefs(typed, '--target-db-schema') }),
  };
}

async function refused(meta: MetaStore, typed: string): Promise<TandemError> {
  try {
    await checkTargetSchemaFlag(meta, target(typed));
  } catch (e) {
    assert.ok(e instanceof TandemError, String(e));
    assert.equal(e.code, 'TANDEM_USAGE');
    return e;
  }
  assert.fail(`--target-db-schema ${typed} was accepted`);
}

test('Oracle: the converter\'s name is accepted however typed unquoted; another name or the quoted Oracle name is refused', () =>
  withMeta({ type: 'oracle', schemas: ['HR'] }, async (meta) => {
    await checkTargetSchemaFlag(meta, target('hr'));
    await checkTargetSchemaFlag(meta, target('HR'));
    await checkTargetSchemaFlag(meta, target());
    const e = await refused(meta, 'sales');
    assert.match(e.message, /--target-db-schema sales: this migration's tables are in the target schema hr/);
    assert.match(e.hint ?? '', /give --target-db-schema hr/);
    await refused(meta, '"HR"');
  }));

test('MySQL: only the exported target schema; the hint exports again into the named one', () =>
  withMeta({ type: 'mysql', schemas: ['public'] }, async (meta) => {
    await checkTargetSchemaFlag(meta, target('public'));
    const e = await refused(meta, 'app');
    assert.match(e.hint ?? '', /tandem export schema --start-clean true --source-db-schema app/);
  }));

test('PostgreSQL: schemas keep their names; one schema may be repeated, a second or another one is refused', () =>
  withMeta({ type: 'postgresql', schemas: ['shop', 'analytics'] }, async (meta) => {
    const e = await refused(meta, 'shop');
    assert.match(e.message, /a PostgreSQL source keeps its schema names \(shop, analytics\) on the target/);
    await refused(meta, 'shop,analytics');
  }).then(() => withMeta({ type: 'postgresql', schemas: ['public'] }, async (meta) => {
    await checkTargetSchemaFlag(meta, target('public'));
    await refused(meta, 'other');
  })));
