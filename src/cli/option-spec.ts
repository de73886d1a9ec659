import { TandemError } from '../core/errors.js';
import { SSL_MODES } from '../core/db-config.js';

/** The most connections one --parallel-jobs may ask for. */
export const MAX_PARALLEL_JOBS = 256;

export type OptionKind = 'string' | 'int' | 'bool' | 'enum' | 'path';

/** One command-line flag. `name` is the flag without dashes, e.g. `source-db-host`. */
export interface OptionSpec {
  readonly name: string;
  readonly kind: OptionKind;
  readonly description: string;
  readonly defaultValue?: string | number | boolean;
  readonly choices?: readonly string[];
  /** Environment variable read when the flag is absent. */
  readonly env?: string;
  /** Where the value sits in the config file: `source.db-host`; default: the command's section. */
  readonly configPath?: string;
  readonly required?: boolean;
  readonly secret?: boolean;
}

const TRUE = new Set(['true', 'yes', '1', 't', 'y', 'on']);
const FALSE = new Set(['false', 'no', '0', 'f', 'n', 'off']);

/** Booleans accept true/false, yes/no, 1/0 (any case), as the spec's flags do. */
export function parseBool(value: unknown, flag: string): boolean {
  if (typeof value === 'boolean') return value;
  const s = String(value).trim().toLowerCase();
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  throw new TandemError('TANDEM_USAGE', `--${flag} takes true/false, yes/no or 1/0, not "${String(value)}".`);
}

export function coerce(spec: OptionSpec, raw: unknown): string | number | boolean {
  switch (spec.kind) {
    case 'bool':
      return parseBool(raw, spec.name);
    case 'int': {
      const s = String(raw).trim();
      if (!/^\d+$/.test(s)) throw new TandemError('TANDEM_USAGE', `--${spec.name} takes a positive whole number, not "${String(raw)}".`);
      const n = Number(s);
      // A port 0 was taken for "the default" by the driver (5432: another server than the one named).
      if (spec.name.endsWith('-db-port') && (n < 1 || n > 65535)) throw new TandemError('TANDEM_USAGE', `--${spec.name} takes a port from 1 to 65535, not ${s}.`);
      if (n < 1) throw new TandemError('TANDEM_USAGE', `--${spec.name} must be at least 1.`);
      // Each job is a connection: 100000 were opened at once and the import stopped after 53 s with
      // "Timed out connecting", which names the wrong cause (the input-secrets run).
      if (spec.name === 'parallel-jobs' && n > MAX_PARALLEL_JOBS) {
        throw new TandemError('TANDEM_USAGE', `--parallel-jobs takes at most ${MAX_PARALLEL_JOBS} (each job is a database connection), not ${s}.`, {
          hint: 'Leave it out to let Tandem choose from the cores and the tables, or give a number the databases\' max_connections allows beside the application.',
        });
      }
      return n;
    }
    case 'enum': {
      const s = String(raw).trim();
      if (!spec.choices!.includes(s)) throw new TandemError('TANDEM_USAGE', `--${spec.name} must be one of ${spec.choices!.join(', ')}; got "${s}".`);
      return s;
    }
    default:
      // An empty list (an unset shell variable: --table-list "$TABLES") was taken for no flag: every table.
      if ((spec.name === 'table-list' || spec.name === 'exclude-table-list') && String(raw).trim() === '') {
        throw new TandemError('TANDEM_USAGE', `--${spec.name} is empty.`, { hint: `Name the tables (--${spec.name} orders,customers), or leave the flag out${spec.name === 'table-list' ? ' to take every table' : ''}.` });
      }
      return String(raw);
  }
}

/** Source types the CLI accepts (YugabyteDB is the migration's target: never offered as a source). */
const SOURCE_DB_TYPES = ['postgresql', 'mysql', 'oracle'] as const;

/** The connection flags of one side (`source` or `target`), mapped to the config file's sections. */
export function connectionOptions(role: 'source' | 'target', options: { withSchema?: boolean; withType?: boolean } = {}): OptionSpec[] {
  const env = role === 'source' ? 'SOURCE_DB_PASSWORD' : 'TARGET_DB_PASSWORD';
  const specs: OptionSpec[] = [];
  if (options.withType !== false) {
    specs.push({ name: `${role}-db-type`, kind: 'enum', choices: role === 'source' ? SOURCE_DB_TYPES : ['yugabytedb', 'postgresql'], description: `${role} database type`, configPath: `${role}.db-type` });
  }
  specs.push(
    { name: `${role}-db-host`, kind: 'string', description: `${role} database host`, defaultValue: 'localhost', configPath: `${role}.db-host` },
    { name: `${role}-db-port`, kind: 'int', description: role === 'source'
      ? 'source database port (default: 5432 for PostgreSQL, 3306 for MySQL, 1521 for Oracle)'
      // The target is always YugabyteDB (db-config-resolver.ts): a PostgreSQL standing in for it needs its port given.
      : 'target database port (default: 5433, YugabyteDB\'s; give it for a PostgreSQL target, usually 5432)', configPath: `${role}.db-port` },
    { name: `${role}-db-user`, kind: 'string', description: `${role} database user`, configPath: `${role}.db-user` },
    { name: `${role}-db-password`, kind: 'string', secret: true, env, description: `${role} database password (or ${env}, or an interactive prompt)`, configPath: `${role}.db-password` },
    { name: `${role}-db-name`, kind: 'string', description: `${role} database name${role === 'target' ? ' (default: yugabyte)' : ' (Oracle: the service name; or give --oracle-db-sid or --oracle-tns-alias instead)'}`, configPath: `${role}.db-name` },
  );
  if (options.withSchema !== false) {
    specs.push({
      name: `${role}-db-schema`, kind: 'string', configPath: `${role}.db-schema`,
      description: role === 'source'
        ? 'comma-separated schemas to migrate; quote mixed-case names: public,"Sales" (Oracle: exactly one schema; an unquoted name is upper-cased as Oracle does, hr = HR)'
        : 'target schema (only for single-schema sources; PostgreSQL schemas keep their names)',
    });
  }
  specs.push(
    // No defaultValue: a mode nobody gave falls back to the one stored in meta.db, then to prefer.
    {
      name: `${role}-ssl-mode`, kind: 'enum', choices: SSL_MODES, configPath: `${role}.ssl-mode`,
      description: 'TLS as libpq does it: disable, allow, prefer (default: TLS if the server offers it), require, verify-ca, verify-full (TLS, the certificate checked against --' + role + '-ssl-root-cert and the host name: use this in production)',
    },
    { name: `${role}-ssl-root-cert`, kind: 'path', description: 'CA certificate file the server\'s certificate must chain to (default: ~/.postgresql/root.crt if it exists; "system" for the publicly trusted CAs, with verify-full)', configPath: `${role}.ssl-root-cert` },
    { name: `${role}-ssl-cert`, kind: 'path', description: 'client certificate file, for a server that asks for one (default: ~/.postgresql/postgresql.crt if it exists)', configPath: `${role}.ssl-cert` },
    { name: `${role}-ssl-key`, kind: 'path', description: 'private key file of --' + role + '-ssl-cert (its path is remembered, never its contents)', configPath: `${role}.ssl-key` },
    { name: `${role}-ssl-crl`, kind: 'path', description: `certificate revocation list checked with the server's certificate chain (default: ~/.postgresql/root.crl if it exists)${role === 'source' ? '; PostgreSQL sources only (refused for MySQL)' : ''}`, configPath: `${role}.ssl-crl` },
  );
  return specs;
}

/**
 * Oracle's own connection flags (the spec's, and Voyager's names), for the commands that connect to
 * an Oracle source with all its settings: export schema and export data from source. They are kept
 * in meta.db with the other connection settings (never the wallet password), so later commands need
 * only the passwords. Each is refused for another source type.
 */
export const ORACLE_CONNECTION_OPTIONS: readonly OptionSpec[] = [
  { name: 'oracle-db-sid', kind: 'string', configPath: 'source.oracle-db-sid', description: 'Oracle only: the System Identifier (SID) of the database, instead of its service name in --source-db-name' },
  { name: 'oracle-tns-alias', kind: 'string', configPath: 'source.oracle-tns-alias', description: 'Oracle only: a TNS alias of tnsnames.ora (in TNS_ADMIN, else in <--oracle-home>/network/admin) naming the database; it fixes host, port, protocol and SSL, instead of --source-db-host/--source-db-port/--source-db-name' },
  { name: 'oracle-home', kind: 'path', configPath: 'source.oracle-home', description: 'Oracle only: an Oracle home; tnsnames.ora is read from <home>/network/admin when TNS_ADMIN is not set (the thin driver needs no Oracle client otherwise)' },
  { name: 'oracle-cdb-name', kind: 'string', configPath: 'source.oracle-cdb-name', description: 'Oracle only, live migration from a pluggable database: the service name of its container database (CDB$ROOT), where LogMiner runs; same host and port' },
  { name: 'oracle-cdb-sid', kind: 'string', configPath: 'source.oracle-cdb-sid', description: 'Oracle only, live migration from a pluggable database: the SID of its container database' },
  { name: 'oracle-cdb-tns-alias', kind: 'string', configPath: 'source.oracle-cdb-tns-alias', description: 'Oracle only, live migration from a pluggable database: a TNS alias naming its container database' },
  { name: 'oracle-wallet-location', kind: 'path', configPath: 'source.oracle-wallet-location', description: 'Oracle only, SSL (TCPS): the directory holding the PEM wallet ewallet.pem with the CA certificate (and client certificate); default with a TNS alias: the TNS_ADMIN directory. Use with --source-ssl-mode require|verify-ca|verify-full or a TCPS alias' },
];

/** The password of an encrypted Oracle PEM wallet: a secret, never stored (like the database password). */
export const ORACLE_WALLET_PASSWORD: OptionSpec = {
  name: 'oracle-wallet-password', kind: 'string', secret: true, env: 'ORACLE_WALLET_PASSWORD', configPath: 'source.oracle-wallet-password',
  description: 'Oracle only: the password of an encrypted ewallet.pem (or ORACLE_WALLET_PASSWORD)',
};

/** Engine-specific connection flags by source type (`<type>-…`), for the connection resolver. */
export const ENGINE_CONNECTION_OPTIONS: Readonly<Record<string, readonly OptionSpec[]>> = {
  oracle: [...ORACLE_CONNECTION_OPTIONS, ORACLE_WALLET_PASSWORD],
};

export const EXPORT_DIR_OPTION: OptionSpec = {
  name: 'export-dir', kind: 'path', required: true, description: 'the migration\'s working directory (must exist)', configPath: 'export-dir',
};
export const COMMON_OPTIONS: OptionSpec[] = [
  { name: 'config-file', kind: 'path', description: 'YAML file with a section per command; flags override it' },
  { name: 'yes', kind: 'bool', description: 'answer yes to every prompt', defaultValue: false },
  { name: 'log-level', kind: 'enum', choices: ['debug', 'info', 'warn', 'error'], defaultValue: 'info', description: 'log file verbosity', configPath: 'log-level' },
];
