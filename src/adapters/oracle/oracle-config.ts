import type { DbConfig } from '../../core/db-config.js';
import { TandemError } from '../../core/errors.js';
import { validateOracleOptions, type OracleConnectOptions, type OracleSslMode } from './connect-descriptor.js';
import type { OracleLogin } from './connection.js';
import { oracleNameToPg } from './schema/index.js';

/**
 * From Tandem's resolved connection (`DbConfig`) to what the Oracle connection code takes (pure).
 *
 * The CLI keeps Oracle's own flags in `DbConfig.engineOptions`, keyed by the flag without `oracle-`
 * (`--oracle-db-sid` → `db-sid`), and stores them in meta.db like the other settings, so later
 * commands need only the password; the wallet password is a secret (`engineSecrets`, never stored).
 * `TNS_ADMIN` is recorded as `tns-admin` when an alias was resolved through it, so a later command
 * run from another shell finds the same tnsnames.ora.
 */

/** The `engineOptions` keys of an Oracle connection, with the flag each comes from. */
export const ORACLE_OPTION_FLAGS = {
  'db-sid': '--oracle-db-sid',
  'tns-alias': '--oracle-tns-alias',
  home: '--oracle-home',
  'tns-admin': 'TNS_ADMIN',
  'cdb-name': '--oracle-cdb-name',
  'cdb-sid': '--oracle-cdb-sid',
  'cdb-tns-alias': '--oracle-cdb-tns-alias',
  'wallet-location': '--oracle-wallet-location',
} as const;

/** The `engineSecrets` key of the wallet password (`--oracle-wallet-password`, ORACLE_WALLET_PASSWORD). */
export const WALLET_PASSWORD_KEY = 'wallet-password';

const SSL_MODES: readonly OracleSslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

function opt(db: Pick<DbConfig, 'engineOptions'>, key: keyof typeof ORACLE_OPTION_FLAGS): string | undefined {
  const v = db.engineOptions?.[key];
  return v === undefined || v === '' ? undefined : v;
}

/** The connect options: service name from `--source-db-name` (when given), SID / alias / CDB from the Oracle flags. */
export function oracleConnectOptions(db: DbConfig): OracleConnectOptions {
  const mode = db.sslMode as OracleSslMode | undefined;
  return {
    host: db.host,
    port: db.port,
    ...(db.database ? { serviceName: db.database } : {}),
    ...(opt(db, 'db-sid') ? { sid: opt(db, 'db-sid') } : {}),
    ...(opt(db, 'tns-alias') ? { tnsAlias: opt(db, 'tns-alias') } : {}),
    ...(opt(db, 'cdb-name') ? { cdbServiceName: opt(db, 'cdb-name') } : {}),
    ...(opt(db, 'cdb-sid') ? { cdbSid: opt(db, 'cdb-sid') } : {}),
    ...(opt(db, 'cdb-tns-alias') ? { cdbTnsAlias: opt(db, 'cdb-tns-alias') } : {}),
    ...(mode !== undefined && SSL_MODES.includes(mode) ? { sslMode: mode } : {}),
    ...(opt(db, 'wallet-location') ? { walletLocation: opt(db, 'wallet-location') } : {}),
    ...(db.sslRootCert !== undefined ? { sslRootCert: db.sslRootCert } : {}),
  };
}

/** User, password, Oracle home and wallet password for `openOracleSession`. */
export function oracleLogin(db: DbConfig): OracleLogin {
  return {
    user: db.user,
    ...(db.password !== undefined ? { password: db.password } : {}),
    ...(opt(db, 'home') ? { oracleHome: opt(db, 'home') } : {}),
    ...(db.engineSecrets?.[WALLET_PASSWORD_KEY] ? { walletPassword: db.engineSecrets[WALLET_PASSWORD_KEY] } : {}),
  };
}

/** The environment tnsnames.ora is looked up with: TNS_ADMIN from the process, else the one recorded. */
export function oracleTnsEnv(db: Pick<DbConfig, 'engineOptions'>, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const tnsAdmin = env.TNS_ADMIN || opt(db, 'tns-admin');
  return tnsAdmin ? { ...env, TNS_ADMIN: tnsAdmin } : { ...env, TNS_ADMIN: undefined };
}

/** The one migrated schema, as Oracle stores it (`HR`). */
export function oracleSchemaOf(db: Pick<DbConfig, 'schemas'>): string {
  if (db.schemas.length !== 1) {
    throw new TandemError('TANDEM_USAGE', db.schemas.length === 0
      ? '--source-db-schema is required for an Oracle source: name the one schema to migrate (e.g. --source-db-schema HR).'
      : `An Oracle migration moves one schema at a time; --source-db-schema names ${db.schemas.length} (${db.schemas.join(', ')}).`, {
      hint: 'Give one schema; unquoted names are upper-cased as Oracle does (hr → HR); quote a mixed-case name: --source-db-schema \'"Sales"\'.',
    });
  }
  return db.schemas[0]!;
}

/** The PostgreSQL schema the Oracle schema becomes on the target (the schema converter's rule: `HR` → `hr`). */
export function targetSchemaOf(db: Pick<DbConfig, 'schemas'>): string {
  return oracleNameToPg(oracleSchemaOf(db));
}

/**
 * Everything about an Oracle connection that can be checked before anything connects: one schema;
 * exactly one of service name, SID and alias; at most one way to name the CDB; ports and tokens; no
 * libpq-only TLS file (the thin driver reads a PEM wallet).
 */
export function checkOracleConfig(db: DbConfig): void {
  oracleSchemaOf(db);
  validateOracleOptions(oracleConnectOptions(db));
  for (const [flag, v] of [['ssl-cert', db.sslCert], ['ssl-key', db.sslKey], ['ssl-crl', db.sslCrl]] as const) {
    if (v !== undefined) {
      throw new TandemError('TANDEM_USAGE', `--${db.role}-${flag} does not apply to Oracle.`, {
        hint: 'Oracle\'s thin driver takes the client certificate and key from a PEM wallet (ewallet.pem): pass its directory with --oracle-wallet-location.',
      });
    }
  }
  if (db.sslMode !== undefined && !SSL_MODES.includes(db.sslMode as OracleSslMode)) {
    throw new TandemError('TANDEM_USAGE', `--${db.role}-ssl-mode ${db.sslMode} is not a mode Tandem knows.`);
  }
}

/** For messages: the database as the flags name it (never a password). */
export function describeOracleDb(db: DbConfig): string {
  const o = oracleConnectOptions(db);
  const where = o.tnsAlias !== undefined ? `TNS alias ${o.tnsAlias}` : `${db.host}:${db.port}/${o.serviceName ?? `SID ${o.sid ?? '?'}`}`;
  return `${db.user}@${where}`;
}
