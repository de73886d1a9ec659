import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { newExportDir, runTandem } from '../../helpers/cli.js';

test('export schema and export data without --source-db-type in a new export dir: a usage error that leaves the dir as it was (measured before: meta.db, the lock, logs/ and the other folders were created first)', async () => {
  for (const command of [['export', 'schema'], ['export', 'data'], ['export', 'data', 'from', 'source']]) {
    const dir = newExportDir();
    const r = await runTandem([...command, '--export-dir', dir, '--source-db-host', '127.0.0.1', '--source-db-name', 'shop']);
    assert.equal(r.code, 2, `${command.join(' ')}:\n${r.stderr}`);
    assert.match(r.stderr, /error \[TANDEM_USAGE\]: --source-db-type is required \(postgresql, mysql or oracle\)\./);
    assert.deepEqual(readdirSync(dir), [], `${command.join(' ')} left the export dir empty`);
  }
});

// The input-secrets run: the type alone was checked first; a missing user or database was named
// only after folders, meta.db and a log were written.
test('export schema and export data without the source user or database in a new export dir: a usage error that leaves the dir as it was', async () => {
  const cases: [string[], RegExp][] = [
    [['--source-db-type', 'postgresql', '--source-db-name', 'shop'], /error \[TANDEM_USAGE\]: --source-db-user is required\./],
    [['--source-db-type', 'mysql', '--source-db-user', 'u'], /error \[TANDEM_USAGE\]: --source-db-name is required for MySQL: name the database to migrate\./],
  ];
  for (const command of [['export', 'schema'], ['export', 'data', 'from', 'source']]) {
    for (const [flags, message] of cases) {
      const dir = newExportDir();
      const r = await runTandem([...command, '--export-dir', dir, '--source-db-host', '127.0.0.1', '--source-db-port', '1', ...flags], { SOURCE_DB_PASSWORD: '' });
      assert.equal(r.code, 2, `${command.join(' ')} ${flags.join(' ')}:\n${r.stderr}`);
      assert.match(r.stderr, message);
      assert.deepEqual(readdirSync(dir), [], `${command.join(' ')} ${flags.join(' ')} left the export dir empty`);
    }
  }
});

test('an unknown command is named as typed, without the value of a flag after it (measured before: "export schem /x")', async () => {
  const r = await runTandem(['export', 'schem', '--export-dir', '/x']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^error \[TANDEM_USAGE\]: unknown command "export schem"[.\n]/);
});

// The fix-verify-47 run: with every flag given but a port where nothing listens, the export dir was
// set up first, then the connection failed.
test('export schema and export data in a new export dir with a source that does not answer (a port where nothing listens): the connection error, and the dir left as it was', async () => {
  for (const command of [['export', 'schema'], ['export', 'data', 'from', 'source']]) {
    for (const type of ['postgresql', 'mysql']) {
      const dir = newExportDir();
      const r = await runTandem([...command, '--export-dir', dir, '--source-db-type', type, '--source-db-host', '127.0.0.1', '--source-db-port', '1',
        '--source-db-user', 'u', '--source-db-name', 'shop'], { SOURCE_DB_PASSWORD: 'pw' });
      assert.equal(r.code, 1, `${command.join(' ')} ${type}:\n${r.stderr}`);
      assert.match(r.stderr, /^error \[TANDEM_CONNECT\]: .*127\.0\.0\.1:1/m, `${command.join(' ')} ${type}`);
      assert.deepEqual(readdirSync(dir), [], `${command.join(' ')} ${type} left the export dir empty`);
    }
  }
});
