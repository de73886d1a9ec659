import type { ColumnDef, CompositeTypeStmt, CreateDomainStmt, Node } from 'libpg-query';
import { columnTypeOf, dottedName, nodeAs, relationName, type ColumnType } from '../ast-helpers.js';
import type { UserTypeKind } from '../schema-catalog.js';
import { ALL_VERSIONS, PG11_BASED_ONLY } from '../target-version.js';
import type { VersionGate } from '../target-version.js';
import { DOCS } from './schema-rule.js';
import type { RuleContext, RuleHit, SchemaRule } from './schema-rule.js';
import { columnDefsOf } from './table-constraints.js';

/** A rule that flags columns (in CREATE TABLE / ALTER TABLE) of the given types, arrays included. */
function columnTypeRule(id: string, title: string, types: readonly string[], suggestion: string, gate: VersionGate, userKind?: UserTypeKind): SchemaRule {
  const builtIn = new Set(types);
  // Also the schema's own types of `userKind` (a range type's multirange: the schema-pg-53 run).
  const wanted = (type: ColumnType, ctx: RuleContext) => builtIn.has(type.name) || (userKind !== undefined && ctx.catalog.userTypeKind(type) === userKind);
  return {
    id,
    category: 'unsupported_datatype',
    title,
    suggestion,
    docsLink: DOCS.dataTypes,
    gate,
    check: (s, ctx) => [
      ...columnDefsOf(s.node)
        .map(({ table, column }) => ({ table, column, type: ctx.catalog.resolveDomain(columnTypeOf(column.typeName)) }))
        .filter(({ type }) => wanted(type, ctx))
        .map(({ table, column, type }) => ({
          objectType: 'TABLE',
          objectName: relationName(table),
          detail: `column ${column.colname ?? ''} ${type.name}${type.isArray ? '[]' : ''}`,
        })),
      // A domain or a composite type built on it cannot be created either (the schema-fidelity run:
      // only table columns were looked at).
      ...typesBuiltOn(s.node, ctx, wanted),
    ],
  };
}

/** A CREATE DOMAIN over one of `wanted`, or a CREATE TYPE … AS (…) with an attribute of one, as hits. */
function typesBuiltOn(node: Node, ctx: RuleContext, wanted: (type: ColumnType, ctx: RuleContext) => boolean): RuleHit[] {
  const domain = nodeAs<CreateDomainStmt>(node, 'CreateDomainStmt');
  if (domain !== undefined) {
    const type = ctx.catalog.resolveDomain(columnTypeOf(domain.typeName));
    return wanted(type, ctx) ? [{ objectType: 'DOMAIN', objectName: dottedName(domain.domainname), detail: `over ${type.name}${type.isArray ? '[]' : ''}` }] : [];
  }
  const composite = nodeAs<CompositeTypeStmt>(node, 'CompositeTypeStmt');
  if (composite === undefined) return [];
  return (composite.coldeflist ?? []).flatMap((n) => {
    const column = nodeAs<ColumnDef>(n, 'ColumnDef');
    if (column === undefined) return [];
    const type = ctx.catalog.resolveDomain(columnTypeOf(column.typeName));
    return wanted(type, ctx) ? [{ objectType: 'TYPE', objectName: relationName(composite.typevar), detail: `attribute ${column.colname ?? ''} ${type.name}${type.isArray ? '[]' : ''}` }] : [];
  });
}

/** Column data types YugabyteDB does not have. */
export const datatypeRules: SchemaRule[] = [
  columnTypeRule(
    'xml-datatype',
    'xml column',
    ['xml'],
    'YugabyteDB has no xml type. Store the document as text and parse it in the application.',
    ALL_VERSIONS,
  ),
  columnTypeRule(
    'txid-snapshot-datatype',
    'txid_snapshot / pg_snapshot column',
    ['txid_snapshot', 'pg_snapshot'],
    'Transaction snapshots of the source are meaningless on YugabyteDB. Drop the column, or store its text form if only kept for history.',
    ALL_VERSIONS,
  ),
  columnTypeRule(
    'pg-lsn-datatype',
    'pg_lsn column',
    ['pg_lsn'],
    'YugabyteDB has no pg_lsn type, and source WAL positions mean nothing on the target. Store it as text or numeric if it must be kept.',
    ALL_VERSIONS,
  ),
  columnTypeRule(
    'xid-datatype',
    'xid / xid8 column',
    ['xid', 'xid8'],
    'YugabyteDB has no transaction ids (it orders transactions by hybrid time; issue 15638): the xid type and its functions such as txid_current() are not supported. Drop the column, or store the value as bigint if it is only kept for history.',
    ALL_VERSIONS,
  ),
  columnTypeRule(
    'large-object-datatype',
    'Large object (lo) column',
    ['lo'],
    'YugabyteDB does not store large objects. Move the content into a bytea column (export it with lo_get on the source).',
    ALL_VERSIONS,
  ),
  columnTypeRule(
    'multirange-datatype',
    'Multirange column',
    ['int4multirange', 'int8multirange', 'nummultirange', 'datemultirange', 'tsmultirange', 'tstzmultirange'],
    'Multirange types came with PostgreSQL 14; PG11-based YugabyteDB lacks them. Target 2025.1 or later, or store an array of ranges.',
    PG11_BASED_ONLY,
    'multirange',
  ),
  columnTypeRule(
    'postgis-datatype',
    'PostGIS column',
    ['geometry', 'geography', 'box2d', 'box3d', 'raster'],
    'PostGIS is not available in YugabyteDB. Store the shapes as WKB (bytea) or GeoJSON (jsonb) and do spatial work in the application.',
    ALL_VERSIONS,
  ),
];
