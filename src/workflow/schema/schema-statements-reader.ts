import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SchemaStatement } from '../../core/engine/target.js';
import { NOT_POPULATED_MARK } from '../../core/schema-object.js';
import { objectTypeFilter } from './object-type-filter.js';
import { POST_SNAPSHOT_ORDER, PRE_SNAPSHOT_ORDER, SCHEMA_FILES } from './schema-layout.js';
import { quoteIdent } from '../../core/sql-names.js';
import { loadSqlParser, splitSqlStatements } from './sql-statement-splitter.js';

/** One statement ready to run on the target, with where it came from (see `SchemaStatement`). */
export type PlannedStatement = SchemaStatement;

/** Options of {@link readSchemaStatements}. */
export interface ReadSchemaOptions {
  /** false: everything but secondary indexes and triggers; true: only those, plus a refresh of each materialized view. */
  readonly postSnapshot: boolean;
  /** Object type names to import (see OBJECT_TYPE_NAMES); default all. */
  readonly objectTypeList?: readonly string[];
  /** Object type names to leave out. */
  readonly excludeObjectTypeList?: readonly string[];
}

/**
 * Reads the DDL files under the schema dir in import order and splits them into statements, so
 * the user's edits (statements added, removed, commented out) are what runs. Missing files are
 * empty groups. In post-snapshot mode a `REFRESH MATERIALIZED VIEW` follows for every
 * materialized view in `mviews/mviews.sql` (they are created WITH NO DATA), unless MVIEW is
 * filtered out or the statement holds {@link NOT_POPULATED_MARK} (not filled on the source).
 *
 * @example
 * const statements = await readSchemaStatements(join(exportDir, 'schema'), { postSnapshot: false });
 */
export async function readSchemaStatements(schemaDir: string, options: ReadSchemaOptions): Promise<PlannedStatement[]> {
  const keep = objectTypeFilter(options.objectTypeList, options.excludeObjectTypeList);
  await loadSqlParser();
  const out: PlannedStatement[] = [];
  const order = options.postSnapshot ? POST_SNAPSHOT_ORDER : PRE_SNAPSHOT_ORDER;
  for (const type of order.filter(keep)) {
    const file = SCHEMA_FILES[type];
    for (const s of splitSqlStatements(await readIfExists(join(schemaDir, file)), file)) {
      out.push({ objectType: type, file, line: s.line, sql: s.sql, ...(mayCommitInside(s.node) ? { mayCommitInside: true } : {}) });
    }
  }
  if (options.postSnapshot && keep('MVIEW')) {
    const file = SCHEMA_FILES.MVIEW;
    for (const s of splitSqlStatements(await readIfExists(join(schemaDir, file)), file)) {
      const name = materializedViewName(s.node);
      if (name && !s.sql.includes(NOT_POPULATED_MARK)) out.push({ objectType: 'MVIEW', file, line: s.line, sql: `REFRESH MATERIALIZED VIEW ${name}` });
    }
  }
  return out;
}

async function readIfExists(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

function mayCommitInside(node: Record<string, unknown>): boolean {
  return 'DoStmt' in node || 'CallStmt' in node;
}

/** The quoted name of the materialized view a `CREATE MATERIALIZED VIEW` parse tree creates, if it is one. */
function materializedViewName(node: Record<string, unknown>): string | undefined {
  const ctas = node['CreateTableAsStmt'] as
    | { objtype?: string; into?: { rel?: { schemaname?: string; relname?: string } } }
    | undefined;
  const rel = ctas?.objtype === 'OBJECT_MATVIEW' ? ctas.into?.rel : undefined;
  if (!rel?.relname) return undefined;
  return rel.schemaname ? `${quoteIdent(rel.schemaname)}.${quoteIdent(rel.relname)}` : quoteIdent(rel.relname);
}

/** A secondary index of `indexes/indexes.sql` and the table it is on, as the statement names it. */
export interface TableIndexStatement {
  readonly statement: PlannedStatement;
  /** The table's schema, when the statement qualifies the name. */
  readonly schema?: string;
  readonly table: string;
}

/**
 * The plain `CREATE INDEX` statements of `indexes/indexes.sql` (the user's edits included) with the
 * table each is on: what `import data` may build as soon as a table is loaded. Statements that are
 * not a plain index of a named table (`CONCURRENTLY`, which cannot run in a transaction block,
 * `DO` blocks, anything else) are left out: `import schema --post-snapshot-import` runs them.
 */
export async function readTableIndexes(schemaDir: string): Promise<TableIndexStatement[]> {
  await loadSqlParser();
  const file = SCHEMA_FILES.INDEX;
  const out: TableIndexStatement[] = [];
  for (const s of splitSqlStatements(await readIfExists(join(schemaDir, file)), file)) {
    const index = s.node['IndexStmt'] as { concurrent?: boolean; relation?: { schemaname?: string; relname?: string } } | undefined;
    const rel = index?.relation;
    if (!index || index.concurrent || !rel?.relname) continue;
    out.push({
      statement: { objectType: 'INDEX', file, line: s.line, sql: s.sql },
      ...(rel.schemaname ? { schema: rel.schemaname } : {}),
      table: rel.relname,
    });
  }
  return out;
}
