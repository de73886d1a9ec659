import { resolve as resolvePath } from 'node:path';
import { TandemError } from '../core/errors.js';
import { log } from '../core/logger.js';
import { SYSTEM_ROOTS, type DbConfig } from '../core/db-config.js';
import { parseNameList, parseNameRefs } from '../core/identifier-list.js';
import type { MetaStore } from '../core/meta-store.js';
import type { CommandContext } from './command-context.js';
import { promptSecret } from './prompt.js';
import { ENGINE_CONNECTION_OPTIONS } from './option-spec.js';
import { checkEngineType, loadEngine, unsupportedSource } from '../adapters/engines.js';

/** The port of each database type when neither a flag nor meta.db gives one. */
const DEFAULT_PORTS: Record<string, number> = { postgresql: 5432, yugabytedb: 5433, mysql: 3306, oracle: 1521 };

/** Options of {@link resolveDbConfig}. */
export interface ResolveDbOptions {
  /** Ask for a missing password on a terminal (default true). */
  readonly prompt?: boolean;
  /**
   * Nothing will connect (`export schema --source-ddl-files`): the type and schemas are what count;
   * no user, database name or password is required and none is asked for.
   */
  readonly offline?: boolean;
}

/**
 * The engine-specific connection flags of a source (`--oracle-db-sid` → `db-sid`): the flags given
 * now over those meta.db remembers. A flag of another engine is a usage error (it would be silently
 * ignored). Paths are made absolute; secrets (the wallet password) are kept apart, never stored.
 * `TNS_ADMIN` is recorded when an alias is used, so that later commands find the same tnsnames.ora.
 */
export function engineConnectionSettings(
  ctx: Pick<CommandContext, 'str' | 'explicitFlags' | 'has'>, type: string, stored: Readonly<Record<string, string>> | undefined, env: NodeJS.ProcessEnv = process.env,
): { options: Record<string, string>; secrets: Record<string, string> } {
  for (const [other, specs] of Object.entries(ENGINE_CONNECTION_OPTIONS)) {
    if (other === type) continue;
    const given = specs.find((s) => ctx.explicitFlags.has(s.name));
    if (given) throw new TandemError('TANDEM_USAGE', `--${given.name} applies to --source-db-type ${other}, not ${type}.`);
  }
  const options: Record<string, string> = { ...(stored ?? {}) };
  const secrets: Record<string, string> = {};
  const prefix = `${type}-`;
  for (const spec of ENGINE_CONNECTION_OPTIONS[type] ?? []) {
    const key = spec.name.slice(prefix.length);
    const value = ctx.has(spec.name) ? ctx.str(spec.name) : undefined;
    if (value === undefined || value === '') continue;
    if (spec.secret) secrets[key] = value;
    else options[key] = spec.kind === 'path' ? resolvePath(value) : value;
  }
  if ((options['tns-alias'] !== undefined || options['cdb-tns-alias'] !== undefined) && env.TNS_ADMIN) options['tns-admin'] = resolvePath(env.TNS_ADMIN);
  return { options, secrets };
}

/**
 * The connection for one side: flags/env/config first, then what meta.db remembers from an earlier
 * command, then defaults. The password is only ever in memory; without one, a terminal is asked
 * (unless `prompt` is false or --yes is given).
 */
export async function resolveDbConfig(ctx: CommandContext, meta: MetaStore | undefined, role: 'source' | 'target', options: ResolveDbOptions = {}, asked?: Map<string, string | undefined>): Promise<DbConfig> {
  const stored = meta?.getDbConfig(role);
  const flag = (n: string) => (ctx.explicitFlags.has(`${role}-${n}`) || ctx.has(`${role}-${n}`) ? ctx.str(`${role}-${n}`) : undefined);
  const explicit = (n: string) => ctx.explicitFlags.has(`${role}-${n}`);
  const type = flag('db-type') ?? stored?.type ?? (role === 'target' ? 'yugabytedb' : undefined);
  if (!type) {
    throw new TandemError('TANDEM_USAGE', `--${role}-db-type is required (postgresql, mysql or oracle).`);
  }
  let nameCase: 'lower' | 'upper' = 'lower';
  let engineChecksConfig = false;
  if (role === 'source') {
    // YugabyteDB is the migration's target, not a source; other types need their engine plugged in.
    if (type === 'yugabytedb') throw unsupportedSource(type);
    const engine = await loadEngine(checkEngineType(type));
    nameCase = engine.unquotedNameCase ?? 'lower';
    engineChecksConfig = engine.checkConfig !== undefined;
  }
  const sameType = stored?.type === type;
  const engineSettings = role === 'source' ? engineConnectionSettings(ctx, type, sameType ? stored?.engineOptions : undefined) : { options: {}, secrets: {} };
  // host has a default, so a stored host wins over the default unless the flag was given
  const host = (explicit('db-host') ? ctx.str(`${role}-db-host`) : undefined) ?? stored?.host ?? ctx.str(`${role}-db-host`) ?? 'localhost';
  const port = (ctx.int(`${role}-db-port`) as number | undefined) ?? stored?.port ?? DEFAULT_PORTS[type] ?? 5432;
  const user = flag('db-user') ?? stored?.user ?? (options.offline ? '' : undefined);
  if (user === undefined) throw new TandemError('TANDEM_USAGE', `--${role}-db-user is required.`);
  // An engine that checks its own settings (Oracle: a service name, a SID or a TNS alias) says what is missing.
  const database = flag('db-name') ?? stored?.database ?? (role === 'target' ? 'yugabyte' : options.offline || engineChecksConfig ? '' : undefined);
  if (database === undefined) throw new TandemError('TANDEM_USAGE', `--${role}-db-name is required.`);
  const schemaText = flag('db-schema');
  if (schemaText !== undefined && schemaText.replace(/[\s,]/g, '') === '') {
    throw new TandemError('TANDEM_USAGE', `--${role}-db-schema is empty.`, { hint: `Name the schema(s), e.g. --${role}-db-schema public, or leave the flag out for the default.` });
  }
  const schemas = schemaText !== undefined
    ? parseNameList(schemaText, `--${role}-db-schema`, nameCase)
    : (sameType ? stored?.schemas : undefined) ?? (role === 'source' && nameCase === 'lower' ? ['public'] : []);
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
  // One command asks once per database: a command that connects twice (end migration's report
  // after its confirmation) reuses the answer typed the first time.
  const askedKey = `${role} ${user}@${host}:${port}/${database}`;
  if (password === undefined && asked?.has(askedKey)) password = asked.get(askedKey);
  else if (password === undefined && !options.offline && options.prompt !== false && process.stdin.isTTY && !ctx.bool('yes')) {
    password = await promptSecret(`Password for ${role} user ${user}@${host}:${port}/${database} (empty for none): `);
    if (password === '') password = undefined;
    asked?.set(askedKey, password);
  }
  log.addSecret(password);
  log.addPublicNames([user, database, host, ...schemas]);
  for (const secret of Object.values(engineSettings.secrets)) log.addSecret(secret);
  return {
    role, type, host, port, user, database, schemas, ...(schemaRefs ? { schemaRefs } : {}), sslMode, sslRootCert, sslCert, sslKey, sslCrl, password,
    ...(Object.keys(engineSettings.options).length > 0 ? { engineOptions: engineSettings.options } : {}),
    ...(Object.keys(engineSettings.secrets).length > 0 ? { engineSecrets: engineSettings.secrets } : {}),
  };
}
