import { resolve as resolvePath } from 'node:path';
import { TandemError } from '../core/errors.js';
import { log } from '../core/logger.js';
import { SYSTEM_ROOTS, type DbConfig } from '../core/db-config.js';
import { parseNameList, parseNameRefs } from '../core/identifier-list.js';
import type { MetaStore } from '../core/meta-store.js';
import type { CommandContext } from './command-context.js';
import { promptSecret } from './prompt.js';
import { checkEngineType } from '../adapters/engines.js';

/** The port of each database type when neither a flag nor meta.db gives one. */
const DEFAULT_PORTS: Record<string, number> = { postgresql: 5432, yugabytedb: 5433, mysql: 3306, oracle: 1521 };

/**
 * The connection for one side: flags/env/config first, then what meta.db remembers from an earlier
 * command, then defaults. The password is only ever in memory; without one, a terminal is asked
 * (unless `prompt` is false or --yes is given).
 */
export async function resolveDbConfig(ctx: CommandContext, meta: MetaStore, role: 'source' | 'target', options: { prompt?: boolean } = {}): Promise<DbConfig> {
  const stored = meta.getDbConfig(role);
  const flag = (n: string) => (ctx.explicitFlags.has(`${role}-${n}`) || ctx.has(`${role}-${n}`) ? ctx.str(`${role}-${n}`) : undefined);
  const explicit = (n: string) => ctx.explicitFlags.has(`${role}-${n}`);
  const type = flag('db-type') ?? stored?.type ?? (role === 'target' ? 'yugabytedb' : undefined);
  if (!type) {
    throw new TandemError('TANDEM_USAGE', `--${role}-db-type is required (postgresql, mysql or oracle).`);
  }
  if (role === 'source') {
    // YugabyteDB is the migration's target, not a source; other types need their engine plugged in.
    if (type === 'yugabytedb') {
      throw new TandemError('TANDEM_UNSUPPORTED', `Source database type "${type}" is not supported yet; this version migrates PostgreSQL sources.`, {
        hint: 'Use --source-db-type postgresql.',
      });
    }
    checkEngineType(type);
  }
  // host has a default, so a stored host wins over the default unless the flag was given
  const host = (explicit('db-host') ? ctx.str(`${role}-db-host`) : undefined) ?? stored?.host ?? ctx.str(`${role}-db-host`) ?? 'localhost';
  const port = (ctx.int(`${role}-db-port`) as number | undefined) ?? stored?.port ?? DEFAULT_PORTS[type] ?? 5432;
  const user = flag('db-user') ?? stored?.user;
  if (!user) throw new TandemError('TANDEM_USAGE', `--${role}-db-user is required.`);
  const database = flag('db-name') ?? stored?.database ?? (role === 'target' ? 'yugabyte' : undefined);
  if (!database) throw new TandemError('TANDEM_USAGE', `--${role}-db-name is required.`);
  const schemaText = flag('db-schema');
  const schemas = schemaText !== undefined ? parseNameList(schemaText, `--${role}-db-schema`) : stored?.schemas ?? (role === 'source' ? ['public'] : []);
  const schemaRefs = schemaText !== undefined ? parseNameRefs(schemaText, `--${role}-db-schema`) : undefined;
  // TLS: a flag (or config key) wins over meta.db; no mode at all means libpq's default, prefer.
  const sslMode = flag('ssl-mode') ?? stored?.sslMode;
  const sslPath = (n: string, s: string | undefined) => {
    const p = flag(n);
    // Absolute, so that a later command run from another directory finds the same file.
    return p === undefined ? s : n === 'ssl-root-cert' && p === SYSTEM_ROOTS ? p : resolvePath(p);
  };
  const sslRootCert = sslPath('ssl-root-cert', stored?.sslRootCert);
  const sslCert = sslPath('ssl-cert', stored?.sslCert);
  const sslKey = sslPath('ssl-key', stored?.sslKey);
  const sslCrl = sslPath('ssl-crl', stored?.sslCrl);
  let password = ctx.str(`${role}-db-password`);
  if (password === undefined && options.prompt !== false && process.stdin.isTTY && !ctx.bool('yes')) {
    password = await promptSecret(`Password for ${role} user ${user}@${host}:${port}/${database} (empty for none): `);
    if (password === '') password = undefined;
  }
  log.addSecret(password);
  return { role, type, host, port, user, database, schemas, ...(schemaRefs ? { schemaRefs } : {}), sslMode, sslRootCert, sslCert, sslKey, sslCrl, password };
}
