import type pg from 'pg';
import type { OutsideType } from './outside-types.js';
import type { SkippedRoot } from './skipped-dependents.js';

/** What every catalog reader needs: the connection, the schemas to export and the server version. */
export interface ExportContext {
  readonly client: pg.Client;
  /** Schema names as stored in the catalog (case-sensitive, unquoted). */
  readonly schemas: readonly string[];
  /** `server_version_num`, e.g. 150004. */
  readonly serverVersionNum: number;
  /**
   * Per catalog (`pg_class`, `pg_proc`, …), objects not to export because they depend on an object
   * the export leaves out (see `findSkippedDependents`). Usually empty.
   */
  readonly excluded: ReadonlyMap<string, readonly number[]>;
  /** The objects left out that others depend on, each with those dependents (for the warning). */
  readonly skippedRoots: readonly SkippedRoot[];
  /**
   * Types and domains of schemas not exported that exported objects use (see `findOutsideTypes`):
   * exported with them. Default none.
   */
  readonly outsideTypes?: readonly OutsideType[];
}

/** SQL condition: the type with oid `oidExpr`, in the schema named `schemaExpr`, is exported (an exported schema, or one of `ctx.outsideTypes`). */
export function inExportedSchemaOrOutsideType(ctx: ExportContext, schemaExpr: string, oidExpr: string): string {
  const oids = (ctx.outsideTypes ?? []).map((t) => Number(t.oid));
  // The oids come from the server as numbers: safe to write into the query text.
  return oids.length === 0 ? `${schemaExpr} = ANY($1)` : `(${schemaExpr} = ANY($1) OR ${oidExpr} = ANY('{${oids.join(',')}}'::oid[]))`;
}

/** Runs a catalog query whose first parameter is the schema list and returns its rows. */
export async function catalogRows<T>(ctx: ExportContext, sql: string, params: unknown[] = []): Promise<T[]> {
  const result = await ctx.client.query(sql, [ctx.schemas, ...params]);
  return result.rows as T[];
}

/**
 * SQL condition: the object with this oid in catalog `catalog` is the user's own: it neither
 * belongs to an extension (deptype e) nor was created implicitly with another object (deptype i,
 * e.g. a range type's constructor functions; a partitioned table depends internally on itself).
 */
export function notExtensionMember(oidExpr: string, catalog: string): string {
  return `NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep WHERE dep.classid = '${catalog}'::regclass ` +
    `AND dep.objid = ${oidExpr} AND (dep.deptype = 'e' OR (dep.deptype = 'i' AND dep.refobjid <> ${oidExpr})))`;
}

/**
 * SQL condition: the object with this oid in catalog `catalog` is to be exported: the user's own
 * ({@link notExtensionMember}) and not left out with an object it depends on (`ctx.excluded`).
 */
export function exportable(ctx: ExportContext, oidExpr: string, catalog: string): string {
  return `${notExtensionMember(oidExpr, catalog)}${notExcluded(ctx, oidExpr, catalog)}`;
}

/**
 * SQL condition: the relation (pg_class row) with oid `oidExpr` is to be exported ({@link exportable}),
 * or is the implicit part of an exported object whose DDL creates it again under the same name:
 * the sequence of an identity column of a table (not a partition: the table's DDL names it with
 * `SEQUENCE NAME`), the row of a composite type (`CREATE TYPE … AS (…)`), the index behind a
 * primary key, unique or exclusion constraint of a table (named as its constraint). Each of these
 * depends internally (deptype i) on its owner, which {@link notExtensionMember} takes for "not the
 * user's own": measured before, their grants and comments were left out without a word (the
 * pg-schema run's F5). Parts of an extension's objects stay out with their owner.
 */
export function exportableRelation(ctx: ExportContext, oidExpr: string): string {
  const identityOf = `part.refclassid = 'pg_class'::regclass AND part.refobjsubid > 0 AND EXISTS (SELECT 1 FROM pg_catalog.pg_attribute pa ` +
    `JOIN pg_catalog.pg_class pt ON pt.oid = pa.attrelid WHERE pa.attrelid = part.refobjid AND pa.attnum = part.refobjsubid ` +
    `AND pa.attidentity <> '' AND pa.attislocal AND pt.relkind IN ('r', 'p') AND NOT pt.relispartition) ` +
    `AND ${exportable(ctx, 'part.refobjid', 'pg_class')}`;
  const rowOf = `part.refclassid = 'pg_type'::regclass AND ${exportable(ctx, 'part.refobjid', 'pg_type')}`;
  const indexOf = `part.refclassid = 'pg_constraint'::regclass AND EXISTS (SELECT 1 FROM pg_catalog.pg_constraint pc ` +
    `JOIN pg_catalog.pg_class pt ON pt.oid = pc.conrelid WHERE pc.oid = part.refobjid AND pc.contype IN ('p', 'u', 'x') ` +
    `AND pc.conparentid = 0 AND pt.relkind IN ('r', 'p') AND ${exportable(ctx, 'pc.conrelid', 'pg_class')}${notExcluded(ctx, 'pc.oid', 'pg_constraint')})`;
  return `(${exportable(ctx, oidExpr, 'pg_class')} OR (NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend ext ` +
    `WHERE ext.classid = 'pg_class'::regclass AND ext.objid = ${oidExpr} AND ext.deptype = 'e')${notExcluded(ctx, oidExpr, 'pg_class')} ` +
    `AND EXISTS (SELECT 1 FROM pg_catalog.pg_depend part WHERE part.classid = 'pg_class'::regclass AND part.objid = ${oidExpr} ` +
    `AND part.deptype = 'i' AND ((${identityOf}) OR (${rowOf}) OR (${indexOf})))))`;
}

/** SQL condition (with a leading AND, or empty): the oid is not among `ctx.excluded` of that catalog. */
export function notExcluded(ctx: ExportContext, oidExpr: string, catalog: string): string {
  const oids = ctx.excluded.get(catalog);
  // The oids come from the server as numbers: safe to write into the query text.
  return oids === undefined || oids.length === 0 ? '' : ` AND NOT (coalesce(${oidExpr}, 0) = ANY('{${oids.map(Number).join(',')}}'::oid[]))`;
}

/** SQL condition (with a leading AND, or empty): the object (`classExpr` a regclass oid, `oidExpr` its oid) is not excluded. */
export function notExcludedObject(ctx: ExportContext, classExpr: string, oidExpr: string): string {
  return [...ctx.excluded.entries()].filter(([, oids]) => oids.length > 0)
    .map(([catalog, oids]) => ` AND NOT (${classExpr} = '${catalog}'::regclass AND ${oidExpr} = ANY('{${oids.map(Number).join(',')}}'::oid[]))`)
    .join('');
}

/** SQL expression: the schema-qualified, quoted name of the collation with oid `oidExpr` (regcollation is PG13+). */
export function collationName(oidExpr: string): string {
  return `(SELECT format('%I.%I', cn.nspname, co.collname) FROM pg_catalog.pg_collation co ` +
    `JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = ${oidExpr})`;
}

/**
 * SQL expression: the schema of the object `objidExpr` of catalog `classidExpr` as stored (unquoted,
 * comparable with the export's schema list), or null for an object outside schemas.
 * `pg_identify_object` quotes the name where SQL would need it (`"x,y"`, `"Ops"`, `"Ünï"`), so it
 * is parsed back.
 */
export function objectSchema(classidExpr: string, objidExpr: string): string {
  return `(pg_catalog.parse_ident((pg_catalog.pg_identify_object(${classidExpr}, ${objidExpr}, 0)).schema))[1]`;
}

/**
 * SQL expression: the schema (unquoted) of the object `objidExpr` of catalog `classidExpr`, as a
 * pg_depend row names it. Defaults, rules, triggers and policies have no schema of their own
 * (`pg_identify_object` gives none): theirs is their table's.
 */
export function dependentSchema(classidExpr: string, objidExpr: string): string {
  const viaTable = (catalog: string, relColumn: string) =>
    `(SELECT ns.nspname FROM pg_catalog.${catalog} x JOIN pg_catalog.pg_class rel ON rel.oid = x.${relColumn} ` +
    `JOIN pg_catalog.pg_namespace ns ON ns.oid = rel.relnamespace WHERE x.oid = ${objidExpr})`;
  return `CASE ${classidExpr}
    WHEN 'pg_attrdef'::regclass THEN ${viaTable('pg_attrdef', 'adrelid')}
    WHEN 'pg_rewrite'::regclass THEN ${viaTable('pg_rewrite', 'ev_class')}
    WHEN 'pg_trigger'::regclass THEN ${viaTable('pg_trigger', 'tgrelid')}
    WHEN 'pg_policy'::regclass THEN ${viaTable('pg_policy', 'polrelid')}
    ELSE ${objectSchema(classidExpr, objidExpr)} END`;
}
