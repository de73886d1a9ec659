/**
 * How the source's schema drifted since the migration's snapshot, said by the streaming exporter:
 * columns added, dropped or retyped in a migrated table, and tables created since.
 */
import { log } from '../../core/logger.js';
import { columnChange, tableKeyOf, type SourceCatalog, type TableInfo } from '../../core/engine/catalog.js';
import { TandemError } from '../../core/errors.js';
import type { MetaStore } from '../../core/meta-store.js';
import { migratedSchemas, type Side } from '../migration-context.js';
import { filterTables } from '../table-filter.js';

/** meta.db key: each snapshot table's column types (`TableInfo.columnTypes`), by table key, where the engine gives them. */
export const SNAPSHOT_COLUMN_TYPES_KEY = 'snapshot_column_types';
/** meta.db key: the columns each table's snapshot left out because the target computes them (`TableInfo.generatedColumns`), by table key. */
export const SNAPSHOT_GENERATED_COLUMNS_KEY = 'snapshot_generated_columns';

/** meta.db key: each snapshot table's identity on the source (`TableInfo.id`), by table key, where the engine gives one. */
export const SNAPSHOT_TABLE_IDS_KEY = 'snapshot_table_ids';

/** meta.db key: each snapshot table's leaf partitions (`TableInfo.partitions`), by table key, where the engine gives them. */
export const SNAPSHOT_PARTITIONS_KEY = 'snapshot_partitions';

/** meta.db key: the table flags `export data` chose its tables with (`TableFilter`). */
export const TABLE_FILTER_KEY = 'source_table_filter';

/** `--table-list` / `--exclude-table-list` as `export data` was given them. */
export interface TableFilter {
  readonly tableList?: string;
  readonly excludeTableList?: string;
}

/**
 * How a migrated schema's table list drifted from the snapshot's, from one listing of the source:
 * - `created`: tables `export data` would have taken (same flags) but that are not in the migration,
 *   created after the snapshot. Their rows are not migrated (the stream carries only the tables the
 *   migration started with), which nothing else would say until the application missed them on the
 *   target. Empty when the migration names its tables (`--table-list`: a new table is not wanted),
 *   when the flags were not recorded (an export dir from before they were), or when an excluded name
 *   no longer exists (the flags can no longer be applied as given).
 * - `gone`: migrated tables the source has under neither their name nor (where the snapshot recorded
 *   one) their identity: dropped.
 */
export async function tableDriftSinceSnapshot({ db, engine }: Side, meta: MetaStore): Promise<TableDrift> {
  const catalog = await engine.openCatalog(db);
  try {
    const byIdentity = db.role === 'source';
    const all = await listMigratedTables(catalog, meta, byIdentity);
    const snapshot = meta.snapshotTables().map((t) => t.tableKey);
    const recordedIds = meta.getValue<Record<string, string>>(SNAPSHOT_TABLE_IDS_KEY) ?? {};
    const { gone, tables } = matchSnapshotTables(meta, all, byIdentity);
    const { attached, detached } = partitionDrift(meta, tables);
    const detachedKeys = new Set(detached.map((d) => d.partition));
    const filter = meta.getValue<TableFilter>(TABLE_FILTER_KEY);
    if (!filter || (filter.tableList !== undefined && filter.tableList.trim() !== '')) return { created: [], gone, attached, detached };
    let wanted;
    try {
      wanted = filterTables(all, undefined, filter.excludeTableList);
    } catch (e) {
      log.debug(`new-table check skipped: ${(e as Error).message}`);
      return { created: [], gone, attached, detached };
    }
    const migrated = new Set(snapshot);
    // A migrated table renamed since is not a new one; nor is a partition detached since (said apart).
    const ids = new Set(Object.values(recordedIds));
    // Named as on the source (MySQL: database.table) where the engine says so.
    const created = wanted.filter((t) => (t.id === undefined || !ids.has(t.id)) && !migrated.has(tableKeyOf(t)) && !detachedKeys.has(tableKeyOf(t)))
      .map((t) => t.sourceLabel ?? tableKeyOf(t));
    return { created, gone, attached, detached };
  } finally {
    await catalog.close();
  }
}

/** How the streamed database's tables drifted from the snapshot's (`tableDriftSinceSnapshot`). */
export interface TableDrift {
  readonly created: string[];
  readonly gone: string[];
  /** Partitions of migrated tables that the snapshot did not have (`partitionDrift`). */
  readonly attached: readonly PartitionChange[];
  /** Partitions the snapshot had that are no longer partitions of their migrated table. */
  readonly detached: readonly PartitionChange[];
}

export interface PartitionChange {
  readonly table: string;
  readonly partition: string;
}

/**
 * Partitions attached to or detached from the migrated partitioned tables since the snapshot, from
 * the partitions it recorded (`SNAPSHOT_PARTITIONS_KEY`; none where the engine gives none, or an
 * export dir from before). Measured before, the pg-live-edges run: an attached partition's rows went
 * into the target's DEFAULT partition without a word, and a detached one was called a table created
 * since, whose rows were not migrated (they were, inside its table).
 */
export function partitionDrift(meta: MetaStore, tables: readonly TableInfo[]): { attached: PartitionChange[]; detached: PartitionChange[] } {
  const recorded = meta.getValue<Record<string, readonly string[]>>(SNAPSHOT_PARTITIONS_KEY);
  const attached: PartitionChange[] = [];
  const detached: PartitionChange[] = [];
  if (!recorded) return { attached, detached };
  for (const t of tables) {
    const table = tableKeyOf(t);
    const was = recorded[table];
    if (!was || !t.partitions) continue;
    const now = new Set(t.partitions);
    const before = new Set(was);
    for (const p of t.partitions) if (!before.has(p)) attached.push({ table, partition: p });
    for (const p of was) if (!now.has(p)) detached.push({ table, partition: p });
  }
  return { attached, detached };
}

/** The warnings about partitions `partitionDrift` found. */
export function partitionDriftWarnings(drift: { readonly attached: readonly PartitionChange[]; readonly detached: readonly PartitionChange[] }, where: string,
  migrated: ReadonlySet<string> = new Set()): string[] {
  return [
    ...drift.attached.map(({ table, partition }) => `${partition} was attached to ${table} on ${where} after the migration's snapshot (partitions are schema, which is not replicated): `
      + `rows written to it from now on are streamed as ${table}'s. ${migrated.has(partition)
        // A migrated table attached as a partition (the pg-live-edges run: it was also called "dropped", advising to drop it on the target, where its rows are).
        ? `It was migrated as a table of its own, so the target holds its rows in ${partition}: attach it there the same way (ALTER TABLE ${table} ATTACH PARTITION ${partition} FOR VALUES …) before rows for it are written there; do not drop it. Without it the import stops at the first change of one of its rows, `
        : `The rows it held when it was attached are not (ATTACH PARTITION writes no change; the pg-ddl-48 run): create the same partition on the target, and copy those rows into it while nothing writes to them, before rows for it are written there. Without the partition the import stops at its first row, `}`
      + `or, where the target's ${table} has a DEFAULT partition, the rows go into that one without a word (every comparison still matches, and the partition cannot be created there afterwards until they are moved out).`),
    ...drift.detached.map(({ table, partition }) => `${partition} was detached from ${table} on ${where} after the migration's snapshot (not replicated): `
      + `its rows were migrated inside ${table}, where the target still holds them, and its later changes are not streamed. `
      + `Detach it on the target too, so that both sides agree (the cutover's verification reports ${table} as different until then).`),
  ];
}

/** The warning about the tables `tableDriftSinceSnapshot` found created. */
export function newTablesWarning(tables: readonly string[], where: string): string {
  return `${tables.join(', ')} ${tables.length === 1 ? 'was' : 'were'} created on ${where} after the migration's snapshot: `
    + `${tables.length === 1 ? 'its' : 'their'} rows are not migrated (the change stream carries only the tables the migration started with, and schema changes are not replicated). `
    + 'If the application needs it on the target, create it there and copy its rows while nothing writes to it (at the cutover, say), or start a new migration in a new export dir; '
    + 'if not, this warning is all there is. '
    // A partition detached from a migrated partitioned table looks the same here (found by the
    // pg-live-edges run, where this warning said only the above): it was migrated inside that table.
    + 'Unless it is a partition detached since from a migrated partitioned table (DETACH PARTITION is not streamed either): then it was migrated inside that table, where the target still holds its rows; detach it there too, so that both sides agree.';
}

/**
 * Tables whose columns on the source differ from those the snapshot recorded: changed while no
 * exporter ran (a running one warns as the change arrives). Said at every start while it holds.
 */
export function columnsChangedSinceSnapshot(meta: MetaStore, tables: readonly TableInfo[], where: string): string[] {
  const recorded = new Map(meta.snapshotTables().map((t) => [t.tableKey, t.columns]));
  const recordedTypes = meta.getValue<Record<string, readonly string[]>>(SNAPSHOT_COLUMN_TYPES_KEY) ?? {};
  const warnings: string[] = [];
  for (const t of tables) {
    const key = tableKeyOf(t);
    const was = recorded.get(key);
    if (!was) continue;
    const change = columnChange(was, t.columns);
    const retyped = retypedColumns(was, recordedTypes[key], t.columns, t.columnTypes);
    if (!change && retyped.length === 0) continue;
    const what = [change?.text ?? '', retyped.length ? `changed the type of ${retyped.join(', ')}` : ''].filter(Boolean).join(' and ');
    warnings.push(`${key} on ${where} differs from when its snapshot was taken: it ${what}. Schema changes are not replicated: the table on the database being written needs the same change (skip this if it has it already). Until it has every column the changes carry, and types that take their values, the import stops at the first change it cannot write and waits for a rerun (nothing is lost).`);
  }
  return warnings;
}

/**
 * Columns in both lists whose type differs, as `name (was to now)`; none when either side's types
 * are unknown. A type's schema is left out of the comparison: PostgreSQL names a type with its schema
 * only when the session's search_path lacks that schema (measured before: a search_path set on the
 * database since the snapshot was called "hstore to public.hstore"; the pg-types-49 run).
 */
export function retypedColumns(wasColumns: readonly string[], wasTypes: readonly string[] | undefined, columns: readonly string[], types: readonly string[] | undefined): string[] {
  if (!wasTypes || !types || wasTypes.length !== wasColumns.length || types.length !== columns.length) return [];
  const before = new Map(wasColumns.map((c, i) => [c, wasTypes[i]!]));
  return columns.flatMap((c, i) => {
    const was = before.get(c);
    return was !== undefined && unqualifiedType(was) !== unqualifiedType(types[i]!) ? [`${c} (${was} to ${types[i]})`] : [];
  });
}

/** A type's name without its schema (`public.hstore[]` → `hstore[]`, `"My S"."T"` → `"T"`). */
function unqualifiedType(type: string): string {
  return type.replace(/^(?:"(?:[^"]|"")*"|[^".\s()]+)\./, '');
}

/** Migrated tables the source no longer has (by name, or by identity where the snapshot recorded one): dropped since the snapshot. */
export function tablesGoneSinceSnapshot(meta: MetaStore, found: readonly TableInfo[]): string[] {
  const present = new Set(found.map(tableKeyOf));
  return meta.snapshotTables().map((t) => t.tableKey).filter((k) => !present.has(k));
}

/** The warning about tables `tablesGoneSinceSnapshot` found. */
export function goneTablesWarning(tables: readonly string[], where: string): string {
  return `${tables.join(', ')} ${tables.length === 1 ? 'is' : 'are'} no longer on ${where} (dropped since the migration's snapshot?): nothing more of ${tables.length === 1 ? 'it' : 'them'} is streamed, `
    + `the target keeps ${tables.length === 1 ? 'its' : 'their'} rows, and the cutover's verification will report ${tables.length === 1 ? 'it' : 'them'} as a mismatch (missing on the source). `
    + 'If the drop was meant, drop the same on the target when the application no longer needs it there.';
}

/**
 * The streamed database's tables of the migrated schemas and, on the source (`byIdentity`: the
 * snapshot recorded the source's identities, which mean nothing on the target), migrated tables
 * that are no longer in them, found by the identity the snapshot recorded: moved to another schema,
 * or their schema renamed, during the migration (the stream follows them; measured before: a restart
 * then took such a table for dropped and stopped at its next change, or failed on the renamed
 * schema). A schema gone altogether is not an error when the engine can find tables by identity;
 * without that, listTables says it is gone.
 */
export async function listMigratedTables(catalog: SourceCatalog, meta: MetaStore, byIdentity: boolean): Promise<TableInfo[]> {
  const schemas = migratedSchemas(meta);
  let listed: TableInfo[];
  try {
    listed = await catalog.listTables(schemas);
  } catch (e) {
    if (!(e instanceof TandemError && e.code === 'TANDEM_UNKNOWN_SCHEMA') || !byIdentity || !catalog.tablesByIds) throw e;
    const missing = new Set(await catalog.missingSchemas(schemas));
    const present = schemas.filter((x) => !missing.has(x));
    listed = present.length > 0 ? await catalog.listTables(present) : [];
  }
  if (!byIdentity || !catalog.tablesByIds) return listed;
  const ids = meta.getValue<Record<string, string>>(SNAPSHOT_TABLE_IDS_KEY) ?? {};
  // Every recorded identity not listed: moved away (also when a new table has taken its name), or dropped (then not found).
  const listedIds = new Set(listed.map((t) => t.id));
  const elsewhere = Object.values(ids).filter((id) => !listedIds.has(id));
  return elsewhere.length === 0 ? listed : [...listed, ...(await catalog.tablesByIds(elsewhere))];
}

/**
 * The migration's tables among those `listed` on the streamed database: on the source
 * (`byIdentity`), each by the identity the snapshot recorded (wherever its name is now: renamed or
 * moved, it keeps the migration's name and its changes keep going to that table); by name where no
 * identity was recorded, and always on the target. Also the migrated tables not found (`gone`:
 * dropped, even when a new table has taken the name: measured before, such a table was taken for the
 * migrated one, and nothing said that its rows were not streamed).
 */
export function matchSnapshotTables(meta: MetaStore, listed: readonly TableInfo[], byIdentity: boolean): { tables: TableInfo[]; gone: string[] } {
  const byName = new Map(listed.map((t) => [tableKeyOf(t), t]));
  const byId = new Map(listed.flatMap((t) => (t.id === undefined ? [] : [[t.id, t] as const])));
  const ids = byIdentity ? meta.getValue<Record<string, string>>(SNAPSHOT_TABLE_IDS_KEY) ?? {} : {};
  const tables: TableInfo[] = [];
  const gone: string[] = [];
  for (const s of meta.snapshotTables()) {
    const id = ids[s.tableKey];
    // Without a recorded identity (MySQL, Oracle, an export dir from before it was recorded): by name.
    const found = id === undefined ? byName.get(s.tableKey) : byId.get(id);
    // A table of the migration's name with another identity is another table (dropped and created
    // again): the migrated one is gone, and the publication never had the new one.
    if (!found) gone.push(s.tableKey);
    else tables.push(found.schema === s.schemaName && found.name === s.tableName ? found : { ...found, schema: s.schemaName, name: s.tableName });
  }
  return { tables, gone };
}

/** meta.db key: the target's tables and partitions in the migrated schemas when its fall-back stream began (`StreamLayout`). */
export const FALLBACK_STREAM_LAYOUT_KEY = 'fallback_stream_layout';

/** The tables of the migrated schemas on a streamed database, and each partitioned one's leaf partitions. */
export interface StreamLayout {
  readonly tables: readonly string[];
  readonly partitions: Readonly<Record<string, readonly string[]>>;
  /** Each table's identity where the engine gives one (PostgreSQL: its oid): a renamed table is the same table, and its changes still stream. */
  readonly ids?: Readonly<Record<string, string>>;
}

/** The layout of the migrated schemas on `side` now (by name: the target's tables go by name). */
export async function readStreamLayout({ db, engine }: Side, meta: MetaStore): Promise<StreamLayout> {
  const catalog = await engine.openCatalog(db);
  try {
    const listed = await listMigratedTables(catalog, meta, false);
    return {
      tables: listed.map((t) => tableKeyOf(t)),
      partitions: Object.fromEntries(listed.flatMap((t) => (t.partitions ? [[tableKeyOf(t), t.partitions]] : []))),
      ids: Object.fromEntries(listed.flatMap((t) => (t.id === undefined ? [] : [[tableKeyOf(t), t.id]]))),
    };
  } finally {
    await catalog.close();
  }
}

/**
 * How the target drifted since its fall-back stream began (`was`, recorded then): tables created or
 * dropped in the migrated schemas, partitions attached to or detached from its partitioned tables.
 * Before, nothing was said on the target's side, where the application runs after the cutover (a
 * partition attached there; the pg-ddl-48 run): its rows streamed back into a source table with no
 * place for them. A detached partition is not also a created table, nor an attached table a
 * dropped one; a table renamed (the same identity) is neither created nor dropped (its changes
 * still stream; the exporter says so at its next change); the partitions of a table created since
 * are not attached ones (the fix-verify-49 run: both were said).
 */
export function layoutDrift(was: StreamLayout, now: StreamLayout): TableDrift {
  const attached: PartitionChange[] = [];
  const detached: PartitionChange[] = [];
  const before = new Set(was.tables);
  const after = new Set(now.tables);
  for (const [table, partitions] of Object.entries(now.partitions)) {
    if (!before.has(table)) continue;
    const had = new Set(was.partitions[table] ?? []);
    for (const p of partitions) if (!had.has(p)) attached.push({ table, partition: p });
  }
  for (const [table, partitions] of Object.entries(was.partitions)) {
    // A partitioned table dropped altogether is said as dropped, not partition by partition.
    if (!after.has(table)) continue;
    const has = new Set(now.partitions[table] ?? []);
    for (const p of partitions) if (!has.has(p)) detached.push({ table, partition: p });
  }
  const detachedNow = new Set(detached.map((d) => d.partition));
  // Any table that is a partition now, of a table created since too (its changes still stream: the fix-verify-49b run).
  const attachedNow = new Set(Object.values(now.partitions).flat());
  // Renamed: the identity it had is there under another name.
  const nowIds = new Set(Object.values(now.ids ?? {}));
  const wasIds = new Set(Object.values(was.ids ?? {}));
  const renamedAway = (t: string) => was.ids?.[t] !== undefined && nowIds.has(was.ids[t]!);
  const renamedTo = (t: string) => now.ids?.[t] !== undefined && wasIds.has(now.ids[t]!);
  // A table of a migrated name with another identity: created since, under the name of one renamed
  // or dropped (the stream follows the migrated table, not the name; the fix-verify-49b run: unsaid).
  const replaced = (t: string) => was.ids?.[t] !== undefined && now.ids?.[t] !== undefined && was.ids[t] !== now.ids[t];
  return {
    created: now.tables.filter((t) => (!before.has(t) || replaced(t)) && !detachedNow.has(t) && !renamedTo(t)),
    gone: was.tables.filter((t) => (!after.has(t) || replaced(t)) && !attachedNow.has(t) && !renamedAway(t)),
    attached,
    detached,
  };
}

/**
 * The warnings about the target's drift since its fall-back stream began (`layoutDrift`): what the
 * fall-back will not carry back to the source, and what would stop it there. `migrated`: the
 * migration's tables (only their loss matters to the fall-back).
 */
export function fallbackDriftWarnings(drift: TableDrift, where: string, migrated: ReadonlySet<string>): string[] {
  const since = `on ${where} after the cutover to it`;
  // Only the migration's tables stream: another table's loss or partitions mean nothing to the fall-back.
  const gone = drift.gone.filter((t) => migrated.has(t));
  const attached = drift.attached.filter((c) => migrated.has(c.table));
  const detached = drift.detached.filter((c) => migrated.has(c.table));
  return [
    ...(drift.created.length === 0 ? [] : [`${drift.created.join(', ')} ${drift.created.length === 1 ? 'was' : 'were'} created ${since}: `
      + `${drift.created.length === 1 ? 'its' : 'their'} rows are not streamed back to the source (the fall-back stream carries only the migrated tables, and schema changes are not replicated). `
      + 'If a fall-back needs it, create it on the source and copy its rows there at the cutover to source; if not, this warning is all there is.']),
    ...(gone.length === 0 ? [] : [`${gone.join(', ')} ${gone.length === 1 ? 'is' : 'are'} no longer on ${where} (dropped after the cutover to it?): `
      + `nothing more of ${gone.length === 1 ? 'it' : 'them'} is streamed back, the source keeps ${gone.length === 1 ? 'its' : 'their'} rows as they were, `
      + `and the cutover to source's verification will report ${gone.length === 1 ? 'it' : 'them'} as a mismatch.`]),
    ...attached.map(({ table, partition }) => `${partition} was attached to ${table} ${since} (partitions are schema, which is not replicated): `
      + `rows written to it are streamed back as ${table}'s, and "import data to source" writes them into the source's ${table}. Give that table a place for them before such rows are written `
      + '(on PostgreSQL the same partition, on MySQL a partition whose range or list holds them): without one the fall-back stops at the first such row, or, where the source\'s table has a DEFAULT partition, '
      + 'puts the rows there without a word. The rows the partition held when it was attached are not streamed (ATTACH PARTITION writes no change): copy them to the source while nothing writes to them.'),
    ...detached.map(({ table, partition }) => `${partition} was detached from ${table} ${since} (not replicated): `
      + `its rows stay in the source's ${table}, and its later changes are not streamed back. Detach it (or delete those rows) on the source too, so that both sides agree `
      + `(the cutover to source's verification reports ${table} as different until then).`),
  ];
}
