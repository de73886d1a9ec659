/**
 * Oracle's connection flags: which commands take them (with --help text), how the config file names
 * them, how the resolver turns them into the connection's engine options (kept in meta.db like the
 * other settings; the wallet password never), how they map to the Oracle connect options, and every
 * check made before anything connects.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { COMMANDS } from '../../../src/cli/command-registry.js';
import { CommandContext } from '../../../src/cli/command-context.js';
import { resolveOptions } from '../../../src/cli/option-resolver.js';
import { engineConnectionSettings, resolveDbConfig } from '../../../src/cli/db-config-resolver.js';
import { MetaStore } from '../../../src/core/meta-store.js';
import { toStored, type DbConfig } from '../../../src/core/db-config.js';
import { TandemError } from '../../../src/core/errors.js';
import {
  checkOracleConfig, describeOracleDb, oracleConnectOptions, oracleLogin, oracleSchemaOf, oracleTnsEnv, targetSchemaOf,
} from '../../../src/adapters/oracle/oracle-config.js';

const command = (words: string) => COMMANDS.find((c) => c.words.join(' ') === words)!;
const names = (words: string) => command(words).options.map((o) => o.name);
const ORACLE_FLAGS = ['oracle-db-sid', 'oracle-tns-alias', 'oracle-home', 'oracle-cdb-name', 'oracle-cdb-sid', 'oracle-cdb-tns-alias', 'oracle-wallet-location', 'oracle-wallet-password'];

test('the commands that connect to the source with all its settings take the Oracle flags; the others take the wallet password with the source password', () => {
  for (const words of ['export schema', 'export data', 'export data from source']) {
    assert.deepEqual(ORACLE_FLAGS.filter((f) => !names(words).includes(f)), [], words);
  }
  for (const words of ['import data to source', 'import data to target', 'export data from target', 'compare', 'get data-migration-report', 'end migration']) {
    assert.ok(names(words).includes('source-db-password') && names(words).includes('oracle-wallet-password'), words);
    assert.ok(!names(words).includes('oracle-db-sid'), `${words} takes the settings from meta.db`);
  }
  assert.ok(names('export schema').includes('source-ddl-files'));
  assert.ok(names('import data to source').includes('disable-triggers-and-fks'));
  assert.ok(names('export data from source').includes('disable-triggers-and-fks'));
  const wallet = command('export data').options.find((o) => o.name === 'oracle-wallet-password')!;
  assert.deepEqual([wallet.secret, wallet.env], [true, 'ORACLE_WALLET_PASSWORD']);
  const port = command('export data').options.find((o) => o.name === 'source-db-port')!;
  assert.equal(port.description, 'source database port (default: 5432 for PostgreSQL, 3306 for MySQL, 1521 for Oracle)');
  assert.equal(command('export data').options.find((o) => o.name === 'oracle-db-sid')!.description,
    'Oracle only: the System Identifier (SID) of the database, instead of its service name in --source-db-name');
});

test('the config file takes the Oracle keys in its source section, and still refuses unknown ones', () => {
  const sections = new Set(COMMANDS.map((c) => c.configSection));
  const o = resolveOptions(command('export data').options, {}, {}, { source: { 'db-type': 'oracle', 'oracle-db-sid': 'ORCL', 'oracle-home': '/u01/app/oracle' } }, 'export-data', sections);
  assert.deepEqual([o.get('oracle-db-sid'), o.get('oracle-home')], ['ORCL', '/u01/app/oracle']);
  assert.throws(() => resolveOptions(command('export data').options, {}, {}, { source: { 'oracle-sid': 'ORCL' } }, 'export-data', sections),
    (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_CONFIG' && e.message === 'Unknown key "oracle-sid" in config section "source".');
});

function ctxOf(flags: Record<string, string | boolean>, words = 'export data'): CommandContext {
  const all: Record<string, string | boolean> = { yes: true, ...flags };
  return new CommandContext(words, new Map(Object.entries(all)), new Set(Object.keys(all).filter((k) => k !== 'yes')));
}

test('engine settings: the Oracle flags without their prefix, paths absolute, TNS_ADMIN recorded with an alias, the wallet password apart', () => {
  const s = engineConnectionSettings(ctxOf({ 'oracle-tns-alias': 'ORCLPDB1', 'oracle-home': 'oh', 'oracle-wallet-location': 'w', 'oracle-wallet-password': 'wallet-pw-1' }), 'oracle', undefined, { TNS_ADMIN: 'tns' });
  assert.deepEqual(s, {
    options: { 'tns-alias': 'ORCLPDB1', home: resolve('oh'), 'wallet-location': resolve('w'), 'tns-admin': resolve('tns') },
    secrets: { 'wallet-password': 'wallet-pw-1' },
  });
  // Flags over what meta.db remembers; nothing given: what it remembers.
  assert.deepEqual(engineConnectionSettings(ctxOf({ 'oracle-db-sid': 'NEW' }), 'oracle', { 'db-sid': 'OLD', 'cdb-name': 'CDB1' }, {}).options, { 'db-sid': 'NEW', 'cdb-name': 'CDB1' });
  // An Oracle flag for another engine is refused, not ignored.
  assert.throws(() => engineConnectionSettings(ctxOf({ 'oracle-db-sid': 'ORCL' }), 'postgresql', undefined, {}),
    (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_USAGE' && e.message === '--oracle-db-sid applies to --source-db-type oracle, not postgresql.');
});

test('resolveDbConfig for Oracle: the schema upper-cased as Oracle does, port 1521, the Oracle settings stored in meta.db, never a password', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-meta-'));
  const meta = MetaStore.open(join(dir, 'meta.db'));
  try {
    const first = await resolveDbConfig(ctxOf({
      'source-db-type': 'oracle', 'source-db-host': 'ora1', 'source-db-user': 'c##ybvoyager', 'source-db-schema': 'hr',
      'oracle-db-sid': 'ORCLCDB', 'oracle-cdb-sid': 'ORCLCDB', 'source-db-password': 'db-pw-1', 'oracle-wallet-password': 'wallet-pw-1',
    }), meta, 'source');
    assert.deepEqual({ ...first, engineSecrets: undefined, password: undefined }, {
      role: 'source', type: 'oracle', host: 'ora1', port: 1521, user: 'c##ybvoyager', database: '', schemas: ['HR'], schemaRefs: [{ text: 'hr', quoted: false }],
      sslMode: undefined, sslRootCert: undefined, sslCert: undefined, sslKey: undefined, sslCrl: undefined, password: undefined,
      engineOptions: { 'db-sid': 'ORCLCDB', 'cdb-sid': 'ORCLCDB' }, engineSecrets: undefined,
    });
    assert.deepEqual([first.password, first.engineSecrets], ['db-pw-1', { 'wallet-password': 'wallet-pw-1' }]);
    meta.setDbConfig('source', toStored(first));
    assert.deepEqual(meta.getDbConfig('source'), {
      type: 'oracle', host: 'ora1', port: 1521, user: 'c##ybvoyager', database: '', schemas: ['HR'], engineOptions: { 'db-sid': 'ORCLCDB', 'cdb-sid': 'ORCLCDB' },
    });
    // A quoted mixed-case schema keeps its case.
    const quoted = await resolveDbConfig(ctxOf({ 'source-db-type': 'oracle', 'source-db-user': 'u', 'source-db-name': 'pdb1', 'source-db-schema': '"Sales"' }), meta, 'source');
    assert.deepEqual(quoted.schemas, ['Sales']);
    // A later command with only the passwords gets everything else from meta.db.
    const later = await resolveDbConfig(ctxOf({ 'source-db-password': 'db-pw-1' }, 'import data to source'), meta, 'source');
    assert.deepEqual([later.type, later.host, later.schemas, later.engineOptions], ['oracle', 'ora1', ['HR'], { 'db-sid': 'ORCLCDB', 'cdb-sid': 'ORCLCDB' }]);
  } finally {
    meta.close();
  }
  const stored = readFileSync(join(dir, 'meta.db')).toString('latin1');
  assert.ok(!stored.includes('db-pw-1') && !stored.includes('wallet-pw-1'), 'no password in meta.db');
});

test('export schema from DDL files resolves the source without a user, a database or a password', async () => {
  const meta = MetaStore.open(join(mkdtempSync(join(tmpdir(), 'tandem-meta-')), 'meta.db'));
  try {
    const db = await resolveDbConfig(ctxOf({ 'source-db-type': 'oracle', 'source-db-schema': 'shop' }, 'export schema'), meta, 'source', { offline: true });
    assert.deepEqual([db.type, db.user, db.database, db.schemas, db.password], ['oracle', '', '', ['SHOP'], undefined]);
  } finally {
    meta.close();
  }
});

const base: DbConfig = { role: 'source', type: 'oracle', host: 'ora1', port: 1521, user: 'c##ybvoyager', database: 'ORCLPDB1', schemas: ['HR'] };

test('Oracle connect options from the connection: service name, SID, aliases, CDB, SSL and wallet', () => {
  assert.deepEqual(oracleConnectOptions(base), { host: 'ora1', port: 1521, serviceName: 'ORCLPDB1' });
  assert.deepEqual(oracleConnectOptions({ ...base, database: '', sslMode: 'verify-full', engineOptions: { 'db-sid': 'ORCL', 'cdb-tns-alias': 'CDB', 'wallet-location': '/w', home: '/oh' } }),
    { host: 'ora1', port: 1521, sid: 'ORCL', cdbTnsAlias: 'CDB', sslMode: 'verify-full', walletLocation: '/w' });
  assert.deepEqual(oracleLogin({ ...base, password: 'p', engineOptions: { home: '/oh' }, engineSecrets: { 'wallet-password': 'wp' } }),
    { user: 'c##ybvoyager', password: 'p', oracleHome: '/oh', walletPassword: 'wp' });
  assert.equal(oracleTnsEnv({ engineOptions: { 'tns-admin': '/recorded' } }, { PATH: '/bin' }).TNS_ADMIN, '/recorded');
  assert.equal(oracleTnsEnv({ engineOptions: { 'tns-admin': '/recorded' } }, { TNS_ADMIN: '/now' }).TNS_ADMIN, '/now');
  assert.equal(describeOracleDb(base), 'c##ybvoyager@ora1:1521/ORCLPDB1');
  assert.equal(describeOracleDb({ ...base, database: '', engineOptions: { 'tns-alias': 'PDB1' } }), 'c##ybvoyager@TNS alias PDB1');
  assert.equal(oracleSchemaOf(base), 'HR');
  assert.equal(targetSchemaOf(base), 'hr');
  assert.equal(targetSchemaOf({ schemas: ['Sales'] }), 'Sales');
});

test('every wrong combination is a usage error before anything connects, naming the flag', () => {
  const usage = (db: DbConfig, message: string) => assert.throws(() => checkOracleConfig(db),
    (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_USAGE' && e.message === message, message);
  usage({ ...base, schemas: [] }, '--source-db-schema is required for an Oracle source: name the one schema to migrate (e.g. --source-db-schema HR).');
  usage({ ...base, schemas: ['HR', 'OE'] }, 'An Oracle migration moves one schema at a time; --source-db-schema names 2 (HR, OE).');
  usage({ ...base, database: '' }, 'Oracle needs the database: give --source-db-name (service name), --oracle-db-sid or --oracle-tns-alias.');
  usage({ ...base, engineOptions: { 'db-sid': 'ORCL' } }, 'Give only one of --source-db-name, --oracle-db-sid and --oracle-tns-alias (got --source-db-name and --oracle-db-sid).');
  usage({ ...base, engineOptions: { 'cdb-name': 'A', 'cdb-sid': 'B' } }, 'Give only one of --oracle-cdb-name, --oracle-cdb-sid and --oracle-cdb-tns-alias (got --oracle-cdb-name and --oracle-cdb-sid).');
  usage({ ...base, sslRootCert: '/ca.pem' }, '--source-ssl-root-cert does not apply to Oracle.');
  usage({ ...base, sslKey: '/k.pem' }, '--source-ssl-key does not apply to Oracle.');
  usage({ ...base, database: 'pdb1 (x)' }, '--source-db-name holds characters that cannot appear in an Oracle connect descriptor ("(", ")", "=", quotes or spaces).');
  assert.doesNotThrow(() => checkOracleConfig({ ...base, database: '', engineOptions: { 'tns-alias': 'PDB1', 'cdb-tns-alias': 'CDB1' } }));
});
