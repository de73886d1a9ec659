import type { PrerequisiteFinding } from '../../core/engine/catalog.js';
import type { MetaStore } from '../../core/meta-store.js';
import type { GuardState } from '../../core/engine/write-guard.js';
import { migratedSchemas, type Migration, type Side } from '../migration-context.js';
import { guardRefusal, migratedTables, writeGuardOf } from './write-guard-steps.js';

/**
 * meta.db key: what would stop `import data to source` from writing the fall-back into the source
 * (its `SourceCatalog.checkWritePrerequisites` errors: a trigger set to fire in replica sessions, a
 * privilege missing), as the streaming exporter last found it, with when. `initiate cutover to
 * target --prepare-for-fall-back true` refuses while it holds any: found only after the cutover,
 * the application would already be writing to the target with nothing going back.
 */
export const SOURCE_WRITE_PROBLEMS_KEY = 'source_write_problems';

/**
 * meta.db key: what on the source would act on the fall-back's writes (`WriteGuard.active`: its
 * triggers, foreign keys…), in words, as the streaming exporter last found it, with when; only where
 * the writer cannot skip them (MySQL, Oracle). `initiate cutover to target --prepare-for-fall-back
 * true` says from it whether a DBA has anything to switch off (measured before: it said triggers
 * "must be switched off first" where the source had none; the soak-mysql-48 run).
 */
export const SOURCE_GUARD_ACTIVE_KEY = 'source_guard_active';

export interface SourceGuardActive {
  readonly at: string;
  readonly what: readonly string[];
}

export interface SourceWriteProblems {
  readonly at: string;
  readonly findings: readonly { readonly message: string; readonly fix: string }[];
}

/** The source's own checks before fall-back writes, for the migrated tables (none: the engine has no such checks). */
export async function sourceWriteFindings(meta: MetaStore, source: Side): Promise<PrerequisiteFinding[]> {
  const catalog = await source.engine.openCatalog(source.db);
  try {
    if (!catalog.checkWritePrerequisites) return [];
    const migrated = new Set(meta.snapshotTables().map((s) => `${s.schemaName}.${s.tableName}`));
    const tables = (await catalog.listTables(migratedSchemas(meta))).filter((t) => migrated.has(`${t.schema}.${t.name}`));
    return await catalog.checkWritePrerequisites(tables);
  } finally {
    await catalog.close();
  }
}

/**
 * Looks at the source's fall-back write prerequisites, and at what would make the consented switch-off
 * of its triggers and keys refuse (`guardRefusal`: measured before, initiate went ahead and the
 * fall-back refused after the cutover; the mysql-hostile run), and records their errors (or clears them).
 */
export async function recordSourceWriteProblems(migration: Migration, source: Side): Promise<SourceWriteProblems | undefined> {
  const { meta } = migration;
  // The guard's state is read once here, for both uses.
  const writeGuard = writeGuardOf(source);
  let state: GuardState | undefined;
  if (writeGuard) {
    const tables = migratedTables(migration);
    state = await writeGuard.read(tables);
    const active: SourceGuardActive = { at: new Date().toISOString(), what: writeGuard.active(state, tables).map((a) => a.what) };
    meta.setValue(SOURCE_GUARD_ACTIVE_KEY, active);
  }
  const guard = await guardRefusal(migration, source, state);
  const errors = [...(await sourceWriteFindings(meta, source)).filter((f) => f.severity === 'error'), ...(guard ? [guard] : [])];
  if (errors.length === 0) {
    if (meta.getValue(SOURCE_WRITE_PROBLEMS_KEY)) meta.setValue(SOURCE_WRITE_PROBLEMS_KEY, null);
    return undefined;
  }
  const problems: SourceWriteProblems = { at: new Date().toISOString(), findings: errors.map((f) => ({ message: f.message, fix: f.fix })) };
  meta.setValue(SOURCE_WRITE_PROBLEMS_KEY, problems);
  return problems;
}
