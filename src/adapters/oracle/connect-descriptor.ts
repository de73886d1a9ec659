import { TandemError } from '../../core/errors.js';
import { serializePair, summarizeDescriptor, withConnectData, type NvPair, type TnsnamesFile } from './tnsnames.js';

/**
 * From Tandem's Oracle options to what the driver connects with (pure).
 *
 * The spec's ways to name the database, exactly one of them:
 * - `--source-db-name`: a service name (Easy Connect `host:port/service`);
 * - `--oracle-db-sid`: a SID (a descriptor: Easy Connect cannot name a SID);
 * - `--oracle-tns-alias`: an alias of tnsnames.ora (in TNS_ADMIN, or `--oracle-home`/network/admin),
 *   which fixes host, port, protocol and SSL itself.
 *
 * For live migration from a pluggable database, LogMiner runs in the container database (CDB$ROOT):
 * `--oracle-cdb-name` (service), `--oracle-cdb-sid` or `--oracle-cdb-tns-alias` name it, as in
 * Voyager. A CDB named by service or SID is reached on the PDB's listener (same host, port,
 * protocol and SSL settings).
 *
 * SSL (TCPS): through the alias's descriptor, or with `--source-ssl-mode` require / verify-ca /
 * verify-full (TCPS; verify-full also checks that the certificate names the host). The thin driver
 * reads certificates from a PEM wallet (`ewallet.pem`) in `--oracle-wallet-location`, by default the
 * TNS_ADMIN directory for an alias (Voyager's rule), and always verifies the server's certificate
 * chain: `require` cannot skip that check in thin mode.
 */

export type OracleSslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

/** The Oracle connection options (flags as resolved by the CLI; the password lives elsewhere). */
export interface OracleConnectOptions {
  readonly host?: string;
  /** Default 1521. */
  readonly port?: number;
  /** --source-db-name: the service name. */
  readonly serviceName?: string;
  /** --oracle-db-sid */
  readonly sid?: string;
  /** --oracle-tns-alias */
  readonly tnsAlias?: string;
  /** --oracle-cdb-name */
  readonly cdbServiceName?: string;
  /** --oracle-cdb-sid */
  readonly cdbSid?: string;
  /** --oracle-cdb-tns-alias */
  readonly cdbTnsAlias?: string;
  /** --source-ssl-mode; default prefer (treated as plain TCP: the thin driver cannot fall back). */
  readonly sslMode?: OracleSslMode;
  /** --oracle-wallet-location: directory holding ewallet.pem. */
  readonly walletLocation?: string;
  /** --source-ssl-root-cert is refused for Oracle (the wallet holds the CA certificates). */
  readonly sslRootCert?: string;
}

/** What the I/O layer passes to oracledb.getConnection (plus user and password). */
export interface OracleConnectTarget {
  readonly connectString: string;
  readonly walletLocation?: string;
  readonly sslServerDNMatch?: boolean;
  readonly sslServerCertDN?: string;
  /** For messages: host:port/service or the alias, never a password. */
  readonly describe: string;
}

const SAFE = /^[A-Za-z0-9_.$#\-:[\]%]+$/;

function usage(message: string, hint?: string): TandemError {
  return new TandemError('TANDEM_USAGE', message, hint ? { hint } : undefined);
}

function checkToken(flag: string, v: string | undefined): void {
  if (v !== undefined && !SAFE.test(v)) throw usage(`--${flag} holds characters that cannot appear in an Oracle connect descriptor ("(", ")", "=", quotes or spaces).`);
}

/**
 * Checks the combination of options before anything connects. `live` requires nothing more here:
 * whether a CDB connection is needed is known only once connected (V$DATABASE.CDB).
 */
export function validateOracleOptions(o: OracleConnectOptions): void {
  const ways = [o.serviceName !== undefined && '--source-db-name', o.sid !== undefined && '--oracle-db-sid', o.tnsAlias !== undefined && '--oracle-tns-alias'].filter(Boolean);
  if (ways.length === 0) {
    throw usage('Oracle needs the database: give --source-db-name (service name), --oracle-db-sid or --oracle-tns-alias.');
  }
  if (ways.length > 1) throw usage(`Give only one of --source-db-name, --oracle-db-sid and --oracle-tns-alias (got ${ways.join(' and ')}).`);
  const cdbWays = [o.cdbServiceName !== undefined && '--oracle-cdb-name', o.cdbSid !== undefined && '--oracle-cdb-sid', o.cdbTnsAlias !== undefined && '--oracle-cdb-tns-alias'].filter(Boolean);
  if (cdbWays.length > 1) throw usage(`Give only one of --oracle-cdb-name, --oracle-cdb-sid and --oracle-cdb-tns-alias (got ${cdbWays.join(' and ')}).`);
  if (o.tnsAlias === undefined && !o.host) throw usage('--source-db-host is required unless --oracle-tns-alias names the database.');
  if (o.port !== undefined && (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535)) throw usage('--source-db-port must be a port number (1-65535).');
  if (o.sslRootCert !== undefined) {
    throw usage('--source-ssl-root-cert does not apply to Oracle.', 'Put the CA certificate into a PEM wallet (ewallet.pem) and pass its directory with --oracle-wallet-location, or use --oracle-tns-alias with the wallet in TNS_ADMIN.');
  }
  checkToken('source-db-host', o.host);
  checkToken('source-db-name', o.serviceName);
  checkToken('oracle-db-sid', o.sid);
  checkToken('oracle-cdb-name', o.cdbServiceName);
  checkToken('oracle-cdb-sid', o.cdbSid);
}

function isTcps(mode: OracleSslMode | undefined): boolean {
  return mode === 'require' || mode === 'verify-ca' || mode === 'verify-full';
}

function hostPort(o: OracleConnectOptions): { host: string; port: number } {
  return { host: o.host!, port: o.port ?? 1521 };
}

/** A one-address descriptor. */
function descriptor(protocol: 'TCP' | 'TCPS', host: string, port: number, data: { serviceName: string } | { sid: string }, dnMatch: boolean): string {
  const cd = 'serviceName' in data ? `(SERVICE_NAME=${data.serviceName})` : `(SID=${data.sid})`;
  const sec = protocol === 'TCPS' ? `(SECURITY=(SSL_SERVER_DN_MATCH=${dnMatch ? 'ON' : 'OFF'}))` : '';
  return `(DESCRIPTION=(ADDRESS=(PROTOCOL=${protocol})(HOST=${host})(PORT=${port}))(CONNECT_DATA=${cd})${sec})`;
}

function lookupAlias(tns: TnsnamesFile | undefined, alias: string, flag: string): { pairs: readonly NvPair[]; connectString: string } {
  if (!tns) throw usage(`--${flag} needs tnsnames.ora: set TNS_ADMIN to its directory or pass --oracle-home (it is read from <home>/network/admin).`);
  const e = tns.entries.get(alias.toUpperCase());
  if (!e) {
    const known = [...tns.entries.values()].map((x) => x.alias).sort();
    throw usage(`TNS alias ${alias} is not in tnsnames.ora.`, known.length > 0 ? `Aliases there: ${known.join(', ')}.` : 'The file defines no aliases.');
  }
  return e;
}

/**
 * The connect target of the database holding the data (`pdb`, the only one for a non-CDB) or of
 * its container database (`cdb`, for LogMiner). `tns` is the parsed tnsnames.ora, needed only for
 * aliases; `tnsAdmin` the directory it came from (the default wallet location for an alias).
 */
export function connectTarget(o: OracleConnectOptions, which: 'pdb' | 'cdb', tns?: TnsnamesFile, tnsAdmin?: string): OracleConnectTarget {
  validateOracleOptions(o);
  const tcps = isTcps(o.sslMode);
  const dnMatch = o.sslMode === 'verify-full';

  if (which === 'cdb' && o.cdbTnsAlias !== undefined) {
    const e = lookupAlias(tns, o.cdbTnsAlias, 'oracle-cdb-tns-alias');
    return aliasTarget(e, o.cdbTnsAlias, o.walletLocation ?? tnsAdmin);
  }
  if (which === 'pdb' && o.tnsAlias !== undefined) {
    const e = lookupAlias(tns, o.tnsAlias, 'oracle-tns-alias');
    return aliasTarget(e, o.tnsAlias, o.walletLocation ?? tnsAdmin);
  }
  const data = which === 'pdb'
    ? (o.serviceName !== undefined ? { serviceName: o.serviceName } : { sid: o.sid! })
    : o.cdbServiceName !== undefined ? { serviceName: o.cdbServiceName } : o.cdbSid !== undefined ? { sid: o.cdbSid } : undefined;
  if (!data) {
    throw usage('Live migration from a pluggable database needs its container database: give --oracle-cdb-name, --oracle-cdb-sid or --oracle-cdb-tns-alias.', 'LogMiner runs in CDB$ROOT; the migration user must be a common user (c##…) with the spec\'s grants CONTAINER=ALL.');
  }
  if (o.tnsAlias !== undefined) {
    // The CDB on the PDB alias's listener: the alias's descriptor with another CONNECT_DATA.
    const e = lookupAlias(tns, o.tnsAlias, 'oracle-tns-alias');
    if (e.pairs.length === 0) throw usage(`TNS alias ${o.tnsAlias} is an Easy Connect string; name the container database with --oracle-cdb-tns-alias.`);
    const pairs = withConnectData(e.pairs, data);
    const wallet = o.walletLocation ?? tnsAdmin;
    const isTcpsNow = summarizeDescriptor(pairs).addresses.some((a) => a.protocol === 'TCPS');
    return {
      connectString: pairs.map(serializePair).join(''),
      describe: `${o.tnsAlias} (${'serviceName' in data ? `service ${data.serviceName}` : `SID ${data.sid}`})`,
      ...(isTcpsNow && wallet ? { walletLocation: wallet } : {}),
    };
  }
  const { host, port } = hostPort(o);
  const where = `${host}:${port}/${'serviceName' in data ? data.serviceName : `SID ${data.sid}`}`;
  if (!tcps && 'serviceName' in data) {
    const h = host.includes(':') ? `[${host}]` : host;
    return { connectString: `${h}:${port}/${data.serviceName}`, describe: where };
  }
  return {
    connectString: descriptor(tcps ? 'TCPS' : 'TCP', host, port, data, dnMatch),
    describe: `${where}${tcps ? ' (TCPS)' : ''}`,
    ...(tcps && o.walletLocation ? { walletLocation: o.walletLocation } : {}),
    ...(tcps ? { sslServerDNMatch: dnMatch } : {}),
  };
}

/** An alias as it is: its descriptor carries protocol and SECURITY settings; only the wallet is added. */
function aliasTarget(e: { pairs: readonly NvPair[]; connectString: string }, alias: string, wallet: string | undefined): OracleConnectTarget {
  const s = summarizeDescriptor(e.pairs);
  const isTcps = s.addresses.some((a) => a.protocol === 'TCPS') || /^tcps:\/\//i.test(e.connectString);
  return { connectString: e.connectString, describe: `TNS alias ${alias}`, ...(isTcps && wallet ? { walletLocation: wallet } : {}) };
}

/**
 * Where tnsnames.ora is: TNS_ADMIN if set, else <--oracle-home>/network/admin, else nowhere
 * (aliases cannot be used). Oracle's own precedence.
 */
export function tnsAdminDirectory(env: { TNS_ADMIN?: string }, oracleHome?: string): string | undefined {
  if (env.TNS_ADMIN) return env.TNS_ADMIN;
  if (oracleHome) return `${oracleHome.replace(/\/+$/, '')}/network/admin`;
  return undefined;
}
