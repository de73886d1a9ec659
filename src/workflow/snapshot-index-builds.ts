import type { MetaStore } from '../core/meta-store.js';
import type { PlannedStatement, TableIndexStatement } from './schema/schema-statements-reader.js';

/** The meta.db key listing the index statements (their SQL) that `import data` built. */
export const INDEXES_BUILT_BY_IMPORT = 'indexes_built_by_import';

/**
 * The meta.db key listing the index statements `import data` started to build. A build whose
 * importer died may still commit on the server (a backend finishes its statement after its client
 * is gone); the next run then finds that index already there and takes it as built.
 */
export const INDEXES_STARTED_BY_IMPORT = 'indexes_started_by_import';

/**
 * Splits post-snapshot statements into the index statements `import data` already built while
 * loading (matched by their SQL, as recorded under {@link INDEXES_BUILT_BY_IMPORT}) and the rest.
 */
export function splitBuiltByImport<T extends PlannedStatement>(meta: MetaStore, statements: readonly T[]): { readonly built: T[]; readonly rest: T[] } {
  const recorded = new Set(meta.getValue<string[]>(INDEXES_BUILT_BY_IMPORT) ?? []);
  const built: T[] = [];
  const rest: T[] = [];
  for (const st of statements) (st.objectType === 'INDEX' && recorded.has(st.sql) ? built : rest).push(st);
  return { built, rest };
}

/** A table of the snapshot as the index builds see it. */
export interface IndexedTable {
  readonly tableKey: string;
  readonly schemaName: string;
  readonly tableName: string;
}

/**
 * The secondary indexes `import data` builds while it loads: each table's indexes (from
 * `schema/indexes/indexes.sql`) as soon as its last row is loaded, on a loading connection that
 * would otherwise wait or load into a table another connection is already loading. pg_restore -j
 * and pgcopydb do the same; `import schema --post-snapshot-import` then skips what was built here
 * (recorded in meta.db under {@link INDEXES_BUILT_BY_IMPORT}) and builds the rest.
 *
 * An index is matched to a table by its schema-qualified name (an unqualified one by its name,
 * when only one snapshot table has it; a partitioned table is one snapshot table). An index on
 * anything else (a table outside the snapshot or left out by `--table-list`) is left for
 * `--post-snapshot-import`.
 */
export class SnapshotIndexBuilds {
  private readonly byTable = new Map<string, TableIndexStatement[]>();
  private readonly ready: TableIndexStatement[] = [];
  private readonly released = new Set<string>();
  private running = 0;
  /** Statements built here, in this run. */
  built = 0;
  /** Statements that failed here (left for `--post-snapshot-import`, which reports them). */
  failed = 0;

  /**
   * @param indexes the index statements of the schema dir.
   * @param tables the tables this import loads.
   * @param alreadyBuilt SQL of the statements an earlier run built (not built again).
   * @param startedBefore SQL of the statements an earlier run started to build (see {@link resumed}).
   */
  constructor(indexes: readonly TableIndexStatement[], tables: readonly IndexedTable[], alreadyBuilt: ReadonlySet<string>,
    private readonly startedBefore: ReadonlySet<string> = new Set()) {
    const byName = new Map<string, IndexedTable[]>();
    for (const t of tables) byName.set(t.tableName, [...(byName.get(t.tableName) ?? []), t]);
    for (const index of indexes) {
      if (alreadyBuilt.has(index.statement.sql)) continue;
      const candidates = (byName.get(index.table) ?? []).filter((t) => index.schema === undefined || t.schemaName === index.schema);
      if (candidates.length !== 1) continue;
      const key = candidates[0]!.tableKey;
      this.byTable.set(key, [...(this.byTable.get(key) ?? []), index]);
    }
  }

  /** Index statements this import will build once their tables are loaded. */
  get planned(): number {
    let n = 0;
    for (const list of this.byTable.values()) n += list.length;
    return n;
  }

  /** The table's rows are all loaded: its indexes may be built. Returns how many that adds. */
  tableLoaded(tableKey: string): number {
    if (this.released.has(tableKey)) return 0;
    this.released.add(tableKey);
    const indexes = this.byTable.get(tableKey) ?? [];
    this.ready.push(...indexes);
    return indexes.length;
  }

  /**
   * Whether an earlier run started to build this index and did not record it built: if the target
   * has an index of that name now, that run's build committed after the run died, and it counts as
   * built ("already exists" is then success, not failure).
   */
  resumed(index: TableIndexStatement): boolean {
    return this.startedBefore.has(index.statement.sql);
  }

  /** Whether an index is waiting for a connection. */
  get waiting(): boolean {
    return this.ready.length > 0;
  }

  /** Whether an index is being built now. */
  get busy(): boolean {
    return this.running > 0;
  }

  /** The next index to build (the caller reports its end with {@link finished}). */
  take(): TableIndexStatement | undefined {
    const next = this.ready.shift();
    if (next) this.running++;
    return next;
  }

  /** An index build taken with {@link take} has ended. */
  finished(ok: boolean): void {
    this.running--;
    if (ok) this.built++;
    else this.failed++;
  }
}
