import type { IndexStmt } from 'libpg-query';
import type { ColumnStatistic } from '../analysis-types.js';
import { nodeAs, relationName, stringValues } from '../ast-helpers.js';
import { indexName } from '../object-identity.js';
import type { IndexInfo } from '../schema-catalog.js';
import { ALL_VERSIONS } from '../target-version.js';
import { accessMethod, indexElems } from './index-rules.js';
import { DOCS } from './schema-rule.js';
import type { RuleContext, RuleHit, SchemaRule } from './schema-rule.js';
import { tableConstraintsOf } from './table-constraints.js';

const TIME_TYPES = new Set(['timestamp', 'timestamptz', 'date', 'time', 'timetz']);

/** The first key column of an index if it is range-sharded (explicit ASC or DESC). */
function rangeShardedFirstColumn(index: IndexStmt): string | undefined {
  const first = indexElems(index)[0];
  if (first?.name === undefined) return undefined;
  return first.ordering === 'SORTBY_ASC' || first.ordering === 'SORTBY_DESC' ? first.name : undefined;
}

/** A performance rule on CREATE INDEX statements: `detail` says what is wrong with the index, or undefined. */
function indexRule(id: string, title: string, suggestion: string, docsLink: string, detail: (index: IndexStmt, ctx: RuleContext) => string | undefined): SchemaRule {
  return {
    id,
    category: 'performance',
    title,
    suggestion,
    docsLink,
    gate: ALL_VERSIONS,
    check: (s, ctx) => {
      const index = nodeAs<IndexStmt>(s.node, 'IndexStmt');
      const found = index === undefined ? undefined : detail(index, ctx);
      return found === undefined ? [] : [{ objectType: 'INDEX', objectName: indexName(index!), detail: found }];
    },
  };
}

function hotspotRule(id: string, title: string, suggestion: string, matches: (index: IndexStmt, column: string, ctx: RuleContext) => boolean): SchemaRule {
  return indexRule(id, title, suggestion, DOCS.sharding, (index, ctx) => {
    if (['gin', 'gist', 'brin', 'spgist'].includes(accessMethod(index))) return undefined;
    const column = rangeShardedFirstColumn(index);
    return column !== undefined && matches(index, column, ctx) ? `column ${column}` : undefined;
  });
}

/** Below this many rows a skewed index costs little: the statistics rules stay quiet. */
export const STATISTICS_MIN_ROWS = 10_000;
/** At most this many distinct values in an index's first column: every one of them is a hotspot. */
export const LOW_CARDINALITY_MAX_DISTINCT = 10;
/** At least this fraction of rows NULL in an index's first column. */
export const MOSTLY_NULL_MIN_FRACTION = 0.5;

/**
 * A rule on an index's first column as the source's statistics describe it (export schema reads
 * them; files analyzed without them, or a column they do not cover, give nothing). Indexes of
 * methods that do not shard by their first column (GIN, GiST, …) and partial ones (whose rows the
 * statistics do not describe) are left out.
 */
function statisticsRule(id: string, title: string, suggestion: string, matches: (stat: ColumnStatistic, index: IndexStmt) => string | undefined): SchemaRule {
  return indexRule(id, title, suggestion, DOCS.indexes, (index, ctx) => {
    if (ctx.statistic === undefined || index.whereClause !== undefined || !['btree', 'lsm', 'hash'].includes(accessMethod(index))) return undefined;
    const column = indexElems(index)[0]?.name;
    const stat = column !== undefined ? ctx.statistic(relationName(index.relation), column) : undefined;
    if (stat === undefined || stat.rows < STATISTICS_MIN_ROWS) return undefined;
    const found = matches(stat, index);
    return found === undefined ? undefined : `column ${column}: ${found}`;
  });
}

const rounded = (n: number) => Math.round(n).toLocaleString('en-US');

/** serial types are integers with a default: compare them as such. */
const SERIAL_BASE: Readonly<Record<string, string>> = { serial: 'int4', serial4: 'int4', bigserial: 'int8', serial8: 'int8', smallserial: 'int2', serial2: 'int2' };
const baseName = (name: string): string => SERIAL_BASE[name] ?? name;

const startsWith = (longer: readonly string[], prefix: readonly string[]): boolean => prefix.every((c, i) => longer[i] === c);

/** Advice that does not block the migration but matters for a distributed database. */
export const performanceRules: SchemaRule[] = [
  hotspotRule(
    'timestamp-range-sharded-hotspot',
    'Range-sharded index led by a timestamp/date column',
    'New rows all land at the end of the key range, so one tablet takes every insert. Make the first column HASH sharded (drop ASC/DESC, or write (col HASH)), or lead with another column (e.g. a bucket id) if range scans on the time column are needed.',
    (index, column, ctx) => {
      const type = ctx.catalog.columnType(index.relation, column);
      return type !== undefined && !type.isArray && TIME_TYPES.has(type.name);
    },
  ),
  hotspotRule(
    'sequence-range-sharded-hotspot',
    'Range-sharded index led by a serial/identity column',
    'Sequence values only grow, so one tablet takes every insert. Make the first column HASH sharded (drop ASC/DESC), or use colocation for a small table.',
    (index, column, ctx) => ctx.catalog.column(index.relation, column)?.fromSequence === true,
  ),
  statisticsRule(
    'low-cardinality-index',
    'Index led by a column with few distinct values',
    'YugabyteDB shards an index by its first column: with only a handful of values, all entries of one value live in one tablet, which takes every write and read of that value (a hotspot), and the index cannot spread as the table grows. '
      + 'Lead the index with a column of many distinct values, or add one after it and shard by both (YugabyteDB: CREATE INDEX … ON t ((col, id) HASH)); if the queries only filter on one rare value, a partial index (WHERE col = …) is smaller.',
    (stat, index) => (stat.distinct <= LOW_CARDINALITY_MAX_DISTINCT && !(index.unique === true)
      ? `about ${rounded(stat.distinct)} distinct value${Math.round(stat.distinct) === 1 ? '' : 's'} in ${rounded(stat.rows)} rows, per the source's statistics`
      : undefined),
  ),
  statisticsRule(
    'mostly-null-index',
    'Index led by a column that is mostly NULL',
    'YugabyteDB stores every NULL entry of an index under the same key, so one tablet holds them all (a hotspot for inserts of rows without a value). '
      + 'If the queries never look for NULL, make it a partial index: CREATE INDEX … WHERE col IS NOT NULL (smaller, and spread by the values it keeps).',
    (stat) => (stat.nullFraction !== null && stat.nullFraction >= MOSTLY_NULL_MIN_FRACTION
      ? `${Math.round(stat.nullFraction * 100)}% of ${rounded(stat.rows)} rows NULL, per the source's statistics`
      : undefined),
  ),
  {
    id: 'redundant-index',
    category: 'performance',
    title: 'Redundant index',
    suggestion:
      'Another index on the same table starts with the same columns and serves the same lookups. Drop this one: every extra index is another distributed write on each insert and update.',
    docsLink: DOCS.indexes,
    gate: ALL_VERSIONS,
    check: (s, ctx) => {
      const index = nodeAs<IndexStmt>(s.node, 'IndexStmt');
      if (index === undefined || index.unique === true || index.whereClause !== undefined) return [];
      const table = ctx.catalog.findTable(index.relation);
      const mine = table?.indexes.find((i) => i.name === (index.idxname ?? ''));
      if (table === undefined || mine === undefined || mine.special || mine.columns.includes('(expression)')) return [];
      const covering = table.indexes.find(
        (other: IndexInfo) =>
          other !== mine &&
          !other.special &&
          // Another method answers other operators (a unique btree does not serve a GIN's @>), and
          // another order, collation or operator class other lookups (the schema-fidelity run).
          other.method === mine.method &&
          startsWith(other.keys, mine.keys) &&
          // Of two identical indexes report only the second one.
          (other.keys.length > mine.keys.length || table.indexes.indexOf(other) < table.indexes.indexOf(mine)),
      );
      return covering === undefined
        ? []
        : [{ objectType: 'INDEX', objectName: indexName(index), detail: `covered by ${covering.name || 'the primary key'} (${covering.columns.join(', ')})` }];
    },
  },
  {
    id: 'foreign-key-type-mismatch',
    category: 'performance',
    title: 'Foreign key whose column type differs from the referenced column',
    suggestion:
      'Every foreign-key check then casts the value (for example integer to bigint), which slows inserts and updates on a distributed table. Give the referencing column exactly the referenced column\'s type.',
    docsLink: DOCS.knownIssues,
    gate: ALL_VERSIONS,
    check: (s, ctx) => {
      const hits: RuleHit[] = [];
      for (const c of tableConstraintsOf(s.node)) {
        if (c.constraint.contype !== 'CONSTR_FOREIGN') continue;
        const referenced = stringValues(c.constraint.pk_attrs);
        c.columns.forEach((column, i) => {
          const refColumn = referenced[i];
          if (refColumn === undefined) return;
          const mine = ctx.catalog.columnType(c.table, column);
          const theirs = ctx.catalog.columnType(c.constraint.pktable, refColumn);
          if (mine === undefined || theirs === undefined || (baseName(mine.name) === baseName(theirs.name) && mine.isArray === theirs.isArray)) return;
          hits.push({ objectType: 'TABLE', objectName: relationName(c.table), detail: `${column} ${mine.name} references ${refColumn} ${theirs.name}` });
        });
      }
      return hits;
    },
  },
  {
    id: 'foreign-key-without-index',
    category: 'performance',
    title: 'Foreign key without an index on the referencing columns',
    suggestion:
      'Deleting or updating a referenced row must find the referencing rows; without an index that is a full distributed scan. Create an index on the foreign-key columns.',
    docsLink: DOCS.indexes,
    gate: ALL_VERSIONS,
    check: (s, ctx) => {
      const hits: RuleHit[] = [];
      for (const c of tableConstraintsOf(s.node)) {
        if (c.constraint.contype !== 'CONSTR_FOREIGN') continue;
        const columns = c.columns;
        const table = ctx.catalog.findTable(c.table);
        if (table === undefined || columns.length === 0) continue;
        const indexed = table.indexes.some((i) => i.columns.length >= columns.length && columns.every((col) => i.columns.slice(0, columns.length).includes(col)));
        if (!indexed) hits.push({ objectType: 'TABLE', objectName: relationName(c.table), detail: `columns ${columns.join(', ')}` });
      }
      return hits;
    },
  },
];
