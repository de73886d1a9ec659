import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERROR_CODES, TandemError, EXIT_USAGE, EXIT_USER_ERROR, connectionLostError, nativeModuleError } from '../../../src/core/errors.js';
import { spokenErrorMessage } from '../../../src/core/errors.js';
import { ConnectionOutage } from '../../../src/core/reconnect-budget.js';
import { compareOne } from '../../../src/workflow/verify/table-comparison.js';

test('every error code is TANDEM_UPPER_SNAKE and documents itself in one or more full sentences', () => {
  for (const [code, text] of Object.entries(ERROR_CODES)) {
    assert.match(code, /^TANDEM_[A-Z_]+$/, code);
    assert.match(text, /^[A-Z].{20,}\.$/s, `${code} needs a sentence that says what it means and how to fix it`);
  }
});

test('docs/errors.md lists every code with its text (regenerate with node scripts/gen-error-docs.mjs)', () => {
  const doc = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8');
  for (const [code, text] of Object.entries(ERROR_CODES)) assert.ok(doc.includes(`| \`${code}\` | ${text} |`), code);
});

test('usage errors exit 2, the others 1', () => {
  assert.equal(new TandemError('TANDEM_USAGE', 'x').exitCode, EXIT_USAGE);
  assert.equal(new TandemError('TANDEM_AUTH', 'x').exitCode, EXIT_USER_ERROR);
});

test('a lost Oracle connection (node-oracledb thin NJS-500, ORA-03113) is TANDEM_CONNECT with the rerun hint; another Oracle error is not (no Oracle server here: errors shaped as node-oracledb documents them)', () => {
  const broken = Object.assign(new Error('NJS-500: connection to the Oracle Database was broken'), { code: 'NJS-500' });
  assert.equal(connectionLostError(broken, 'export data')?.code, 'TANDEM_CONNECT');
  const eof = Object.assign(new Error('ORA-03113: end-of-file on communication channel'), { code: 'ORA-03113', errorNum: 3113 });
  assert.match(connectionLostError(new Error('mining failed', { cause: eof }), 'export data')?.message ?? '', /^A database connection was lost: ORA-03113: end-of-file on communication channel\.$/);
  assert.equal(connectionLostError(Object.assign(new Error('ORA-00001: unique constraint violated'), { code: 'ORA-00001' }), 'export data'), undefined);
  // mysql2's own message ends with a period: one period, not two (the mysql-chaos run).
  assert.equal(connectionLostError(Object.assign(new Error('Connection lost: The server closed the connection.'), { code: 'PROTOCOL_CONNECTION_LOST' }), 'export data')?.message,
    'A database connection was lost: Connection lost: The server closed the connection.');
});

test('a native module that cannot load (installed unbuilt by npm 11, or built for another Node.js) is TANDEM_PREREQUISITE with the way to build it, not an internal error', () => {
  // As the bindings package (better-sqlite3's loader) words it when no built file exists.
  const unbuilt = new Error('Could not locate the bindings file. Tried:\n → /p/node_modules/better-sqlite3/build/better_sqlite3.node');
  const a = nativeModuleError(unbuilt);
  assert.equal(a?.code, 'TANDEM_PREREQUISITE');
  assert.match(a?.message ?? '', /better-sqlite3 cannot load: it was installed without being built/);
  assert.match(a?.hint ?? '', /npm install -g --allow-scripts=better-sqlite3,oracledb/);
  const mismatched = Object.assign(new Error('The module was compiled against a different Node.js version using NODE_MODULE_VERSION 115.'), { code: 'ERR_DLOPEN_FAILED' });
  assert.match(nativeModuleError(mismatched)?.hint ?? '', /npm rebuild better-sqlite3/);
  assert.equal(nativeModuleError(new Error('something else')), undefined);
});

// The kill-mysql-51 run: node-pg's and mysql2's texts for a connection used after it broke reached the screen as they are.
test('a driver\'s text for a connection used after it broke is said in words, in the outage warning and in a comparison\'s error; other messages are kept', async () => {
  assert.equal(spokenErrorMessage('Client has encountered a connection error and is not queryable'), 'its connection had broken: the server went away or the network failed');
  assert.equal(spokenErrorMessage('Can\'t add new command when connection is in closed state'), 'its connection had been closed: the server went away or the network failed');
  assert.equal(spokenErrorMessage('relation "x" does not exist'), 'relation "x" does not exist');
  const warnings: string[] = [];
  const outage = new ConnectionOutage('target', 'u@h:5432/db', (m) => warnings.push(m), () => {});
  const lost = await outage.retry('channel 0', undefined, 'Client has encountered a connection error and is not queryable', new Error('x'), async () => {}, async () => {});
  assert.equal(lost, undefined);
  assert.match(warnings[0]!, /^Lost the connection to the target database u@h:5432\/db \(its connection had broken: the server went away or the network failed\); waiting for it to come back/);
  const side = { label: 'source', fingerprint: async () => { throw new Error('Can\'t add new command when connection is in closed state'); } };
  const other = { label: 'target', fingerprint: async () => ({ rows: 1, checksum: '1' }) };
  const r = await compareOne(side as never, other as never, { key: 'public.t', schema: 'public', name: 't', columns: ['id'] } as never);
  assert.equal(r.error, 'source: its connection had been closed: the server went away or the network failed');
});
