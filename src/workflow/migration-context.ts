import { ExportDir } from '../core/export-dir.js';
import { MetaStore, type StoredDbConfig } from '../core/meta-store.js';
import { CommandLock } from '../core/lock.js';
import { log } from '../core/logger.js';
import { resolve as resolvePath } from 'node:path';
import { TandemError } from '../core/errors.js';
import { SYSTEM_ROOTS, type DbConfig } from '../core/db-config.js';
import type { CommandContext } from '../cli/command-context.js';
import { parseNameList } from '../cli/identifier-list.js';
import { promptSecret } from '../cli/prompt.js';

/** An open export dir with its meta.db and, for long commands, the command's lock. */
export interface Migration {
  readonly exportDir: ExportDir;
  readonly meta: MetaStore;
  readonly uuid: string;
  close(): void;
}

/**
 * Opens the export dir for a command. `create` allows initialising a new migration there (export
 * schema / export data); other commands refuse an export dir that Tandem has not set up.
 */
export function openMigration(ctx: CommandContext, opts: { create: boolean; lock?: string }): Migration {
  const exportDir = new ExportDir(ctx.requireStr('export-dir'));
  if (!exportDir.isInitialized()) {
    if (!opts.create) {
      throw new TandemError('TANDEM_EXPORT_DIR', `${exportDir.root} is not a Tandem export dir (no metainfo/meta.db).`, {
        hint: 'Run "tandem export schema" or "tandem export data" with this --export-dir first.',
      });
    }
    if (exportDir.hasForeignContent()) {
      throw new TandemError('TANDEM_EXPORT_DIR', `${exportDir.root} already holds files that are not Tandem's.`, {
        hint: 'Use an empty directory as the export dir.',
      });
    }
  }
  exportDir.ensureLayout();
  const meta = MetaStore.open(exportDir.metaDbPath);
  if (meta.getStep('end_migration').status === 'DONE') {
    meta.close();
    throw new TandemError('TANDEM_EXPORT_DIR', `The migration in ${exportDir.root} has ended.`, { hint: 'Start a new migration in a new export dir.' });
  }
  const lock = opts.lock ? new CommandLock(exportDir.metainfoDir, opts.lock) : undefined;
  try {
    lock?.acquire();
  } catch (e) {
    meta.close();
    throw e;
  }
  log.open(exportDir.logsDir, ctx.commandName);
  const uuid = meta.migrationUuid();
  return {
    exportDir, meta, uuid,
    close() {
      lock?.release();
      meta.close();
    },
  };
}

const DEFAULT_PORTS: Record<string, number> = { postgresql: 5432, yugabytedb: 5433, mysql: 3306, oracle: 1521 };

/**
 * The connection for one side: flags/env/config first, then what meta.db remembers from an earlier
 * command, then defaults. The password is only ever in memory.
 */
export async function resolveDbConfig(ctx: CommandContext, meta: MetaStore, role: 'source' | 'target', options: { prompt?: boolean } = {}): Promise<DbConfig> {
  const stored = meta.getDbConfig(role);
  const flag = (n: string) => (ctx.explicitFlags.has(`${role}-${n}`) || ctx.has(`${role}-${n}`) ? ctx.str(`${role}-${n}`) : undefined);
  const explicit = (n: string) => ctx.explicitFlags.has(`${role}-${n}`);
  const type = flag('db-type') ?? stored?.type ?? (role === 'target' ? 'yugabytedb' : undefined);
  if (!type) {
    throw new TandemError('TANDEM_USAGE', `--${role}-db-type is required (postgresql, mysql or oracle).`);
  }
  if (role === 'source' && type !== 'postgresql') {
    throw new TandemError('TANDEM_UNSUPPORTED', `Source database type "${type}" is not supported yet; this version migrates PostgreSQL sources.`, {
      hint: 'Use --source-db-type postgresql.',
    });
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
  return { role, type, host, port, user, database, schemas, sslMode, sslRootCert, sslCert, sslKey, sslCrl, password };
}

/** Refuses a connection that differs from the one this export dir was started with. */
export function checkSameDatabase(meta: MetaStore, config: DbConfig): void {
  const stored = meta.getDbConfig(config.role);
  if (!stored) return;
  const differs = (['host', 'port', 'database'] as const).filter((k) => String(stored[k]) !== String(config[k]));
  if (differs.length > 0) {
    throw new TandemError('TANDEM_EXPORT_DIR',
      `This export dir belongs to a migration of ${config.role} ${stored.host}:${stored.port}/${stored.database}, not ${config.host}:${config.port}/${config.database}.`,
      { hint: 'Use the export dir of this database, or a new empty export dir for a new migration.' });
  }
}

export function toStored(c: DbConfig): StoredDbConfig {
  return {
    type: c.type, host: c.host, port: c.port, user: c.user, database: c.database, schemas: c.schemas,
    sslMode: c.sslMode, sslRootCert: c.sslRootCert, sslCert: c.sslCert, sslKey: c.sslKey, sslCrl: c.sslCrl,
  };
}
