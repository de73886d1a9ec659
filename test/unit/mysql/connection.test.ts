import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkSupportedVersion, parseServerVersion } from '../../../src/adapters/mysql/server-version.js';
import { mapMySqlConnectError, mysqlConnectionOptions, sslOptions, type MySqlDbConfig } from '../../../src/adapters/mysql/connection.js';
import { TandemError } from '../../../src/core/errors.js';

const base: MySqlDbConfig = { role: 'source', type: 'mysql', host: 'db1', port: 3306, user: 'tandem', database: 'shop', schemas: [], password: 's3cret-pw' };

test('parseServerVersion tells MariaDB from MySQL and reads the numbers', () => {
  assert.deepEqual(
    { ...parseServerVersion('10.11.19-MariaDB-0+deb12u1-log', 'Debian 12') },
    { flavor: 'mariadb', major: 10, minor: 11, patch: 19, versionText: '10.11.19-MariaDB-0+deb12u1-log', versionComment: 'Debian 12', label: 'MariaDB 10.11.19' },
  );
  assert.equal(parseServerVersion('8.0.36', 'MySQL Community Server - GPL').label, 'MySQL 8.0.36');
  assert.equal(parseServerVersion('8.0.36-28', 'Percona Server (GPL), Release 28').flavor, 'mysql');
  assert.equal(parseServerVersion('8.0.mysql_aurora.3.04.0', 'Source distribution').label, 'MySQL 8.0');
  assert.equal(parseServerVersion('11.4.2-MariaDB', 'mariadb.org binary distribution').flavor, 'mariadb');
  // A MariaDB build whose VERSION() lacks the word still says it in the comment.
  assert.equal(parseServerVersion('10.6.4', 'MariaDB Server').flavor, 'mariadb');
  assert.throws(() => parseServerVersion('garbage'), (e: TandemError) => e.code === 'TANDEM_UNSUPPORTED');
});

test('checkSupportedVersion refuses MySQL before 8.0 and MariaDB before 10.6, and says what runs', () => {
  for (const [v, c] of [['8.0.11', ''], ['8.4.0', ''], ['9.1.0', ''], ['10.6.0-MariaDB', ''], ['11.4.2-MariaDB', '']]) {
    checkSupportedVersion(parseServerVersion(v!, c), 'the source database');
  }
  assert.throws(() => checkSupportedVersion(parseServerVersion('5.7.44-log', 'MySQL Community Server (GPL)'), 'the source database x'), (e: TandemError) =>
    e.code === 'TANDEM_UNSUPPORTED' && e.message === 'the source database x runs MySQL 5.7.44 (5.7.44-log); Tandem needs MySQL 8.0 or later.');
  assert.throws(() => checkSupportedVersion(parseServerVersion('10.5.23-MariaDB', ''), 'the source database x'), (e: TandemError) =>
    e.code === 'TANDEM_UNSUPPORTED' && e.message === 'the source database x runs MariaDB 10.5.23 (10.5.23-MariaDB); Tandem needs MariaDB 10.6 or later.');
});

test('connection options keep every value as text or bytes and default to port 3306', () => {
  const o = mysqlConnectionOptions({ ...base, port: 0, sslMode: 'disable' });
  assert.equal(o.port, 3306);
  assert.equal(o.dateStrings, true);
  assert.equal(o.supportBigNumbers, true);
  assert.equal(o.bigNumberStrings, true);
  assert.equal(o.decimalNumbers, false);
  assert.equal(o.jsonStrings, true);
  assert.equal(o.ssl, undefined);
  assert.equal(typeof o.typeCast, 'function');
});

test('ssl modes map onto mysql2 ssl options', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-ssl-unit-'));
  try {
    writeFileSync(join(dir, 'ca.pem'), 'CA-PEM');
    writeFileSync(join(dir, 'cert.pem'), 'CERT-PEM');
    writeFileSync(join(dir, 'key.pem'), 'KEY-PEM');
    const ca = join(dir, 'ca.pem');
    assert.equal(sslOptions({ ...base, sslMode: 'disable' }), undefined);
    assert.equal(sslOptions({ ...base, sslMode: 'allow' }), undefined);
    assert.deepEqual(sslOptions({ ...base, sslMode: 'prefer' }), { rejectUnauthorized: false, verifyIdentity: false });
    assert.deepEqual(sslOptions({ ...base }), { rejectUnauthorized: false, verifyIdentity: false });
    assert.deepEqual(sslOptions({ ...base, sslMode: 'require' }), { rejectUnauthorized: false, verifyIdentity: false });
    assert.deepEqual(sslOptions({ ...base, sslMode: 'require', sslRootCert: ca }), { ca: 'CA-PEM', rejectUnauthorized: true, verifyIdentity: false });
    assert.deepEqual(sslOptions({ ...base, sslMode: 'verify-ca', sslRootCert: ca }), { ca: 'CA-PEM', rejectUnauthorized: true, verifyIdentity: false });
    assert.deepEqual(sslOptions({ ...base, sslMode: 'verify-full', sslRootCert: ca, sslCert: join(dir, 'cert.pem'), sslKey: join(dir, 'key.pem') }),
      { ca: 'CA-PEM', cert: 'CERT-PEM', key: 'KEY-PEM', rejectUnauthorized: true, verifyIdentity: true });
    // To an IP address mysql2 cannot check the name; connectMySql does it after the handshake.
    assert.deepEqual(sslOptions({ ...base, host: '10.1.2.3', sslMode: 'verify-full', sslRootCert: ca }), { ca: 'CA-PEM', rejectUnauthorized: true, verifyIdentity: false });
    // TANDEM_TLS as for PostgreSQL (measured before: TANDEM_USAGE, exit 2, on MySQL only; the docs-claims run).
    const usage = (e: TandemError) => e.code === 'TANDEM_USAGE';
    const tls = (e: TandemError) => e.code === 'TANDEM_TLS';
    assert.throws(() => sslOptions({ ...base, sslMode: 'verify-ca' }), tls);
    assert.throws(() => sslOptions({ ...base, sslMode: 'require', sslCert: join(dir, 'cert.pem') }), tls);
    assert.throws(() => sslOptions({ ...base, sslMode: 'verify-full', sslRootCert: join(dir, 'missing.pem') }),
      (e: TandemError) => tls(e) && e.message === `Cannot read --source-ssl-root-cert ${join(dir, 'missing.pem')} (ENOENT).`);
    assert.throws(() => sslOptions({ ...base, sslMode: 'sometimes' }), usage);
    // A CRL mysql2 would never check: refused, not ignored.
    assert.throws(() => sslOptions({ ...base, sslMode: 'verify-ca', sslRootCert: ca, sslCrl: join(dir, 'x.crl') }), (e: TandemError) => usage(e) && /--source-ssl-crl does not apply to a MySQL\/MariaDB source/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('driver errors map to TandemErrors by errno and code, never by message, never with the password', () => {
  // mysql2's errors as they arrive: code, errno, and a message the mapping must not depend on.
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ code: 'ER_ACCESS_DENIED_ERROR', errno: 1045, message: 'whatever' }, 'TANDEM_AUTH'],
    [{ code: 'ER_BAD_DB_ERROR', errno: 1049, message: '' }, 'TANDEM_DB_MISSING'],
    [{ code: 'ER_DBACCESS_DENIED_ERROR', errno: 1044 }, 'TANDEM_PRIVILEGE'],
    [{ code: 'ER_HOST_NOT_PRIVILEGED', errno: 1130 }, 'TANDEM_AUTH'],
    [{ code: 'ER_BULK_PARSER_INCOMPLETE_ESCAPE_SEQUENCE', errno: 4151 }, 'TANDEM_AUTH'], // MariaDB's "account locked" under mysql2's MySQL name
    [{ code: 'ER_CON_COUNT_ERROR', errno: 1040 }, 'TANDEM_CONNECT'],
    [{ code: 'ECONNREFUSED', errno: -111 }, 'TANDEM_CONNECT'],
    [{ code: 'ENOTFOUND' }, 'TANDEM_CONNECT'],
    [{ code: 'ETIMEDOUT' }, 'TANDEM_CONNECT'],
    [{ code: 'HANDSHAKE_NO_SSL_SUPPORT' }, 'TANDEM_TLS'], // TLS failures: TANDEM_TLS, as for PostgreSQL (was TANDEM_CONNECT)
    [{ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }, 'TANDEM_TLS'],
  ];
  for (const [fields, code] of cases) {
    const mapped = mapMySqlConnectError(Object.assign(new Error('Access denied … s3cret-pw'), fields), { ...base, sslMode: 'require' });
    assert.ok(mapped instanceof TandemError, `${String(fields.code)} is mapped`);
    assert.equal(mapped.code, code, String(fields.code));
    assert.doesNotMatch(mapped.message + (mapped.hint ?? ''), /s3cret-pw/);
  }
  const unknown = Object.assign(new Error('x'), { code: 'ER_SOMETHING_ELSE', errno: 1064 });
  assert.equal(mapMySqlConnectError(unknown, base), unknown);
  const auth = mapMySqlConnectError(Object.assign(new Error(''), { errno: 1045 }), base) as TandemError;
  assert.equal(auth.message, 'The user name or password for user "tandem" was rejected by the source database tandem@db1:3306/shop.');
  const missing = mapMySqlConnectError(Object.assign(new Error(''), { errno: 1049 }), base) as TandemError;
  assert.equal(missing.message, 'The database "shop" does not exist on db1:3306.');
  // A timeout may be a server that never greets as MySQL does (a PostgreSQL port): the hint says so; a refusal does not.
  const silent = mapMySqlConnectError(Object.assign(new Error(''), { code: 'ETIMEDOUT' }), base) as TandemError;
  assert.match(silent.hint ?? '', /does not greet as MySQL does \(a PostgreSQL server, say\) ends this way too: check --source-db-type and the port\.$/);
  const refused = mapMySqlConnectError(Object.assign(new Error(''), { code: 'ECONNREFUSED' }), base) as TandemError;
  assert.doesNotMatch(refused.hint ?? '', /greet/);
});
