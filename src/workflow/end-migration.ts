import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type pg from 'pg';
import type { CommandContext } from '../cli/command-context.js';
import { confirm } from '../cli/prompt.js';
import { TandemError } from '../core/errors.js';
import { CommandLock } from '../core/lock.js';
import type { MetaStore } from '../core/meta-store.js';
import { q } from '../core/sql-names.js';
import { connectPg } from '../adapters/postgres/pg-connection.js';
import { DEFAULT_METADATA_SCHEMA } from '../adapters/postgres/target-writer.js';
import { dropPublication } from '../adapters/postgres/replication/publication.js';
import { openMigration, resolveDbConfig } from './migration-context.js';
import { buildReport, readAppliedCounts, renderReport } from './data-migration-report.js';

const RUNNING_COMMANDS: Record<string, string> = {
  'export-data': 'export data from source', 'import-data': 'import data to target', 'export-data-from-target': 'export data from target',
  'import-data-to-source': 'import data to source', 'archive-changes': 'archive changes', 'export-schema': 'export schema', 'import-schema': 'import schema',
};

/** Removes what Tandem created on one database: its slot and publication, and its metadata schema. */
async function cleanDatabase(ctx: CommandContext, client: pg.Client, meta: MetaStore, side: 'source' | 'target'): Promise<void> {
  const names = meta.getValue<{ slot: string; publication: string }>(`${side}_replication`);
  if (names) {
    const slot = await client.query('SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1', [names.slot]);
    if (slot.rows.length > 0) {
      if (slot.rows[0].active_pid) await client.query('SELECT pg_terminate_backend($1)', [slot.rows[0].active_pid]);
      await client.query('SELECT pg_drop_replication_slot($1)', [names.slot]);
      ctx.print(`Dropped replication slot ${names.slot} on the ${side}.`);
    }
    await dropPublication(client, names.publication);
  }
  const schema = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [DEFAULT_METADATA_SCHEMA]);
  if (schema.rows.length > 0) {
    await client.query(`DROP SCHEMA ${q(DEFAULT_METADATA_SCHEMA)} CASCADE`);
    ctx.print(`Dropped schema ${DEFAULT_METADATA_SCHEMA} on the ${side}.`);
  }
}

/**
 * `tandem end migration`: writes the backups asked for, then removes the migration's state from the
 * databases (replication slots, publications, metadata schemas) and clears the export dir. It
 * connects to both databases and writes the backups before removing anything, so a wrong password or
 * a failed backup leaves everything as it was.
 */
export async function runEndMigration(ctx: CommandContext): Promise<void> {
  const m = openMigration(ctx, { create: false, lock: 'end-migration' });
  const { meta, exportDir } = m;
  const clients: { side: 'source' | 'target'; client: pg.Client }[] = [];
  try {
    const wants = {
      logs: ctx.bool('backup-log-files'), data: ctx.bool('backup-data-files'),
      schema: ctx.bool('backup-schema-files'), reports: ctx.bool('save-migration-reports'),
    };
    const backupDir = ctx.str('backup-dir');
    if (Object.values(wants).some(Boolean) && !backupDir) {
      throw new TandemError('TANDEM_USAGE', '--backup-dir is required when a backup flag is true.');
    }
    if (backupDir) {
      const abs = resolve(backupDir);
      const rel = relative(exportDir.root, abs);
      if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) {
        throw new TandemError('TANDEM_USAGE', '--backup-dir must be outside the export dir, which end migration clears.');
      }
      if (!existsSync(abs)) throw new TandemError('TANDEM_USAGE', `--backup-dir ${abs} does not exist; create it first.`);
    }
    for (const [lock, name] of Object.entries(RUNNING_COMMANDS)) {
      const pid = CommandLock.holder(exportDir.metainfoDir, lock);
      if (pid) throw new TandemError('TANDEM_LOCKED', `"${name}" is still running (pid ${pid}); stop it before ending the migration.`);
    }
    // Connect to every database Tandem wrote to before changing anything.
    for (const side of ['source', 'target'] as const) {
      if (!meta.getDbConfig(side)) continue;
      const touched = side === 'target' || meta.getValue('source_replication') !== undefined;
      if (!touched) continue;
      clients.push({ side, client: await connectPg(await resolveDbConfig(ctx, meta, side)) });
    }
    if (!(await confirm(`End the migration in ${exportDir.root}? This drops Tandem's replication slots, publications and metadata from the databases and clears the export dir.`, ctx.bool('yes')))) {
      throw new TandemError('TANDEM_ABORTED', 'end migration was not confirmed; nothing was changed.', { hint: 'Add --yes true to confirm without a prompt.' });
    }
    if (backupDir) {
      const dest = resolve(backupDir);
      if (wants.schema) cpSync(exportDir.schemaDir, join(dest, 'schema'), { recursive: true });
      if (wants.data) cpSync(exportDir.dataDir, join(dest, 'data'), { recursive: true });
      if (wants.logs) cpSync(exportDir.logsDir, join(dest, 'logs'), { recursive: true });
      if (wants.reports) {
        mkdirSync(join(dest, 'reports'), { recursive: true });
        cpSync(exportDir.reportsDir, join(dest, 'reports'), { recursive: true });
        const { applied } = await readAppliedCounts(ctx, m);
        const rows = buildReport(meta, applied);
        writeFileSync(join(dest, 'reports', 'data-migration-report.txt'), renderReport(rows, 'table') + '\n');
        writeFileSync(join(dest, 'reports', 'data-migration-report.json'), renderReport(rows, 'json') + '\n');
      }
      ctx.print(`Backups written to ${dest}.`);
    }
    for (const { side, client } of clients) await cleanDatabase(ctx, client, meta, side);
    meta.setStep('end_migration', 'DONE');
  } finally {
    for (const { client } of clients) await client.end().catch(() => {});
    m.close();
  }
  for (const name of readdirSync(exportDir.root)) rmSync(join(exportDir.root, name), { recursive: true, force: true });
  ctx.print(`Migration ended; ${exportDir.root} is now empty.`);
}
