import { loadEngine } from '../adapters/engines.js';
import type { TableRef } from '../core/engine/catalog.js';
import type { BrokenForeignKey, TargetDatabase } from '../core/engine/target.js';
import { log } from '../core/logger.js';
import type { MetaStore } from '../core/meta-store.js';
import type { Reporter } from '../core/reporter.js';
import { quoteIdent } from '../core/sql-names.js';

/**
 * After a snapshot from a source whose foreign keys may hold where the target's do not
 * (`keysLooserThanTarget`: MySQL), looks for loaded rows that break the target's foreign keys and
 * says each key once, with what to do. The snapshot loaded them unchecked, and the target takes its
 * keys for checked: measured before, a MariaDB child `'ABC'` of parent `'abc'` (a `_ci` collation)
 * sat on the target under a key PostgreSQL called valid, out of reach of its ON UPDATE / ON DELETE
 * actions, and nothing said so (the schema-mysql-53 run). Nothing is changed: the rows and the key
 * are the user's to settle.
 */
export async function reportBrokenForeignKeys(reporter: Reporter, meta: MetaStore, db: TargetDatabase, tables: readonly TableRef[]): Promise<BrokenForeignKey[]> {
  const source = meta.getDbConfig('source');
  if (!source || !db.brokenForeignKeys || !(await loadEngine(source.type)).capabilities.keysLooserThanTarget) return [];
  reporter.print(`Checking the loaded rows against the target's foreign keys (the source compares a key's values by their collation and may have skipped its checks)…`);
  const started = Date.now();
  const broken = await db.brokenForeignKeys(tables);
  log.info(`import data: foreign keys of ${tables.length} loaded table(s) checked in ${Date.now() - started} ms; ${broken.length} broken`);
  for (const k of broken) reporter.warn(brokenKeyText(k));
  return broken;
}

/** One broken foreign key, in words, with the statements that settle it either way. */
export function brokenKeyText(k: BrokenForeignKey): string {
  const keyOf = (values: readonly (string | null)[]) => (values.length === 1 ? show(values[0]!) : `(${values.map(show).join(', ')})`);
  const examples = k.examples.map(keyOf).join(', ');
  return `foreign key ${quoteIdent(k.name)} of ${k.table} (${k.columns.join(', ')}) → ${k.referenced}: ${k.rows} loaded row(s) reference no row there (${k.rows > k.examples.length ? 'e.g. ' : ''}${examples}). `
    + 'The source accepted them (MySQL matches a key by its collation, ignoring letter case and trailing spaces, and a session may turn foreign_key_checks off); '
    + 'on the target the key is taken for checked, so its ON DELETE / ON UPDATE actions do not reach these rows and a later VALIDATE or restore of the target fails. '
    + 'Correct the rows on the source (a live migration carries the change to the target; after a snapshot-only one, correct them on the target too), '
    + (k.partitioned
      ? `or, since PostgreSQL keeps no NOT VALID key on a partitioned table, drop the key on the target until they are: ALTER TABLE ${k.table} DROP CONSTRAINT ${quoteIdent(k.name)};`
      : `or say on the target that old rows are not checked: ALTER TABLE ${k.table} DROP CONSTRAINT ${quoteIdent(k.name)}, ADD CONSTRAINT ${quoteIdent(k.name)} ${k.definition} NOT VALID;`);
}

function show(v: string | null): string {
  return v === null ? 'NULL' : `'${v.replace(/'/g, "''")}'`;
}
