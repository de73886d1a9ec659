/** The engine registry: which engine each database type gets, and the refusal until MySQL is plugged in. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadEngine, loadTargetEngine } from '../../../src/adapters/engines.js';
import { TandemError } from '../../../src/core/errors.js';

test('postgresql and yugabytedb get the PostgreSQL engine, each with its name and default port', async () => {
  const pg = await loadEngine('postgresql');
  const yb = await loadTargetEngine('yugabytedb');
  assert.deepEqual([pg.type, pg.displayName, pg.defaultPort], ['postgresql', 'PostgreSQL', 5432]);
  assert.deepEqual([yb.type, yb.displayName, yb.defaultPort], ['yugabytedb', 'YugabyteDB', 5433]);
  assert.deepEqual(pg.capabilities, { writerSkipsTriggers: true, acknowledgesPositions: true, binarySnapshot: true, namesTargetSchema: false });
  assert.equal(typeof yb.targetDatabase, 'function');
});

test('oracle gets the Oracle engine: its capabilities, name case and default port; it is no target', async () => {
  const ora = await loadEngine('oracle');
  assert.deepEqual([ora.type, ora.displayName, ora.defaultPort, ora.unquotedNameCase], ['oracle', 'Oracle', 1521, 'upper']);
  assert.deepEqual(ora.capabilities, { writerSkipsTriggers: false, acknowledgesPositions: false, binarySnapshot: false, namesTargetSchema: true });
  assert.equal(typeof ora.writeGuard, 'function', 'an engine whose writer cannot skip triggers has a write guard');
  assert.equal(typeof ora.convertSchemaFiles, 'function');
  await assert.rejects(loadTargetEngine('oracle'), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_UNSUPPORTED'
    && e.message === 'The target must be YugabyteDB or PostgreSQL, not "oracle".');
});

test('mysql is refused with TANDEM_UNSUPPORTED until its engine is plugged in; an unknown type is a usage error', async () => {
  for (const type of ['mysql']) {
    await assert.rejects(loadEngine(type), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_UNSUPPORTED'
      && e.message === `Source database type "${type}" is not supported yet; this version migrates PostgreSQL and Oracle sources.`
      && e.hint === 'Use --source-db-type postgresql or oracle.');
    await assert.rejects(loadTargetEngine(type), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_UNSUPPORTED'
      && e.message === `The target must be YugabyteDB or PostgreSQL, not "${type}".`);
  }
  await assert.rejects(loadEngine('db2'), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_USAGE'
    && e.message === 'Unknown database type "db2"; Tandem knows postgresql, mysql, oracle, yugabytedb.');
});
