import type pg from 'pg';

/** What every catalog reader needs: the connection, the schemas to export and the server version. */
export interface ExportContext {
  readonly client: pg.Client;
  /** Schema names as stored in the catalog (case-sensitive, unquoted). */
  readonly schemas: readonly string[];
  /** `server_version_num`, e.g. 150004. */
  readonly serverVersionNum: number;
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

/** SQL expression: the schema-qualified, quoted name of the collation with oid `oidExpr` (regcollation is PG13+). */
export function collationName(oidExpr: string): string {
  return `(SELECT format('%I.%I', cn.nspname, co.collname) FROM pg_catalog.pg_collation co ` +
    `JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = ${oidExpr})`;
}
