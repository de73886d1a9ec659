import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPair, parseTnsnames, summarizeDescriptor, withConnectData, serializePair } from '../../../src/adapters/oracle/tnsnames.js';
import { connectTarget, tnsAdminDirectory, validateOracleOptions } from '../../../src/adapters/oracle/connect-descriptor.js';
import { isOracleTransientConflict, isOracleUniqueViolation, mapOracleConnectError, mapOracleError, oracleErrorCode } from '../../../src/adapters/oracle/oracle-errors.js';
import { sessionSettingsSql } from '../../../src/adapters/oracle/session-settings.js';
import { loadOracleDriver, readTnsnames } from '../../../src/adapters/oracle/connection.js';
import { TandemError } from '../../../src/core/errors.js';

const TNSNAMES = `# Tandem test tnsnames.ora
# with comments, several aliases, nested lists and SECURITY

ORCLPDB1, PDB1.EXAMPLE.COM =
  (DESCRIPTION =
    (ADDRESS_LIST =
      (ADDRESS = (PROTOCOL = TCP)(HOST = db1.example.com)(PORT = 1521))   # primary
      (ADDRESS = (PROTOCOL = TCP)(HOST = db2.example.com)(PORT = 1522))
    )
    (LOAD_BALANCE = off)(FAILOVER = on)
    (CONNECT_DATA =
      (SERVER = DEDICATED)
      (SERVICE_NAME = orclpdb1.example.com)
    )
  )

secure_pdb =
 (DESCRIPTION=
   (RETRY_COUNT=3)
   (ADDRESS=(PROTOCOL=tcps)(HOST=adb.eu-frankfurt-1.oraclecloud.com)(PORT=1522))
   (CONNECT_DATA=(SERVICE_NAME=abc_low.adb.oraclecloud.com))
   (SECURITY=(SSL_SERVER_DN_MATCH=yes)(SSL_SERVER_CERT_DN="CN=adb.eu-frankfurt-1.oraclecloud.com, O=Oracle Corporation, L=Redwood City, ST=California, C=US"))
 )

ORCLCDB=(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=db1.example.com)(PORT=1521))(CONNECT_DATA=(SID=ORCLCDB)))
ezc = db3.example.com:1521/sales.example.com
`;

test('tnsnames.ora: comments, several aliases per entry, nested ADDRESS_LIST, SECURITY with a quoted DN, SID, Easy Connect', () => {
  const f = parseTnsnames(TNSNAMES);
  assert.deepEqual([...f.entries.keys()], ['ORCLPDB1', 'PDB1.EXAMPLE.COM', 'SECURE_PDB', 'ORCLCDB', 'EZC']);
  assert.equal(f.entries.get('ORCLPDB1')!.connectString,
    '(DESCRIPTION=(ADDRESS_LIST=(ADDRESS=(PROTOCOL=TCP)(HOST=db1.example.com)(PORT=1521))(ADDRESS=(PROTOCOL=TCP)(HOST=db2.example.com)(PORT=1522)))(LOAD_BALANCE=off)(FAILOVER=on)(CONNECT_DATA=(SERVER=DEDICATED)(SERVICE_NAME=orclpdb1.example.com)))');
  assert.equal(f.entries.get('PDB1.EXAMPLE.COM')!.connectString, f.entries.get('ORCLPDB1')!.connectString);
  assert.deepEqual(summarizeDescriptor(f.entries.get('ORCLPDB1')!.pairs), {
    addresses: [{ protocol: 'TCP', host: 'db1.example.com', port: 1521 }, { protocol: 'TCP', host: 'db2.example.com', port: 1522 }],
    serviceName: 'orclpdb1.example.com',
  });
  const secure = f.entries.get('SECURE_PDB')!;
  assert.equal(findPair(secure.pairs, 'SSL_SERVER_CERT_DN')!.value, 'CN=adb.eu-frankfurt-1.oraclecloud.com, O=Oracle Corporation, L=Redwood City, ST=California, C=US');
  assert.deepEqual(summarizeDescriptor(secure.pairs).addresses, [{ protocol: 'TCPS', host: 'adb.eu-frankfurt-1.oraclecloud.com', port: 1522 }]);
  assert.equal(summarizeDescriptor(f.entries.get('ORCLCDB')!.pairs).sid, 'ORCLCDB');
  assert.deepEqual(f.entries.get('EZC'), { alias: 'ezc', pairs: [], connectString: 'db3.example.com:1521/sales.example.com' });
});

test('tnsnames.ora: IFILE lines are reported; syntax errors name their line', () => {
  assert.deepEqual(parseTnsnames('IFILE = /etc/oracle/more.ora\nA=(DESCRIPTION=(ADDRESS=(HOST=h)))').includes, ['/etc/oracle/more.ora']);
  assert.throws(() => parseTnsnames('A =\n (DESCRIPTION =\n   (ADDRESS = (HOST = h)\n'), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_CONFIG' && /line 4/.test(e.message));
  assert.throws(() => parseTnsnames('A = (DESCRIPTION (ADDRESS=(HOST=h)))'), (e: unknown) => e instanceof TandemError && /line 1: expected "="/.test(e.message));
});

test('readTnsnames follows IFILE relative to TNS_ADMIN', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-tns-'));
  try {
    writeFileSync(join(dir, 'tnsnames.ora'), 'IFILE = extra.ora\nMAIN = (DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=h)(PORT=1))(CONNECT_DATA=(SERVICE_NAME=s)))\n');
    writeFileSync(join(dir, 'extra.ora'), 'EXTRA = (DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=x)(PORT=2))(CONNECT_DATA=(SID=X)))\n');
    const f = await readTnsnames(dir);
    assert.deepEqual([...f.entries.keys()].sort(), ['EXTRA', 'MAIN']);
    await assert.rejects(readTnsnames(join(dir, 'nope')), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_CONFIG');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('withConnectData points a descriptor at another service or SID and keeps the rest', () => {
  const f = parseTnsnames(TNSNAMES);
  const cdb = withConnectData(f.entries.get('SECURE_PDB')!.pairs, { sid: 'CDB1' });
  assert.equal(cdb.map(serializePair).join(''),
    '(DESCRIPTION=(RETRY_COUNT=3)(ADDRESS=(PROTOCOL=tcps)(HOST=adb.eu-frankfurt-1.oraclecloud.com)(PORT=1522))(CONNECT_DATA=(SID=CDB1))(SECURITY=(SSL_SERVER_DN_MATCH=yes)(SSL_SERVER_CERT_DN=CN=adb.eu-frankfurt-1.oraclecloud.com, O=Oracle Corporation, L=Redwood City, ST=California, C=US)))');
});

test('connect targets: Easy Connect for a service, descriptors for a SID and for TCPS, aliases as written', () => {
  const tns = parseTnsnames(TNSNAMES);
  assert.deepEqual(connectTarget({ host: 'db1', serviceName: 'ORCLPDB1' }, 'pdb'), { connectString: 'db1:1521/ORCLPDB1', describe: 'db1:1521/ORCLPDB1' });
  assert.deepEqual(connectTarget({ host: '::1', port: 1600, serviceName: 'S' }, 'pdb'), { connectString: '[::1]:1600/S', describe: '::1:1600/S' });
  assert.deepEqual(connectTarget({ host: 'db1', sid: 'ORCL' }, 'pdb'), {
    connectString: '(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=db1)(PORT=1521))(CONNECT_DATA=(SID=ORCL)))', describe: 'db1:1521/SID ORCL',
  });
  assert.deepEqual(connectTarget({ host: 'db1', port: 2484, serviceName: 'S', sslMode: 'verify-full', walletLocation: '/w' }, 'pdb'), {
    connectString: '(DESCRIPTION=(ADDRESS=(PROTOCOL=TCPS)(HOST=db1)(PORT=2484))(CONNECT_DATA=(SERVICE_NAME=S))(SECURITY=(SSL_SERVER_DN_MATCH=ON)))',
    describe: 'db1:2484/S (TCPS)', walletLocation: '/w', sslServerDNMatch: true,
  });
  assert.equal(connectTarget({ host: 'db1', serviceName: 'S', sslMode: 'require' }, 'pdb').connectString,
    '(DESCRIPTION=(ADDRESS=(PROTOCOL=TCPS)(HOST=db1)(PORT=1521))(CONNECT_DATA=(SERVICE_NAME=S))(SECURITY=(SSL_SERVER_DN_MATCH=OFF)))');
  assert.equal(connectTarget({ host: 'db1', serviceName: 'S', sslMode: 'prefer' }, 'pdb').connectString, 'db1:1521/S');
  // An alias is passed as written; a TCPS alias gets the wallet from TNS_ADMIN by default.
  assert.deepEqual(connectTarget({ tnsAlias: 'secure_pdb' }, 'pdb', tns, '/opt/tns'), {
    connectString: tns.entries.get('SECURE_PDB')!.connectString, describe: 'TNS alias secure_pdb', walletLocation: '/opt/tns',
  });
  assert.deepEqual(connectTarget({ tnsAlias: 'orclpdb1' }, 'pdb', tns, '/opt/tns'), { connectString: tns.entries.get('ORCLPDB1')!.connectString, describe: 'TNS alias orclpdb1' });
});

test('container database targets: by service or SID on the same listener, by its own alias, or from the PDB alias', () => {
  const tns = parseTnsnames(TNSNAMES);
  assert.equal(connectTarget({ host: 'db1', serviceName: 'ORCLPDB1', cdbServiceName: 'ORCLCDB' }, 'cdb').connectString, 'db1:1521/ORCLCDB');
  assert.equal(connectTarget({ host: 'db1', serviceName: 'ORCLPDB1', cdbSid: 'ORCLCDB' }, 'cdb').connectString,
    '(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=db1)(PORT=1521))(CONNECT_DATA=(SID=ORCLCDB)))');
  assert.equal(connectTarget({ tnsAlias: 'ORCLPDB1', cdbTnsAlias: 'ORCLCDB' }, 'cdb', tns).connectString, tns.entries.get('ORCLCDB')!.connectString);
  assert.equal(connectTarget({ tnsAlias: 'ORCLPDB1', cdbSid: 'ORCLCDB' }, 'cdb', tns).connectString,
    '(DESCRIPTION=(ADDRESS_LIST=(ADDRESS=(PROTOCOL=TCP)(HOST=db1.example.com)(PORT=1521))(ADDRESS=(PROTOCOL=TCP)(HOST=db2.example.com)(PORT=1522)))(LOAD_BALANCE=off)(FAILOVER=on)(CONNECT_DATA=(SID=ORCLCDB)(SERVER=DEDICATED)))');
  assert.throws(() => connectTarget({ host: 'db1', serviceName: 'ORCLPDB1' }, 'cdb'), (e: unknown) => e instanceof TandemError && /--oracle-cdb-name/.test(e.message));
});

test('bad option combinations are usage errors before anything connects', () => {
  const usage = (re: RegExp) => (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_USAGE' && re.test(e.message);
  assert.throws(() => validateOracleOptions({ host: 'h' }), usage(/needs the database/));
  assert.throws(() => validateOracleOptions({ host: 'h', serviceName: 'S', sid: 'X' }), usage(/only one of --source-db-name, --oracle-db-sid/));
  assert.throws(() => validateOracleOptions({ host: 'h', serviceName: 'S', cdbSid: 'A', cdbServiceName: 'B' }), usage(/only one of --oracle-cdb-name/));
  assert.throws(() => validateOracleOptions({ serviceName: 'S' }), usage(/--source-db-host is required/));
  assert.throws(() => validateOracleOptions({ host: 'h', serviceName: 'S)(HOST=evil' }), usage(/cannot appear in an Oracle connect descriptor/));
  assert.throws(() => validateOracleOptions({ host: 'h', serviceName: 'S', sslRootCert: '/ca.pem' }), usage(/does not apply to Oracle/));
  assert.throws(() => connectTarget({ tnsAlias: 'X' }, 'pdb'), usage(/needs tnsnames\.ora/));
  assert.throws(() => connectTarget({ tnsAlias: 'nope' }, 'pdb', parseTnsnames(TNSNAMES)), (e: unknown) => e instanceof TandemError && /not in tnsnames\.ora/.test(e.message) && /ORCLCDB/.test(e.hint ?? ''));
  assert.equal(tnsAdminDirectory({ TNS_ADMIN: '/tns' }, '/u01/app/oracle'), '/tns');
  assert.equal(tnsAdminDirectory({}, '/u01/app/oracle/'), '/u01/app/oracle/network/admin');
  assert.equal(tnsAdminDirectory({}), undefined);
});

test('Oracle errors map by code (never by message text), and the message carries no Oracle text', () => {
  const err = (code: string, message = 'ORA-xxxxx: secret value 42 in message') => Object.assign(new Error(message), { code });
  const cases: [string, string][] = [
    ['ORA-01017', 'TANDEM_AUTH'], ['ORA-28000', 'TANDEM_AUTH'], ['ORA-12514', 'TANDEM_DB_MISSING'], ['NJS-518', 'TANDEM_DB_MISSING'],
    ['ORA-12505', 'TANDEM_DB_MISSING'], ['NJS-519', 'TANDEM_DB_MISSING'], ['ORA-12541', 'TANDEM_CONNECT'], ['NJS-511', 'TANDEM_CONNECT'],
    ['NJS-503', 'TANDEM_CONNECT'], ['NJS-506', 'TANDEM_CONNECT'], ['ORA-01031', 'TANDEM_PRIVILEGE'], ['ORA-00942', 'TANDEM_PRIVILEGE'],
    ['ORA-01045', 'TANDEM_PRIVILEGE'], ['ORA-01291', 'TANDEM_PREREQUISITE'], ['ORA-01555', 'TANDEM_DATA'], ['ORA-22924', 'TANDEM_DATA'], ['NJS-529', 'TANDEM_CONNECT'],
  ];
  for (const [code, expected] of cases) {
    const t = mapOracleError(err(code), 'db1:1521/ORCLPDB1');
    assert.ok(t instanceof TandemError, code);
    assert.equal(t.code, expected, code);
    assert.ok(t.message.includes(code) && t.message.includes('db1:1521/ORCLPDB1'), code);
    assert.ok(!t.message.includes('secret'), code);
    assert.ok((t.hint ?? '').length > 20, code);
  }
  // Fall-back writes: a value the source's column cannot take is a data error whose hint names the
  // column Oracle's message names (documented message forms), never the sizes or values around it.
  const data = (code: string, message: string) => mapOracleError(Object.assign(new Error(message), { code }), 'db1:1521/ORCLPDB1')!;
  const tooLarge = data('ORA-12899', 'ORA-12899: value too large for column "HR"."EMPLOYEES"."LAST_NAME" (actual: 30, maximum: 25)');
  assert.equal(tooLarge.code, 'TANDEM_DATA');
  assert.equal(tooLarge.message, 'A value written on the target is too large for its column on db1:1521/ORCLPDB1 (ORA-12899).');
  assert.match(tooLarge.hint ?? '', /^Widen "HR"\."EMPLOYEES"\."LAST_NAME" on the source \(ALTER TABLE … MODIFY/);
  assert.doesNotMatch(`${tooLarge.message} ${tooLarge.hint}`, /actual|30|maximum/);
  const notNull = data('ORA-01400', 'ORA-01400: cannot insert NULL into ("HR"."EMPLOYEES"."EMAIL")');
  assert.equal(notNull.code, 'TANDEM_DATA');
  assert.match(notNull.hint ?? '', /^Let "HR"\."EMPLOYEES"\."EMAIL" take NULL on the source/);
  assert.match(data('ORA-12899', 'ORA-12899: something else').hint ?? '', /^Widen the column on the source/);
  for (const code of ['ORA-01438', 'ORA-02290']) assert.equal(data(code, `${code}: …`).code, 'TANDEM_DATA', code);
  // The message text alone decides nothing.
  assert.equal(mapOracleError(new Error('ORA-01017: invalid username/password'), 'x'), undefined);
  assert.equal(mapOracleError(Object.assign(new Error('x'), { errorNum: 1017 }), 'x')!.code, 'TANDEM_AUTH');
  assert.equal(mapOracleError(err('ORA-99999'), 'x'), undefined);
  assert.equal(oracleErrorCode(Object.assign(new Error(), { errorNum: 1 })), 'ORA-00001');
  assert.equal(isOracleUniqueViolation(err('ORA-00001')), true);
  assert.equal(isOracleTransientConflict(err('ORA-00060')), true);
  assert.equal(isOracleTransientConflict(err('ORA-00001')), false);
});

test('session settings fix every format Oracle prints values in', () => {
  assert.equal(sessionSettingsSql(),
    "ALTER SESSION SET NLS_DATE_FORMAT = 'SYYYY-MM-DD HH24:MI:SS' NLS_TIMESTAMP_FORMAT = 'SYYYY-MM-DD HH24:MI:SS.FF9' " +
    "NLS_TIMESTAMP_TZ_FORMAT = 'SYYYY-MM-DD HH24:MI:SS.FF9 TZH:TZM' NLS_NUMERIC_CHARACTERS = '.,' TIME_ZONE = '+00:00' " +
    "NLS_CALENDAR = 'GREGORIAN' NLS_DATE_LANGUAGE = 'AMERICAN' NLS_SORT = 'BINARY' NLS_COMP = 'BINARY'");
});

test('node-oracledb loads in thin mode without Instant Client', async () => {
  const d = await loadOracleDriver();
  assert.equal(d.thin, true);
  assert.match(d.versionString, /^\d+\.\d+\.\d+/);
  assert.equal(typeof d.getConnection, 'function');
  assert.equal(d.DB_TYPE_NUMBER.name, 'DB_TYPE_NUMBER');
});

test('only src/adapters/oracle/connection.ts imports oracledb, and only with a dynamic import()', () => {
  const root = new URL('../../../../src/', import.meta.url).pathname;
  const offenders: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) { walk(p); continue; }
      if (!p.endsWith('.ts') || p.endsWith('.d.ts')) continue;
      const text = readFileSync(p, 'utf8');
      const staticImport = /^\s*import\s+(?!type\b)[^;]*from\s+['"]oracledb['"]/m.test(text);
      const dynamic = /import\(\s*['"]oracledb['"]\s*\)/.test(text);
      const rel = p.slice(root.length);
      if (staticImport || (dynamic && rel !== 'adapters/oracle/connection.ts')) offenders.push(rel);
    }
  };
  walk(root);
  assert.deepEqual(offenders, []);
  assert.match(readFileSync(join(root, 'adapters/oracle/connection.ts'), 'utf8'), /import\('oracledb'\)/);
});

test('a connection closed while it is being opened (NJS-500/501) names another kind of server, --source-db-type and the port, not "rerun: it resumes" (measured before: "The server or the network dropped the connection; rerun the command: it resumes.")', () => {
  const closed = Object.assign(new Error('NJS-500: connection to Oracle Database was closed or broken'), { code: 'NJS-500' });
  const t = mapOracleConnectError(closed, '127.0.0.1:27001/shop', 27001);
  assert.ok(t instanceof TandemError);
  assert.equal(t.code, 'TANDEM_CONNECT');
  assert.equal(t.message, 'The server at 127.0.0.1:27001/shop closed the connection as Tandem connected, without an Oracle listener\'s answer (NJS-500): another kind of server may listen there.');
  assert.equal(t.hint, 'Check --source-db-type (postgresql or mysql for those servers) and --source-db-port (27001; an Oracle listener\'s default is 1521), that the Oracle listener runs there (lsnrctl status), and for a port that expects TCPS, --source-ssl-mode.');
  assert.match(mapOracleConnectError(Object.assign(new Error('x'), { code: 'NJS-501' }), 'ORCL (service ORCLCDB)', undefined)!.hint ?? '', /--source-db-type \(postgresql or mysql for those servers\) and the address of the TNS alias,/);
  // Other connect errors keep their own mapping; a drop after the connection was made keeps "rerun".
  assert.equal(mapOracleConnectError(Object.assign(new Error('x'), { code: 'ORA-01017' }), 'db1:1521/ORCLPDB1', 1521)!.code, 'TANDEM_AUTH');
  assert.match(mapOracleError(closed, 'db1:1521/ORCLPDB1')!.hint ?? '', /rerun the command: it resumes/);
});
