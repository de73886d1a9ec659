import type { ColumnType } from '../ast-helpers.js';
import type { SchemaCatalog } from '../schema-catalog.js';

// YugabyteDB's lsm storage needs a sort order for every key column; these types have none it supports.
// (YugabyteDB's known issues list these under "Indexes on some complex data types are not supported".)
const UNORDERABLE_TYPES = new Set([
  'json', 'jsonb', 'inet', 'cidr', 'macaddr', 'macaddr8', 'bit', 'varbit', 'interval', 'tsvector', 'tsquery', 'citext',
  'xml', 'txid_snapshot', 'pg_snapshot', 'pg_lsn',
  'point', 'line', 'lseg', 'box', 'path', 'polygon', 'circle',
  'int4range', 'int8range', 'numrange', 'tsrange', 'tstzrange', 'daterange',
  'int4multirange', 'int8multirange', 'nummultirange', 'tsmultirange', 'tstzmultirange', 'datemultirange',
]);

/**
 * Why a column of this type cannot be a primary-key, unique or lsm-index key in YugabyteDB, or
 * undefined when it can. Domains are resolved to their base type first.
 */
export function unorderableKeyReason(type: ColumnType | undefined, catalog: SchemaCatalog): string | undefined {
  if (type === undefined) return undefined;
  const resolved = catalog.resolveDomain(type);
  if (resolved.isArray) return `array type ${resolved.name}[]`;
  if (UNORDERABLE_TYPES.has(resolved.name)) return `type ${resolved.name}`;
  const userKind = catalog.userTypeKind(resolved);
  if (userKind === 'composite') return `user-defined composite type ${resolved.name}`;
  if (userKind === 'range') return `user-defined range type ${resolved.name}`;
  return undefined;
}
