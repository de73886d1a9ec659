/** The engine registry: which engine each database type gets, and the refusals. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { engineFacts, loadEngine, loadTargetEngine, SOURCE_TYPES, unsupportedSource } from '../../../src/adapters/engines.js';
import { ENGINE_TYPES } from '../../../src/core/engine/engine.js';
import { TandemError } from '../../../src/core/errors.js';

test('postgresql and yugabytedb get the PostgreSQL engine, each with its name and default port', async () => {
  const pg = await loadEngine('postgresql');
  const yb = await loadTargetEngine('yugabytedb');
  assert.deepEqual([pg.type, pg.displayName, pg.defaultPort], ['postgresql', 'PostgreSQL', 5432]);
  assert.deepEqual([yb.type, yb.displayName, yb.defaultPort], ['yugabytedb', 'YugabyteDB', 5433]);
  assert.deepEqual(pg.capabilities, { writerSkipsTriggers: true, acknowledgesPositions: true, binarySnapshot: true, namesTargetSchema: false, streamOmitsForeignKeyActions: false, timesAsIntervals: false, keysLooserThanTarget: false });
  assert.equal(typeof yb.targetDatabase, 'function');
});

test('oracle gets the Oracle engine: its capabilities, name case and default port; it is no target', async () => {
  const ora = await loadEngine('oracle');
  assert.deepEqual([ora.type, ora.displayName, ora.defaultPort, ora.unquotedNameCase], ['oracle', 'Oracle', 1521, 'upper']);
  assert.deepEqual(ora.capabilities, { writerSkipsTriggers: false, acknowledgesPositions: false, binarySnapshot: false, namesTargetSchema: true, streamOmitsForeignKeyActions: false, timesAsIntervals: false, keysLooserThanTarget: false });
  assert.equal(typeof ora.writeGuard, 'function', 'an engine whose writer cannot skip triggers has a write guard');
  assert.equal(typeof ora.convertSchemaFiles, 'function');
  await assert.rejects(loadTargetEngine('oracle'), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_UNSUPPORTED'
    && e.message === 'The target must be YugabyteDB or PostgreSQL, not "oracle".');
});

test('mysql gets the MySQL engine: its capabilities and default port, a write guard; it is no target', async () => {
  const my = await loadEngine('mysql');
  assert.deepEqual([my.type, my.displayName, my.defaultPort, my.unquotedNameCase], ['mysql', 'MySQL', 3306, undefined]);
  assert.deepEqual(my.capabilities, { writerSkipsTriggers: false, acknowledgesPositions: false, binarySnapshot: false, namesTargetSchema: true, streamOmitsForeignKeyActions: true, timesAsIntervals: true, keysLooserThanTarget: true });
  assert.equal(typeof my.writeGuard, 'function', 'an engine whose writer cannot skip triggers has a write guard');
  assert.equal(my.convertSchemaFiles, undefined, 'MySQL\'s schema comes from its catalog only');
  await assert.rejects(loadTargetEngine('mysql'), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_UNSUPPORTED'
    && e.message === 'The target must be YugabyteDB or PostgreSQL, not "mysql".');
});

test('yugabytedb is no source; an unknown type is a usage error', async () => {
  assert.deepEqual(SOURCE_TYPES, ['postgresql', 'mysql', 'oracle']);
  const e = unsupportedSource('yugabytedb');
  assert.equal(e.code, 'TANDEM_UNSUPPORTED');
  assert.equal(e.message, 'Source database type "yugabytedb" is not supported yet; this version migrates PostgreSQL, MySQL and Oracle sources.');
  assert.equal(e.hint, 'Use --source-db-type postgresql or mysql or oracle.');
  await assert.rejects(loadEngine('db2'), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_USAGE'
    && e.message === 'Unknown database type "db2"; Tandem knows postgresql, mysql, oracle, yugabytedb.');
});

test('engineFacts gives every engine\'s name and capabilities as its loaded engine has them, and refuses an unknown type', async () => {
  for (const type of ENGINE_TYPES) {
    const engine = await loadEngine(type);
    const facts = engineFacts(type);
    assert.equal(facts.displayName, engine.displayName, type);
    assert.equal(facts.capabilities, engine.capabilities, `${type}: the very object the engine carries`);
  }
  assert.throws(() => engineFacts('db2'), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_USAGE');
});
