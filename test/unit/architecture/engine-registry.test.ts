/** The engine registry: which engine each database type gets, and the refusals until MySQL and Oracle are plugged in. */
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

test('mysql and oracle are refused with TANDEM_UNSUPPORTED until their engines are plugged in; an unknown type is a usage error', async () => {
  for (const type of ['mysql', 'oracle']) {
    await assert.rejects(loadEngine(type), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_UNSUPPORTED'
      && e.message === `Source database type "${type}" is not supported yet; this version migrates PostgreSQL sources.`
      && e.hint === 'Use --source-db-type postgresql.');
    await assert.rejects(loadTargetEngine(type), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_UNSUPPORTED'
      && e.message === `The target must be YugabyteDB or PostgreSQL, not "${type}".`);
  }
  await assert.rejects(loadEngine('db2'), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_USAGE'
    && e.message === 'Unknown database type "db2"; Tandem knows postgresql, mysql, oracle, yugabytedb.');
});
