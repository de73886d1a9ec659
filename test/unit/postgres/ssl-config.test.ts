/**
 * The pure half of TLS: libpq's sslmode → attempts and checks, the Node.js TLS options of each
 * check, file-content checks, and how TLS failures read. Expected values are written out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  planSsl, nodeTlsOptions, pemProblem, defaultSslFiles, tlsFailure, isServerWithoutTls, type SslPlan,
} from '../../../src/adapters/postgres/ssl-config.js';
import { TandemError } from '../../../src/core/errors.js';

const tlsError = (code: string) => (e: unknown) => e instanceof TandemError && e.code === code;

test('each mode without certificate files: what it tries, in order, and what it checks', () => {
  const plan = (sslMode?: string) => planSsl({ sslMode }, 'db1', 'source');
  assert.deepEqual(plan('disable'), { mode: 'disable', attempts: ['plain'] });
  assert.deepEqual(plan('allow'), { mode: 'allow', attempts: ['plain', 'tls'], tls: { check: 'none' } });
  assert.deepEqual(plan('prefer'), { mode: 'prefer', attempts: ['tls', 'plain'], tls: { check: 'none' } });
  assert.deepEqual(plan(undefined), { mode: 'prefer', attempts: ['tls', 'plain'], tls: { check: 'none' } });
  assert.deepEqual(plan('require'), { mode: 'require', attempts: ['tls'], tls: { check: 'none' } });
});

test('verify-ca checks the chain, verify-full the chain and the host name, both against the root certificate', () => {
  assert.deepEqual(planSsl({ sslMode: 'verify-ca', sslRootCert: '/ca.pem' }, 'db1', 'source'),
    { mode: 'verify-ca', attempts: ['tls'], tls: { check: 'chain', rootCert: '/ca.pem' } });
  assert.deepEqual(planSsl({ sslMode: 'verify-full', sslRootCert: '/ca.pem' }, 'db1', 'target'),
    { mode: 'verify-full', attempts: ['tls'], tls: { check: 'chain-and-host', rootCert: '/ca.pem' } });
});

test('like libpq, a root certificate makes require (and allow, prefer) check the chain', () => {
  for (const [mode, attempts] of [['require', ['tls']], ['prefer', ['tls', 'plain']], ['allow', ['plain', 'tls']]] as const) {
    assert.deepEqual(planSsl({ sslMode: mode, sslRootCert: '/ca.pem' }, 'db1'), { mode, attempts, tls: { check: 'chain', rootCert: '/ca.pem' } }, mode);
  }
});

test('client certificate, key and CRL go with the TLS attempt; disable and Unix sockets never use TLS', () => {
  const s = { sslMode: 'verify-full', sslRootCert: '/ca.pem', sslCert: '/c.crt', sslKey: '/c.key', sslCrl: '/r.crl' };
  assert.deepEqual(planSsl(s, 'db1'), {
    mode: 'verify-full', attempts: ['tls'], tls: { check: 'chain-and-host', rootCert: '/ca.pem', crl: '/r.crl', cert: '/c.crt', key: '/c.key' },
  });
  assert.deepEqual(planSsl({ ...s, sslMode: 'disable' }, 'db1'), { mode: 'disable', attempts: ['plain'] });
  assert.deepEqual(planSsl(s, '/var/run/postgresql'), { mode: 'verify-full', attempts: ['plain'] });
});

test("libpq's default files under ~/.postgresql fill what the flags leave out", () => {
  const defaults = { rootCert: '/h/.postgresql/root.crt', crl: '/h/.postgresql/root.crl', cert: '/h/.postgresql/postgresql.crt', key: '/h/.postgresql/postgresql.key' };
  assert.deepEqual(planSsl({ sslMode: 'require' }, 'db1', 'source', defaults), {
    mode: 'require', attempts: ['tls'],
    tls: { check: 'chain', rootCert: '/h/.postgresql/root.crt', crl: '/h/.postgresql/root.crl', cert: '/h/.postgresql/postgresql.crt', key: '/h/.postgresql/postgresql.key' },
  });
  // A flag wins over a default file; the default key goes with an explicit certificate, as in libpq.
  assert.deepEqual(planSsl({ sslMode: 'verify-ca', sslRootCert: '/ca.pem', sslCert: '/c.crt' }, 'db1', 'source', { key: '/h/.postgresql/postgresql.key' }),
    { mode: 'verify-ca', attempts: ['tls'], tls: { check: 'chain', rootCert: '/ca.pem', cert: '/c.crt', key: '/h/.postgresql/postgresql.key' } });
  // A default key without any certificate is not used.
  assert.deepEqual(planSsl({ sslMode: 'require' }, 'db1', 'source', { key: '/h/.postgresql/postgresql.key' }),
    { mode: 'require', attempts: ['tls'], tls: { check: 'none' } });
});

test('defaultSslFiles lists only the files that exist', () => {
  const home = mkdtempSync(join(tmpdir(), 'tandem-home-'));
  assert.deepEqual(defaultSslFiles(home), {});
  mkdirSync(join(home, '.postgresql'));
  writeFileSync(join(home, '.postgresql', 'root.crt'), 'x');
  writeFileSync(join(home, '.postgresql', 'postgresql.key'), 'x');
  assert.deepEqual(defaultSslFiles(home), { rootCert: join(home, '.postgresql', 'root.crt'), key: join(home, '.postgresql', 'postgresql.key') });
});

test('root certificate "system": verify-full by default, refused with a weaker mode', () => {
  assert.deepEqual(planSsl({ sslRootCert: 'system' }, 'db1', 'source'),
    { mode: 'verify-full', attempts: ['tls'], tls: { check: 'chain-and-host', rootCert: 'system' } });
  for (const mode of ['allow', 'prefer', 'require', 'verify-ca']) {
    assert.throws(() => planSsl({ sslMode: mode, sslRootCert: 'system' }, 'db1', 'source'), (e: unknown) => {
      assert.ok(tlsError('TANDEM_TLS')(e), String(e));
      assert.match((e as Error).message, new RegExp(`--source-ssl-root-cert system .* needs --source-ssl-mode verify-full, not ${mode}\\.$`));
      return true;
    });
  }
});

test('settings that cannot work are refused before connecting, naming the flags', () => {
  const message = (s: Parameters<typeof planSsl>[0]) => {
    try {
      planSsl(s, 'db1', 'target');
    } catch (e) {
      assert.ok(e instanceof TandemError, String(e));
      return `${e.code}: ${e.message} | ${e.hint}`;
    }
    return 'no error';
  };
  assert.match(message({ sslMode: 'verify-full' }), /^TANDEM_TLS: --target-ssl-mode verify-full checks the server's certificate against a CA certificate, and none was given .*\| .*--target-ssl-root-cert <file>/);
  assert.match(message({ sslMode: 'verify-ca' }), /^TANDEM_TLS: --target-ssl-mode verify-ca /);
  assert.match(message({ sslMode: 'require', sslCert: '/c.crt' }), /^TANDEM_TLS: --target-ssl-cert \/c\.crt is given without its private key\. \| .*--target-ssl-key/);
  assert.match(message({ sslMode: 'require', sslKey: '/c.key' }), /^TANDEM_TLS: --target-ssl-key \/c\.key is given without a client certificate\./);
  assert.match(message({ sslMode: 'require', sslCrl: '/r.crl' }), /^TANDEM_TLS: --target-ssl-crl is given without a root certificate/);
  assert.match(message({ sslMode: 'verify-everything' }), /^TANDEM_USAGE: --target-ssl-mode must be one of disable, allow, prefer, require, verify-ca, verify-full; got "verify-everything"\./);
});

test('Node.js options per check; verify-full leaves checkServerIdentity out so Node.js checks the host (undefined there is an internal error)', () => {
  const files = { ca: 'CA', crl: 'CRL', cert: 'CERT', key: 'KEY' };
  assert.deepEqual(nodeTlsOptions({ check: 'none' }, {}), { context: {}, rejectUnauthorized: false });
  const chain = nodeTlsOptions({ check: 'chain', rootCert: '/ca', crl: '/crl', cert: '/c', key: '/k' }, files);
  assert.deepEqual({ ...chain, checkServerIdentity: typeof chain.checkServerIdentity },
    { context: { ca: 'CA', crl: 'CRL', cert: 'CERT', key: 'KEY' }, rejectUnauthorized: true, checkServerIdentity: 'function' });
  assert.equal(chain.checkServerIdentity!(), undefined, 'any host name passes');
  const full = nodeTlsOptions({ check: 'chain-and-host', rootCert: '/ca' }, { ca: 'CA' });
  assert.deepEqual(full, { context: { ca: 'CA' }, rejectUnauthorized: true });
  assert.equal('checkServerIdentity' in full, false);
  // system: no `ca`, so Node.js uses the CAs it trusts.
  assert.deepEqual(nodeTlsOptions({ check: 'chain-and-host', rootCert: 'system' }, {}), { context: {}, rejectUnauthorized: true });
});

test('pemProblem names the first file without its PEM block', () => {
  const cert = '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n';
  const key = '-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n';
  const crl = '-----BEGIN X509 CRL-----\nAA==\n-----END X509 CRL-----\n';
  assert.equal(pemProblem({ ca: cert, crl, cert, key }), undefined);
  assert.equal(pemProblem({ key: '-----BEGIN RSA PRIVATE KEY-----\n' }), undefined);
  assert.deepEqual(pemProblem({ ca: key }), { flag: 'root-cert', what: 'CA certificate', marker: 'CERTIFICATE' });
  assert.deepEqual(pemProblem({ ca: cert, crl: cert }), { flag: 'crl', what: 'certificate revocation list', marker: 'X509 CRL' });
  assert.deepEqual(pemProblem({ cert: 'hostname\n', key }), { flag: 'cert', what: 'client certificate', marker: 'CERTIFICATE' });
  assert.deepEqual(pemProblem({ cert, key: cert }), { flag: 'key', what: 'private key', marker: 'PRIVATE KEY' });
});

const db = { host: '10.0.0.5', port: 5432, database: 'shop', user: 'app', role: 'source' as const };
const plan = (p: Partial<SslPlan> = {}): SslPlan => ({ mode: 'verify-full', attempts: ['tls'], tls: { check: 'chain-and-host', rootCert: '/etc/ca.pem' }, ...p });
const failure = (err: unknown, p?: Partial<SslPlan>) => {
  const t = tlsFailure(err, { db, plan: plan(p) });
  return t && `${t.code}: ${t.message} | ${t.hint}`;
};

test('tlsFailure: the server without TLS', () => {
  const err = new Error('The server does not support SSL connections');
  assert.equal(isServerWithoutTls(err), true);
  assert.equal(isServerWithoutTls(Object.assign(new Error('The server does not support SSL connections'), { code: 'X' })), false);
  assert.equal(failure(err, { mode: 'require' }),
    'TANDEM_TLS: The source database app@10.0.0.5:5432/shop does not accept TLS connections (ssl is off on the server), and --source-ssl-mode require needs TLS. | '
    + "Turn ssl on in the server's postgresql.conf (with a certificate), or use --source-ssl-mode prefer or disable if plain connections are acceptable on this network.");
});

test('tlsFailure: a chain that does not verify names the root certificate, the CRL and the mode', () => {
  const err = Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' });
  assert.match(failure(err)!, /^TANDEM_TLS: The certificate of the source database app@10\.0\.0\.5:5432\/shop did not verify against --source-ssl-root-cert \/etc\/ca\.pem \(--source-ssl-mode verify-full\): it was not signed by a CA in that file \(SELF_SIGNED_CERT_IN_CHAIN\)\. \| /);
  const revoked = Object.assign(new Error('certificate revoked'), { code: 'CERT_REVOKED' });
  assert.match(failure(revoked, { mode: 'verify-ca', tls: { check: 'chain', rootCert: '/etc/ca.pem', crl: '/etc/r.crl' } })!,
    /did not verify against --source-ssl-root-cert \/etc\/ca\.pem and the CRL \/etc\/r\.crl \(--source-ssl-mode verify-ca\): certificate revoked \(CERT_REVOKED\)\./);
  const expired = Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' });
  assert.match(failure(expired, { tls: { check: 'chain-and-host', rootCert: 'system' } })!,
    /did not verify against the CAs Node\.js trusts \(--source-ssl-root-cert system\) \(--source-ssl-mode verify-full\): certificate has expired \(CERT_HAS_EXPIRED\)\./);
});

test('tlsFailure: a certificate for another host names the host, its names, and verify-ca as the way out', () => {
  const err = Object.assign(new Error("Hostname/IP does not match certificate's altnames: IP: 10.0.0.5 is not in the cert's list: "), {
    code: 'ERR_TLS_CERT_ALTNAME_INVALID', reason: "IP: 10.0.0.5 is not in the cert's list: ", cert: { subjectaltname: 'DNS:db.example.com' },
  });
  assert.equal(failure(err),
    'TANDEM_TLS: The certificate of the source database app@10.0.0.5:5432/shop is not for the host "10.0.0.5" (--source-ssl-mode verify-full checks the host name): it names DNS:db.example.com. | '
    + 'Connect with a host name the certificate names (--source-db-host), or use --source-ssl-mode verify-ca, which checks the CA but not the name.');
});

test('tlsFailure: a handshake alert about the client certificate says the server refused it', () => {
  const err = Object.assign(new Error('C0F0:error:0A000418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:rec_layer_s3.c:1601:SSL alert number 48\n'), {
    code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', reason: 'tlsv1 alert unknown ca',
  });
  const withCert = { tls: { check: 'chain-and-host' as const, rootCert: '/etc/ca.pem', cert: '/etc/c.crt', key: '/etc/c.key' } };
  assert.match(failure(err, withCert)!,
    /^TANDEM_TLS: The source database app@10\.0\.0\.5:5432\/shop refused the client certificate --source-ssl-cert \/etc\/c\.crt during the TLS handshake \(--source-ssl-mode verify-full\): tlsv1 alert unknown ca\. \| /);
  // Without a client certificate it is a plain handshake failure.
  assert.match(failure(err)!, /^TANDEM_TLS: The TLS handshake with the source database app@10\.0\.0\.5:5432\/shop failed \(--source-ssl-mode verify-full\): tlsv1 alert unknown ca\./);
});

test('tlsFailure leaves server errors and network errors to the caller', () => {
  assert.equal(failure(Object.assign(new Error('password authentication failed'), { code: '28P01' })), undefined);
  assert.equal(failure(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })), undefined);
  assert.equal(failure(new Error('Connection terminated unexpectedly')), undefined);
});
