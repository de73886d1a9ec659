import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { CommandContext } from '../cli/command-context.js';
import { confirm } from '../cli/prompt.js';
import { TandemError } from '../core/errors.js';
import { CommandLock } from '../core/lock.js';
import { q } from '../cli/identifier-list.js';
import { connectPg } from '../adapters/postgres/pg-connection.js';
import { DEFAULT_METADATA_SCHEMA } from '../adapters/postgres/target-writer.js';
import { openMigration, resolveDbConfig } from './migration-context.js';
import { buildReport, renderReport } from './data-migration-report.js';

/**
 * `tandem end migration`: writes the backups asked for, then removes the migration's metadata from
 * the databases and clears the export dir. Backups come first: if one fails, nothing is removed.
 */
export async function runEndMigration(ctx: CommandContext): Promise<void> {
  const m = openMigration(ctx, { create: false, lock: 'end-migration' });
  const { meta, exportDir } = m;
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
    for (const busy of ['export-data', 'import-data']) {
      const pid = CommandLock.holder(exportDir.metainfoDir, busy);
      if (pid) throw new TandemError('TANDEM_LOCKED', `"${busy}" is still running (pid ${pid}); stop it before ending the migration.`);
    }
    const targetStored = meta.getDbConfig('target');
    const target = targetStored ? await resolveDbConfig(ctx, meta, 'target') : undefined;
    // Connect before changing anything, so a wrong password stops us with everything intact.
    const targetClient = target ? await connectPg(target) : undefined;
    try {
      if (!(await confirm(`End the migration in ${exportDir.root}? This drops Tandem's metadata from the databases and clears the export dir.`, ctx.bool('yes')))) {
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
          const rows = buildReport(meta);
          writeFileSync(join(dest, 'reports', 'data-migration-report.txt'), renderReport(rows, 'table') + '\n');
          writeFileSync(join(dest, 'reports', 'data-migration-report.json'), renderReport(rows, 'json') + '\n');
        }
        ctx.print(`Backups written to ${dest}.`);
      }
      if (targetClient) {
        await targetClient.query(`DROP SCHEMA IF EXISTS ${q(DEFAULT_METADATA_SCHEMA)} CASCADE`);
        ctx.print(`Dropped schema ${DEFAULT_METADATA_SCHEMA} on the target.`);
      }
    } finally {
      await targetClient?.end().catch(() => {});
    }
    meta.setStep('end_migration', 'DONE');
  } finally {
    m.close();
  }
  for (const name of readdirSync(exportDir.root)) rmSync(join(exportDir.root, name), { recursive: true, force: true });
  ctx.print(`Migration ended; ${exportDir.root} is now empty.`);
}
