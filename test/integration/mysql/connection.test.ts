import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMariaDb, type MariaDbServer } from '../../helpers/mariadb-server.js';
import { freePort } from '../../helpers/pg-server.js';
import { connectMySql, withMySql, SESSION_SQL_MODE, type MySqlDbConfig } from '../../../src/adapters/mysql/connection.js';
import { TandemError } from '../../../src/core/errors.js';

let plain: MariaDbServer;
let tls: MariaDbServer;
let certDir: string;

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: certDir, stdio: 'ignore' });
}

/** A CA, a server certificate for localhost and 127.0.0.1 (not 127.0.0.2) signed by it, a client certificate, and an unrelated CA. */
function makeCertificates(): void {
  certDir = mkdtempSync(join(tmpdir(), 'tandem-mysql-certs-'));
  chmodSync(certDir, 0o755);
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=tandem-test-ca', '-keyout', 'ca-key.pem', '-out', 'ca.pem');
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=other-ca', '-keyout', 'other-key.pem', '-out', 'other-ca.pem');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'server-key.pem', '-out', 'server.csr');
  execFileSync('sh', ['-c', 'printf "subjectAltName=DNS:localhost,IP:127.0.0.1\\n" > san.ext'], { cwd: certDir });
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-days', '2', '-extfile', 'san.ext', '-out', 'server.pem');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=tandem-client', '-keyout', 'client-key.pem', '-out', 'client.csr');
  openssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-days', '2', '-out', 'client.pem');
  execFileSync('sh', ['-c', 'chmod 644 *.pem'], { cwd: certDir });
}

before(async () => {
  makeCertificates();
  [plain, tls] = await Promise.all([
    startMariaDb(),
    startMariaDb({ 'bind-address': '127.0.0.1,127.0.0.2', 'ssl-ca': join(certDir, 'ca.pem'), 'ssl-cert': join(certDir, 'server.pem'), 'ssl-key': join(certDir, 'server-key.pem') }),
  ]);
  await plain.createDatabase('shop');
  await plain.sql(undefined, "CREATE USER 'outsider'@'%' IDENTIFIED BY 'o-pw'");
  await tls.createDatabase('shop');
  await tls.sql(undefined, "CREATE USER 'certuser'@'%' IDENTIFIED BY 'c-pw' REQUIRE X509; GRANT SELECT ON shop.* TO 'certuser'@'%'");
});

after(async () => {
  await Promise.all([plain?.stop(), tls?.stop()]);
  if (certDir) rmSync(certDir, { recursive: true, force: true });
});

function config(server: MariaDbServer, over: Partial<MySqlDbConfig> = {}): MySqlDbConfig {
  return { role: 'source', type: 'mysql', host: server.host, port: server.port, user: server.user, password: server.password, database: 'shop', schemas: [], sslMode: 'disable', ...over };
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<TandemError> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof TandemError, `expected a TandemError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  return caught;
}

test('connects, detects MariaDB and pins the session: UTC, sql_mode, utf8mb4', async () => {
  await withMySql(config(plain), async ({ connection, server }) => {
    assert.equal(server.flavor, 'mariadb');
    assert.equal(server.major, 10);
    assert.equal(server.minor, 11);
    assert.match(server.label, /^MariaDB 10\.11\.\d+$/);
    const [rows] = await connection.query<any[]>(`SELECT @@session.time_zone AS tz, @@session.sql_mode AS mode, @@character_set_client AS cc,
      @@character_set_results AS cr, @@character_set_connection AS cn, DATABASE() AS db`);
    assert.deepEqual({ ...rows[0] }, { tz: '+00:00', mode: SESSION_SQL_MODE, cc: 'utf8mb4', cr: 'utf8mb4', cn: 'utf8mb4', db: 'shop' });
  });
});

test('a server that limits statements to 50 ms (max_statement_time) does not limit Tandem\'s sessions (a snapshot\'s read of a big table is one long statement)', async () => {
  await plain.sql(undefined, 'SET GLOBAL max_statement_time = 0.05');
  try {
    await assert.rejects(plain.sql(undefined, 'SELECT SLEEP(0.3) AS s, COUNT(*) FROM information_schema.columns'), /max_statement_time exceeded/, 'another session is limited');
    await withMySql(config(plain), async ({ connection }) => {
      const [rows] = await connection.query<any[]>('SELECT @@session.max_statement_time AS limit_s, SLEEP(0.3) AS interrupted');
      assert.deepEqual({ ...rows[0] }, { limit_s: '0.000000', interrupted: '0' });
    });
  } finally {
    await plain.sql(undefined, 'SET GLOBAL max_statement_time = 0');
  }
});

test('every value arrives as text or bytes, never as a JS number, Date or parsed JSON', async () => {
  await withMySql(config(plain), async ({ connection }) => {
    const [rows] = await connection.query<any[]>(`SELECT 1 AS i, CAST(18446744073709551615 AS UNSIGNED) AS u, CAST(-9223372036854775808 AS SIGNED) AS s,
      CAST('12345678901234567890.123456789' AS DECIMAL(40,9)) AS d, CAST(0.1 AS DOUBLE) AS f, YEAR('2024-05-06') AS y,
      CAST('2024-02-29 23:59:59.123456' AS DATETIME(6)) AS dt, CAST('2024-02-29' AS DATE) AS da, CAST('-838:59:59.5' AS TIME(1)) AS t,
      FROM_UNIXTIME(0) AS ts, JSON_OBJECT('n', 12345678901234567890) AS j, CAST('ab' AS BINARY) AS b, b'101' AS bits, 'é' AS txt, NULL AS n`);
    assert.deepEqual({ ...rows[0] }, {
      i: '1', u: '18446744073709551615', s: '-9223372036854775808', d: '12345678901234567890.123456789', f: '0.1', y: '2024',
      dt: '2024-02-29 23:59:59.123456', da: '2024-02-29', t: '-838:59:59.5', ts: '1970-01-01 00:00:00', j: '{"n": 12345678901234567890}',
      b: Buffer.from('ab'), bits: Buffer.from([5]), txt: 'é', n: null,
    });
  });
});

test('a wrong password is TANDEM_AUTH and the message never holds it', async () => {
  const e = await rejectsWith(connectMySql(config(plain, { password: 'not-the-password-xyz' })), 'TANDEM_AUTH');
  assert.doesNotMatch(`${e.message} ${e.hint}`, /not-the-password-xyz/);
  assert.match(e.message, /user "root"/);
});

test('no password at all (no flag, no variable, no terminal): TANDEM_AUTH saying none was given, not a wrong one', async () => {
  const e = await rejectsWith(connectMySql(config(plain, { password: undefined })), 'TANDEM_AUTH');
  assert.match(e.message, /The user "root" was rejected by the source database .*, and no password was given\./);
  assert.equal(e.hint, 'Pass it with --source-db-password or SOURCE_DB_PASSWORD (Tandem prompts for it only when run in a terminal, and not with --yes); check --source-db-user.');
});

test('an expired password is TANDEM_AUTH (MariaDB logs the account in and refuses its first statement; measured before: an internal error, exit 70)', async () => {
  await plain.sql(undefined, "CREATE USER 'expired'@'%' IDENTIFIED BY 'ex-pw' PASSWORD EXPIRE; GRANT SELECT ON shop.* TO 'expired'@'%'");
  const e = await rejectsWith(connectMySql(config(plain, { user: 'expired', password: 'ex-pw' })), 'TANDEM_AUTH');
  assert.match(e.message, /^The password of user "expired" on the source database .* has expired\.$/);
  assert.match(e.hint ?? '', /ALTER USER/);
});

test('a missing database is TANDEM_DB_MISSING, naming it', async () => {
  const e = await rejectsWith(connectMySql(config(plain, { database: 'nosuchdb' })), 'TANDEM_DB_MISSING');
  assert.equal(e.message, `The database "nosuchdb" does not exist on 127.0.0.1:${plain.port}.`);
});

test('a user without access to the database is TANDEM_PRIVILEGE; a database that does not exist is the same to it, and the fix says to check the name first', async () => {
  const e = await rejectsWith(connectMySql(config(plain, { user: 'outsider', password: 'o-pw' })), 'TANDEM_PRIVILEGE');
  assert.match(e.hint ?? '', /GRANT SELECT ON `shop`\.\* TO 'outsider'/);
  // MariaDB sends 1044 (not 1049) for a missing database to a user without global rights (the docs-truth-51 run).
  const missing = await rejectsWith(connectMySql(config(plain, { user: 'outsider', password: 'o-pw', database: 'nosuchdb' })), 'TANDEM_PRIVILEGE');
  assert.match(missing.message, /may not use the database "nosuchdb" on .*, or it does not exist: the server says the same for both to a user without rights on it\.$/);
  assert.match(missing.hint ?? '', /^Check --source-db-name first .*; if it is right: GRANT SELECT ON `nosuchdb`\.\* TO 'outsider'@'<host>';$/);
});

test('a port nobody listens on is TANDEM_CONNECT (ECONNREFUSED)', async () => {
  const port = await freePort();
  const e = await rejectsWith(connectMySql(config(plain, { port })), 'TANDEM_CONNECT');
  assert.match(e.message, /ECONNREFUSED/);
});

test('ssl-mode prefer falls back to plain on a server without TLS; require refuses it', async () => {
  await withMySql(config(plain, { sslMode: 'prefer' }), async ({ connection }) => {
    const [rows] = await connection.query<any[]>("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
    assert.equal(rows[0].Value, '');
  });
  await rejectsWith(connectMySql(config(plain, { sslMode: 'require' })), 'TANDEM_TLS');
});

test('TLS: prefer and verify-full encrypt; a certificate from another CA is refused; a client certificate logs in a REQUIRE X509 user', async () => {
  const cipher = async (c: MySqlDbConfig) => withMySql(c, async ({ connection }) => {
    const [rows] = await connection.query<any[]>("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
    return String(rows[0].Value);
  });
  assert.notEqual(await cipher(config(tls, { sslMode: 'prefer' })), '');
  assert.notEqual(await cipher(config(tls, { sslMode: 'verify-full', sslRootCert: join(certDir, 'ca.pem') })), '');
  await rejectsWith(connectMySql(config(tls, { sslMode: 'verify-ca', sslRootCert: join(certDir, 'other-ca.pem') })), 'TANDEM_TLS');
  // The certificate names localhost and 127.0.0.1, not 127.0.0.2 (where the server listens too):
  // verify-ca accepts it there, verify-full does not. By name, mysql2 checks; by address, connectMySql.
  const ca = join(certDir, 'ca.pem');
  assert.notEqual(await cipher(config(tls, { host: 'localhost', sslMode: 'verify-full', sslRootCert: ca })), '');
  assert.notEqual(await cipher(config(tls, { host: '127.0.0.2', sslMode: 'verify-ca', sslRootCert: ca })), '');
  const e = await rejectsWith(connectMySql(config(tls, { host: '127.0.0.2', sslMode: 'verify-full', sslRootCert: ca })), 'TANDEM_TLS');
  assert.match(e.message, /does not name 127\.0\.0\.2/);
  // Unverified TLS without a client certificate: the X509 user is refused, with the certificate it logs in.
  await rejectsWith(connectMySql(config(tls, { user: 'certuser', password: 'c-pw', sslMode: 'require' })), 'TANDEM_AUTH');
  assert.notEqual(await cipher(config(tls, {
    user: 'certuser', password: 'c-pw', sslMode: 'verify-ca', sslRootCert: join(certDir, 'ca.pem'),
    sslCert: join(certDir, 'client.pem'), sslKey: join(certDir, 'client-key.pem'),
  })), '');
});
