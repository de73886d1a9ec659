/**
 * A throw-away certificate authority for TLS tests, made with the `openssl` command in a temp dir:
 * a CA, server certificates signed by it (one for 127.0.0.1/localhost, one for another host name,
 * one revoked in a CRL), a client certificate, and a second CA that signed none of them. The files
 * are readable by the `postgres` user so a test server can use them; the dir is deleted at exit.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/** Paths of the files a test CA made. */
export interface TestCa {
  readonly dir: string;
  /** The CA certificate that signed every certificate below (pass as --*-ssl-root-cert). */
  readonly caCert: string;
  /** A CA certificate that signed none of them. */
  readonly otherCaCert: string;
  /** Server certificate and key for IP 127.0.0.1 and DNS localhost (CN 127.0.0.1). */
  readonly serverCert: string;
  readonly serverKey: string;
  /** Server certificate and key for db.example.com only: a wrong host name for 127.0.0.1. */
  readonly otherHostCert: string;
  readonly otherHostKey: string;
  /** Server certificate and key for 127.0.0.1 that `revokedCrl` revokes. */
  readonly revokedCert: string;
  readonly revokedKey: string;
  /** A CRL of the CA that revokes nothing. */
  readonly emptyCrl: string;
  /** A CRL of the CA that revokes `revokedCert`. */
  readonly revokedCrl: string;
  /** Client certificate and key for the database user `clientUser` (its CN). */
  readonly clientCert: string;
  readonly clientKey: string;
  /** A client certificate and key for `clientUser` signed by the other CA. */
  readonly otherCaClientCert: string;
  readonly otherCaClientKey: string;
  readonly clientUser: string;
}

function openssl(cwd: string, args: string[]): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Makes a CA and its certificates (about a second of key generation). */
export function makeTestCa(clientUser = 'cert_user'): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-tls-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const p = (name: string) => join(dir, name);

  const newCa = (name: string, cn: string) =>
    openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '3',
      '-subj', `/CN=${cn}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  newCa('ca', 'Tandem Test CA');
  newCa('other-ca', 'Tandem Other CA');

  // `openssl ca` keeps the issued certificates in an index file, which revocation and CRLs need.
  const caConf = (ca: string) => `[ca]
default_ca = test_ca
[test_ca]
dir = ${dir}
database = ${dir}/${ca}-index.txt
new_certs_dir = ${dir}
certificate = ${dir}/${ca}.crt
private_key = ${dir}/${ca}.key
serial = ${dir}/${ca}-serial
crlnumber = ${dir}/${ca}-crlnumber
default_md = sha256
default_days = 3
default_crl_days = 3
policy = any
copy_extensions = copy
unique_subject = no
[any]
commonName = supplied
`;
  for (const ca of ['ca', 'other-ca']) {
    writeFileSync(p(`${ca}.cnf`), caConf(ca));
    writeFileSync(p(`${ca}-index.txt`), '');
    writeFileSync(p(`${ca}-crlnumber`), '01\n');
    writeFileSync(p(`${ca}-serial`), ca === 'ca' ? '1000\n' : '2000\n');
  }
  const issue = (ca: string, name: string, cn: string, ext: string[]) => {
    openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`,
      ...ext.flatMap((e) => ['-addext', e])]);
    openssl(dir, ['ca', '-batch', '-config', `${ca}.cnf`, '-in', `${name}.csr`, '-out', `${name}.crt`, '-notext']);
  };
  const serverExt = (san: string) => [`subjectAltName=${san}`, 'extendedKeyUsage=serverAuth', 'basicConstraints=CA:FALSE'];
  issue('ca', 'server', '127.0.0.1', serverExt('IP:127.0.0.1,DNS:localhost'));
  issue('ca', 'other-host', 'db.example.com', serverExt('DNS:db.example.com'));
  issue('ca', 'revoked', '127.0.0.1', serverExt('IP:127.0.0.1,DNS:localhost'));
  issue('ca', 'client', clientUser, ['extendedKeyUsage=clientAuth', 'basicConstraints=CA:FALSE']);
  issue('other-ca', 'other-client', clientUser, ['extendedKeyUsage=clientAuth', 'basicConstraints=CA:FALSE']);
  openssl(dir, ['ca', '-batch', '-config', 'ca.cnf', '-gencrl', '-out', 'empty.crl']);
  openssl(dir, ['ca', '-batch', '-config', 'ca.cnf', '-revoke', 'revoked.crt']);
  openssl(dir, ['ca', '-batch', '-config', 'ca.cnf', '-gencrl', '-out', 'revoked.crl']);

  // The server (run as postgres) reads its key and CA; PostgreSQL refuses a key others can read.
  if (userInfo().uid === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
    for (const f of ['ca.crt', 'server.crt', 'server.key', 'other-host.crt', 'other-host.key', 'revoked.crt', 'revoked.key']) chownSync(p(f), uid, gid);
  }
  chmodSync(dir, 0o755);
  for (const f of ['server.key', 'other-host.key', 'revoked.key']) chmodSync(p(f), 0o600);

  return {
    dir,
    caCert: p('ca.crt'),
    otherCaCert: p('other-ca.crt'),
    serverCert: p('server.crt'),
    serverKey: p('server.key'),
    otherHostCert: p('other-host.crt'),
    otherHostKey: p('other-host.key'),
    revokedCert: p('revoked.crt'),
    revokedKey: p('revoked.key'),
    emptyCrl: p('empty.crl'),
    revokedCrl: p('revoked.crl'),
    clientCert: p('client.crt'),
    clientKey: p('client.key'),
    otherCaClientCert: p('other-client.crt'),
    otherCaClientKey: p('other-client.key'),
    clientUser,
  };
}
