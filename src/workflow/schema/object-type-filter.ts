import type { SchemaObjectType } from '../../core/schema-object.js';
import { TandemError } from '../../core/errors.js';

/**
 * The names users may give in `--object-type-list` / `--exclude-object-type-list`, and the groups
 * each selects. As in Voyager, TABLE covers everything that belongs to a table definition
 * (partitions, sequence ownership, unique constraints and unique indexes, foreign keys, NOT VALID
 * constraints); PARTITION, UNIQUE, FOREIGN_KEY and NOT_VALID_CONSTRAINT select only their own
 * group. SCHEMA includes extensions.
 */
export const OBJECT_TYPE_NAMES: Readonly<Record<string, readonly SchemaObjectType[]>> = {
  SCHEMA: ['SCHEMA'],
  TYPE: ['TYPE'],
  DOMAIN: ['DOMAIN'],
  COLLATION: ['COLLATION'],
  SEQUENCE: ['SEQUENCE'],
  TABLE: ['TABLE', 'PARTITION', 'SEQUENCE_OWNED_BY', 'UNIQUE', 'FOREIGN_KEY', 'NOT_VALID_CONSTRAINT'],
  PARTITION: ['PARTITION'],
  UNIQUE: ['UNIQUE'],
  FOREIGN_KEY: ['FOREIGN_KEY'],
  INDEX: ['INDEX'],
  VIEW: ['VIEW'],
  MVIEW: ['MVIEW'],
  FUNCTION: ['FUNCTION'],
  PROCEDURE: ['PROCEDURE'],
  AGGREGATE: ['AGGREGATE'],
  TRIGGER: ['TRIGGER'],
  RULE: ['RULE'],
  STATISTICS: ['STATISTICS'],
  POLICY: ['POLICY'],
  COMMENT: ['COMMENT'],
  GRANT: ['GRANT'],
  NOT_VALID_CONSTRAINT: ['NOT_VALID_CONSTRAINT'],
  FOREIGN_TABLE: ['FOREIGN_TABLE'],
  OPERATOR: ['OPERATOR'],
  CAST: ['CAST'],
  TEXT_SEARCH: ['TEXT_SEARCH'],
};

/**
 * Turns the user's include and exclude lists (case-insensitive names) into a predicate over
 * object groups. No include list means every group. An unknown name raises `TANDEM_USAGE`.
 *
 * @example
 * const keep = objectTypeFilter(['TABLE'], ['FOREIGN_KEY']); keep('UNIQUE') === true; keep('FOREIGN_KEY') === false
 */
export function objectTypeFilter(
  include: readonly string[] | undefined,
  exclude: readonly string[] | undefined,
): (type: SchemaObjectType) => boolean {
  const included = include && include.length > 0 ? expand(include, '--object-type-list') : undefined;
  const excluded = expand(exclude ?? [], '--exclude-object-type-list');
  return (type) => (included === undefined || included.has(type)) && !excluded.has(type);
}

function expand(names: readonly string[], flag: string): Set<SchemaObjectType> {
  const out = new Set<SchemaObjectType>();
  for (const raw of names) {
    const name = raw.trim().toUpperCase();
    const groups = OBJECT_TYPE_NAMES[name];
    if (!groups) {
      throw new TandemError('TANDEM_USAGE',
        `${flag}: unknown object type "${raw.trim()}". Valid types: ${Object.keys(OBJECT_TYPE_NAMES).join(', ')}.`);
    }
    for (const g of groups) out.add(g);
  }
  return out;
}
