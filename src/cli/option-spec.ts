import { TandemError } from '../core/errors.js';
import { SSL_MODES } from '../core/db-config.js';

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
      if (n < 1 && spec.name !== 'source-db-port' && spec.name !== 'target-db-port') throw new TandemError('TANDEM_USAGE', `--${spec.name} must be at least 1.`);
      return n;
    }
    case 'enum': {
      const s = String(raw).trim();
      if (!spec.choices!.includes(s)) throw new TandemError('TANDEM_USAGE', `--${spec.name} must be one of ${spec.choices!.join(', ')}; got "${s}".`);
      return s;
    }
    default:
      return String(raw);
  }
}

const DB_TYPES = ['postgresql', 'mysql', 'oracle', 'yugabytedb'] as const;

/** The connection flags of one side (`source` or `target`), mapped to the config file's sections. */
export function connectionOptions(role: 'source' | 'target', options: { withSchema?: boolean; withType?: boolean } = {}): OptionSpec[] {
  const env = role === 'source' ? 'SOURCE_DB_PASSWORD' : 'TARGET_DB_PASSWORD';
  const specs: OptionSpec[] = [];
  if (options.withType !== false) {
    specs.push({ name: `${role}-db-type`, kind: 'enum', choices: role === 'source' ? DB_TYPES : ['yugabytedb', 'postgresql'], description: `${role} database type`, configPath: `${role}.db-type` });
  }
  specs.push(
    { name: `${role}-db-host`, kind: 'string', description: `${role} database host`, defaultValue: 'localhost', configPath: `${role}.db-host` },
    { name: `${role}-db-port`, kind: 'int', description: `${role} database port (default: 5432 for PostgreSQL, 5433 for YugabyteDB)`, configPath: `${role}.db-port` },
    { name: `${role}-db-user`, kind: 'string', description: `${role} database user`, configPath: `${role}.db-user` },
    { name: `${role}-db-password`, kind: 'string', secret: true, env, description: `${role} database password (or ${env}, or an interactive prompt)`, configPath: `${role}.db-password` },
    { name: `${role}-db-name`, kind: 'string', description: `${role} database name${role === 'target' ? ' (default: yugabyte)' : ''}`, configPath: `${role}.db-name` },
  );
  if (options.withSchema !== false) {
    specs.push({
      name: `${role}-db-schema`, kind: 'string', configPath: `${role}.db-schema`,
      description: role === 'source'
        ? 'comma-separated schemas to migrate; quote mixed-case names: public,"Sales"'
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
    { name: `${role}-ssl-crl`, kind: 'path', description: 'certificate revocation list checked with the server\'s certificate chain (default: ~/.postgresql/root.crl if it exists)', configPath: `${role}.ssl-crl` },
  );
  return specs;
}

export const EXPORT_DIR_OPTION: OptionSpec = {
  name: 'export-dir', kind: 'path', required: true, description: 'the migration\'s working directory (must exist)', configPath: 'export-dir',
};
export const COMMON_OPTIONS: OptionSpec[] = [
  { name: 'config-file', kind: 'path', description: 'YAML file with a section per command; flags override it' },
  { name: 'yes', kind: 'bool', description: 'answer yes to every prompt', defaultValue: false },
  { name: 'log-level', kind: 'enum', choices: ['debug', 'info', 'warn', 'error'], defaultValue: 'info', description: 'log file verbosity', configPath: 'log-level' },
];
