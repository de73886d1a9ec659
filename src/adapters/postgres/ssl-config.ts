/**
 * TLS for PostgreSQL connections, with libpq's meaning of each sslmode:
 *
 * | mode        | tries                                    | checks the server's certificate            |
 * | ----------- | ---------------------------------------- | ------------------------------------------ |
 * | disable     | plain                                    | –                                          |
 * | allow       | plain; TLS if the server refuses plain   | chain, if a root certificate is given      |
 * | prefer      | TLS; plain if TLS fails (e.g. no TLS)    | chain, if a root certificate is given      |
 * | require     | TLS                                      | chain, if a root certificate is given      |
 * | verify-ca   | TLS                                      | chain (a root certificate is required)     |
 * | verify-full | TLS                                      | chain and host name (root cert required)   |
 *
 * As in libpq: a root certificate is `--*-ssl-root-cert` or else `~/.postgresql/root.crt` if it
 * exists (likewise `root.crl`, `postgresql.crt`, `postgresql.key`); `system` means the CAs Node.js
 * trusts and needs verify-full (a public CA signs for any host name that asks); a Unix-socket host
 * never uses TLS. The plan is pure ({@link planSsl}, {@link nodeTlsOptions}); reading the files and
 * mapping TLS failures to TandemErrors are the I/O edges.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext, type ConnectionOptions, type SecureContextOptions } from 'node:tls';
import { TandemError } from '../../core/errors.js';
import { SSL_MODES, SYSTEM_ROOTS, describeDb, type DbConfig, type SslMode } from '../../core/db-config.js';

/** The TLS fields of a connection as the user gave them: paths, never file contents. */
export type SslSettings = Pick<DbConfig, 'sslMode' | 'sslRootCert' | 'sslCert' | 'sslKey' | 'sslCrl'>;

/** What a connection attempt sends: a plain startup packet, or an SSLRequest and TLS. */
export type AttemptKind = 'plain' | 'tls';

/** How a TLS attempt checks the server: not at all, the chain to a root, or the chain and the host name. */
export type ServerCheck = 'none' | 'chain' | 'chain-and-host';

/** The settings of a TLS attempt. */
export interface TlsSettings {
  readonly check: ServerCheck;
  /** CA file, or `system` for the CAs Node.js trusts; set exactly when `check` is not `none`. */
  readonly rootCert?: string;
  /** CRL file; only with a root certificate. */
  readonly crl?: string;
  /** Client certificate and key files, both or neither. */
  readonly cert?: string;
  readonly key?: string;
}

/** What one connection does: its attempts in order, and the TLS settings if any attempt uses TLS. */
export interface SslPlan {
  readonly mode: SslMode;
  readonly attempts: readonly AttemptKind[];
  readonly tls?: TlsSettings;
}

/** libpq's default files under `~/.postgresql` that exist (see {@link defaultSslFiles}). */
export interface DefaultSslFiles {
  readonly rootCert?: string;
  readonly crl?: string;
  readonly cert?: string;
  readonly key?: string;
}

const flagOf = (role: string | undefined, name: string) => `--${role ?? '*'}-ssl-${name}`;

/**
 * Decides what a connection to `host` tries and checks, from the user's settings and the default
 * files that exist. Throws a TandemError (TANDEM_TLS or TANDEM_USAGE) for settings that cannot work.
 * @example planSsl({ sslMode: 'verify-full', sslRootCert: '/etc/ca.pem' }, 'db1', 'source')
 *   // → { mode: 'verify-full', attempts: ['tls'], tls: { check: 'chain-and-host', rootCert: '/etc/ca.pem' } }
 */
export function planSsl(s: SslSettings, host: string, role?: 'source' | 'target', defaults: DefaultSslFiles = {}): SslPlan {
  const given = s.sslMode ?? (s.sslRootCert === SYSTEM_ROOTS ? 'verify-full' : 'prefer');
  if (!(SSL_MODES as readonly string[]).includes(given)) {
    throw new TandemError('TANDEM_USAGE', `${flagOf(role, 'mode')} must be one of ${SSL_MODES.join(', ')}; got "${given}".`);
  }
  const mode = given as SslMode;
  // libpq never uses TLS over a Unix socket, whatever the mode.
  if (mode === 'disable' || host.startsWith('/')) return { mode, attempts: ['plain'] };

  const rootCert = s.sslRootCert ?? defaults.rootCert;
  const cert = s.sslCert ?? defaults.cert;
  const key = s.sslKey ?? (cert ? defaults.key : undefined);
  if (cert && !key) {
    throw new TandemError('TANDEM_TLS', `${flagOf(role, 'cert')} ${cert} is given without its private key.`, {
      hint: `Pass the client certificate's key with ${flagOf(role, 'key')}.`,
    });
  }
  if (key && !cert) {
    throw new TandemError('TANDEM_TLS', `${flagOf(role, 'key')} ${key} is given without a client certificate.`, {
      hint: `Pass the client certificate with ${flagOf(role, 'cert')}.`,
    });
  }
  if (s.sslCrl && !rootCert) {
    throw new TandemError('TANDEM_TLS', `${flagOf(role, 'crl')} is given without a root certificate, so no certificate chain is checked against it.`, {
      hint: `Pass the CA certificate with ${flagOf(role, 'root-cert')} (and --${role ?? '*'}-ssl-mode verify-full).`,
    });
  }
  if (rootCert === SYSTEM_ROOTS && mode !== 'verify-full') {
    throw new TandemError('TANDEM_TLS', `${flagOf(role, 'root-cert')} system trusts every public CA, and a public CA signs certificates for any host name that asks: it needs ${flagOf(role, 'mode')} verify-full, not ${mode}.`, {
      hint: `Use ${flagOf(role, 'mode')} verify-full, or pass your own CA's certificate file with ${flagOf(role, 'root-cert')}.`,
    });
  }
  if ((mode === 'verify-ca' || mode === 'verify-full') && !rootCert) {
    throw new TandemError('TANDEM_TLS', `${flagOf(role, 'mode')} ${mode} checks the server's certificate against a CA certificate, and none was given (nor is there a ~/.postgresql/root.crt).`, {
      hint: `Pass the CA certificate that signed the server's certificate with ${flagOf(role, 'root-cert')} <file> (for a managed service, its published CA bundle), or ${flagOf(role, 'root-cert')} system for a publicly trusted certificate.`,
    });
  }
  const check: ServerCheck = mode === 'verify-full' ? 'chain-and-host' : rootCert ? 'chain' : 'none';
  const crl = rootCert ? s.sslCrl ?? defaults.crl : undefined;
  const tls: TlsSettings = {
    check,
    ...(rootCert ? { rootCert } : {}),
    ...(crl ? { crl } : {}),
    ...(cert ? { cert, key } : {}),
  };
  const attempts: AttemptKind[] = mode === 'allow' ? ['plain', 'tls'] : mode === 'prefer' ? ['tls', 'plain'] : ['tls'];
  return { mode, attempts, tls };
}

/** PEM contents of the files a {@link TlsSettings} names. */
export interface TlsFileContents {
  readonly ca?: string;
  readonly crl?: string;
  readonly cert?: string;
  readonly key?: string;
}

/** The Node.js TLS options of a TLS attempt: what goes into the secure context, and how to check the peer. */
export interface NodeTlsOptions {
  readonly context: SecureContextOptions;
  readonly rejectUnauthorized: boolean;
  /** Set for `chain` (the host name is not checked); absent for the other checks so Node's own check runs. */
  readonly checkServerIdentity?: () => undefined;
}

/**
 * Maps TLS settings and their files' contents to Node.js options (pure). With no `ca`, Node.js uses
 * the CAs it trusts (`system`). verify-full leaves `checkServerIdentity` out: Node.js then checks the
 * host name itself (an explicit `undefined` there breaks Node.js's TLS).
 */
export function nodeTlsOptions(t: TlsSettings, files: TlsFileContents): NodeTlsOptions {
  const context: SecureContextOptions = {
    ...(files.ca !== undefined ? { ca: files.ca } : {}),
    ...(files.crl !== undefined ? { crl: files.crl } : {}),
    ...(files.cert !== undefined ? { cert: files.cert, key: files.key } : {}),
  };
  switch (t.check) {
    case 'none':
      return { context, rejectUnauthorized: false };
    case 'chain':
      return { context, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'chain-and-host':
      return { context, rejectUnauthorized: true };
  }
}

/** libpq's default files under `~/.postgresql` that exist on this machine. */
export function defaultSslFiles(home = homedir()): DefaultSslFiles {
  const at = (name: string) => {
    const p = join(home, '.postgresql', name);
    return existsSync(p) ? p : undefined;
  };
  const files = { rootCert: at('root.crt'), crl: at('root.crl'), cert: at('postgresql.crt'), key: at('postgresql.key') };
  return Object.fromEntries(Object.entries(files).filter(([, v]) => v !== undefined));
}

/**
 * Reads the files of `t` and builds the options pg passes to `tls.connect` (a secure context made
 * once, so a bad file fails here, naming its flag, before any connection is tried).
 */
export function loadTlsOptions(t: TlsSettings, role?: 'source' | 'target'): ConnectionOptions {
  const read = (path: string | undefined, flag: string): string | undefined => {
    if (path === undefined || (flag === 'root-cert' && path === SYSTEM_ROOTS)) return undefined;
    try {
      return readFileSync(path, 'utf8');
    } catch (e) {
      throw new TandemError('TANDEM_TLS', `Cannot read ${flagOf(role, flag)} ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`, {
        hint: `Check the path and that this user may read the file.`,
        cause: e,
      });
    }
  };
  const files: TlsFileContents = { ca: read(t.rootCert, 'root-cert'), crl: read(t.crl, 'crl'), cert: read(t.cert, 'cert'), key: read(t.key, 'key') };
  const notPem = pemProblem(files);
  if (notPem) {
    const path = { 'root-cert': t.rootCert, crl: t.crl, cert: t.cert, key: t.key }[notPem.flag];
    throw new TandemError('TANDEM_TLS', `${flagOf(role, notPem.flag)} ${path} holds no ${notPem.what} in PEM form (-----BEGIN ${notPem.marker}-----).`, {
      hint: `Pass the right file; convert a DER file with: openssl ${notPem.flag === 'crl' ? 'crl' : notPem.flag === 'key' ? 'pkey' : 'x509'} -inform der -in <file> -out <file>.pem`,
    });
  }
  const o = nodeTlsOptions(t, files);
  let secureContext;
  try {
    secureContext = createSecureContext(o.context);
  } catch (e) {
    throw new TandemError('TANDEM_TLS', `The TLS files are not usable: ${unusableFile(files, role)} (${(e as Error).message}).`, {
      hint: 'Each file must be PEM (-----BEGIN …): the CA and client certificates, the CRL, and the unencrypted private key that belongs to the client certificate.',
      cause: e,
    });
  }
  return { secureContext, rejectUnauthorized: o.rejectUnauthorized, ...(o.checkServerIdentity ? { checkServerIdentity: o.checkServerIdentity } : {}) };
}

/**
 * The first file without the PEM block it must hold (Node.js skips what it cannot parse in a CA
 * file, so a wrong file would otherwise surface later as a puzzling verification failure).
 */
export function pemProblem(files: TlsFileContents): { flag: 'root-cert' | 'crl' | 'cert' | 'key'; what: string; marker: string } | undefined {
  if (files.ca !== undefined && !files.ca.includes('-----BEGIN CERTIFICATE-----')) return { flag: 'root-cert', what: 'CA certificate', marker: 'CERTIFICATE' };
  if (files.crl !== undefined && !files.crl.includes('-----BEGIN X509 CRL-----')) return { flag: 'crl', what: 'certificate revocation list', marker: 'X509 CRL' };
  if (files.cert !== undefined && !files.cert.includes('-----BEGIN CERTIFICATE-----')) return { flag: 'cert', what: 'client certificate', marker: 'CERTIFICATE' };
  if (files.key !== undefined && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(files.key)) return { flag: 'key', what: 'private key', marker: 'PRIVATE KEY' };
  return undefined;
}

/** Which file spoils a secure context: each part is tried on its own. */
function unusableFile(files: TlsFileContents, role: 'source' | 'target' | undefined): string {
  const parts: [string, SecureContextOptions][] = [
    ['root-cert', { ca: files.ca }],
    ['crl', { ca: files.ca, crl: files.crl }],
    ['key', { key: files.key }],
    ['cert', { cert: files.cert }],
  ];
  for (const [flag, options] of parts) {
    if (Object.values(options).every((v) => v === undefined)) continue;
    try {
      createSecureContext(options);
    } catch {
      return flag === 'key'
        ? `${flagOf(role, 'key')} cannot be loaded (an encrypted key needs decrypting first: openssl pkey -in <key> -out <key>.plain)`
        : `${flagOf(role, flag)} is not a valid PEM file`;
    }
  }
  return `${flagOf(role, 'key')} does not hold the unencrypted private key of ${flagOf(role, 'cert')}`;
}

/** pg's error when the server answers an SSLRequest with "N": no code, so its text is all there is. */
const NO_TLS_MESSAGE = 'The server does not support SSL connections';
/** pg's error when the server answers an SSLRequest with neither "S" nor "N". */
const BAD_TLS_ANSWER_MESSAGE = 'There was an error establishing an SSL connection';

/** True when `err` says the server does not accept TLS at all (`ssl = off`). */
export function isServerWithoutTls(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  return e?.code === undefined && e?.message === NO_TLS_MESSAGE;
}

/** OpenSSL's certificate verification results, as Node.js names them in `err.code`. */
const VERIFY_FAILURES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_CRL', 'UNABLE_TO_DECRYPT_CERT_SIGNATURE', 'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY', 'CERT_SIGNATURE_FAILURE', 'CRL_SIGNATURE_FAILURE', 'CERT_NOT_YET_VALID', 'CERT_HAS_EXPIRED',
  'CRL_NOT_YET_VALID', 'CRL_HAS_EXPIRED', 'ERROR_IN_CERT_NOT_BEFORE_FIELD', 'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'ERROR_IN_CRL_LAST_UPDATE_FIELD', 'ERROR_IN_CRL_NEXT_UPDATE_FIELD', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_CHAIN_TOO_LONG', 'CERT_REVOKED', 'INVALID_CA',
  'PATH_LENGTH_EXCEEDED', 'INVALID_PURPOSE', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'HOSTNAME_MISMATCH',
]);

/** Verification results that mean "no CA in the root certificate file signed this chain". */
const NOT_SIGNED_BY_ROOT = new Set(['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT']);

/** What a TLS failure message needs to know about the connection. */
export interface TlsFailureContext {
  readonly db: Pick<DbConfig, 'host' | 'port' | 'database' | 'user'> & { readonly role?: 'source' | 'target' };
  readonly plan: SslPlan;
}

/**
 * Turns a failed TLS attempt into a TandemError that names the mode and what failed: the server
 * offers no TLS, its certificate did not verify or is for another host, or it refused the client
 * certificate. Anything else (a server error after the handshake, a network error): undefined.
 */
export function tlsFailure(err: unknown, ctx: TlsFailureContext): TandemError | undefined {
  const e = err as { code?: unknown; message?: unknown; reason?: unknown; cert?: { subjectaltname?: string; subject?: { CN?: string } } } | undefined;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const role = ctx.db.role;
  const who = `the ${role ?? ''}${role ? ' ' : ''}database ${describeDb(ctx.db)}`;
  const mode = `${flagOf(role, 'mode')} ${ctx.plan.mode}`;
  const t = ctx.plan.tls;
  if (isServerWithoutTls(err)) {
    return new TandemError('TANDEM_TLS', `${cap(who)} does not accept TLS connections (ssl is off on the server), and ${mode} needs TLS.`, {
      hint: `Turn ssl on in the server's postgresql.conf (with a certificate), or use ${flagOf(role, 'mode')} prefer or disable if plain connections are acceptable on this network.`,
      cause: err,
    });
  }
  if (code !== undefined && VERIFY_FAILURES.has(code)) {
    const why = NOT_SIGNED_BY_ROOT.has(code) ? ': it was not signed by a CA in that file' : `: ${reasonOf(err)}`;
    const roots = t?.rootCert === SYSTEM_ROOTS ? `the CAs Node.js trusts (${flagOf(role, 'root-cert')} system)` : `${flagOf(role, 'root-cert')} ${t?.rootCert ?? ''}`;
    const crl = t?.crl ? ` and the CRL ${t.crl}` : '';
    return new TandemError('TANDEM_TLS', `The certificate of ${who} did not verify against ${roots}${crl} (${mode})${why} (${code}).`, {
      hint: `Pass the CA certificate that signed the server's certificate (for a managed service, its published CA bundle) with ${flagOf(role, 'root-cert')}, and check the certificate's dates and revocation.`,
      cause: err,
    });
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const names = e?.cert?.subjectaltname ?? (e?.cert?.subject?.CN ? `CN=${e.cert.subject.CN}` : undefined);
    return new TandemError('TANDEM_TLS', `The certificate of ${who} is not for the host "${ctx.db.host}" (${mode} checks the host name)${names ? `: it names ${names}` : ''}.`, {
      hint: `Connect with a host name the certificate names (--${role ?? '*'}-db-host), or use ${flagOf(role, 'mode')} verify-ca, which checks the CA but not the name.`,
      cause: err,
    });
  }
  const handshake = code !== undefined && /^ERR_(SSL|TLS)_/.test(code);
  if (handshake && t?.cert && /ALERT_(UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE|UNSUPPORTED_CERTIFICATE|ACCESS_DENIED|DECRYPT_ERROR)/.test(code)) {
    return new TandemError('TANDEM_TLS', `${cap(who)} refused the client certificate ${flagOf(role, 'cert')} ${t.cert} during the TLS handshake (${mode}): ${reasonOf(err)}.`, {
      hint: `The server must trust the CA that signed the client certificate (its ssl_ca_file): pass a certificate signed by that CA with ${flagOf(role, 'cert')} and ${flagOf(role, 'key')}.`,
      cause: err,
    });
  }
  if (handshake || code === 'EPROTO' || (code === undefined && e?.message === BAD_TLS_ANSWER_MESSAGE)) {
    return new TandemError('TANDEM_TLS', `The TLS handshake with ${who} failed (${mode}): ${reasonOf(err)}.`, {
      hint: `Check the server's ssl settings and the TLS flags (${flagOf(role, 'mode')}, ${flagOf(role, 'root-cert')}, ${flagOf(role, 'cert')}).`,
      cause: err,
    });
  }
  return undefined;
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** OpenSSL's short reason ("tlsv1 alert unknown ca") rather than its whole error line. */
function reasonOf(err: unknown): string {
  const e = err as { reason?: unknown; message?: unknown } | undefined;
  return typeof e?.reason === 'string' && e.reason !== '' ? e.reason : String(e?.message ?? err).trim();
}
