import type { SchemaObject } from '../../../core/schema-object.js';
import { catalogRows, exportable, type ExportContext } from './export-context.js';

/** SQL expression: `OPERATOR(schema.name)` for the operator with oid `oidExpr`. */
const operatorRef = (oidExpr: string): string =>
  `(SELECT 'OPERATOR(' || quote_ident(xn.nspname) || '.' || x.oprname || ')' FROM pg_catalog.pg_operator x
    JOIN pg_catalog.pg_namespace xn ON xn.oid = x.oprnamespace WHERE x.oid = ${oidExpr})`;

/** SQL expression: a family's qualified name and method, `app.fam USING btree`. */
const familyName = (oidExpr: string): string =>
  `(SELECT format('%I.%I', nfam.nspname, fam.opfname) || ' USING ' || quote_ident(afam.amname) FROM pg_catalog.pg_opfamily fam
    JOIN pg_catalog.pg_namespace nfam ON nfam.oid = fam.opfnamespace JOIN pg_catalog.pg_am afam ON afam.oid = fam.opfmethod
    WHERE fam.oid = ${oidExpr})`;

/**
 * SQL (a subquery): the `OPERATOR …` and `FUNCTION …` items of the members of an operator class or
 * family whose pg_depend link to it is `deptype` (i: the class's own members; a: a family's loose
 * members), joined by `separator`.
 */
function memberItems(ownerCatalog: string, ownerOid: string, deptype: string, separator: string): string {
  return `(SELECT string_agg(item, E'${separator}' ORDER BY kind, num, item) FROM (
      SELECT 0 AS kind, o.amopstrategy AS num, 'OPERATOR ' || o.amopstrategy || ' ' || o.amopopr::regoperator::text
             || CASE WHEN o.amoppurpose = 'o' THEN ' FOR ORDER BY ' || (SELECT format('%I.%I', sn.nspname, sf.opfname)
                  FROM pg_catalog.pg_opfamily sf JOIN pg_catalog.pg_namespace sn ON sn.oid = sf.opfnamespace WHERE sf.oid = o.amopsortfamily)
                ELSE '' END AS item
      FROM pg_catalog.pg_amop o JOIN pg_catalog.pg_depend d ON d.classid = 'pg_amop'::regclass AND d.objid = o.oid
      WHERE d.refclassid = '${ownerCatalog}'::regclass AND d.refobjid = ${ownerOid} AND d.deptype = '${deptype}'
    UNION ALL
      SELECT 1, p.amprocnum, 'FUNCTION ' || p.amprocnum || ' (' || format_type(p.amproclefttype, NULL) || ', '
             || format_type(p.amprocrighttype, NULL) || ') ' || p.amproc::regprocedure::text
      FROM pg_catalog.pg_amproc p JOIN pg_catalog.pg_depend d ON d.classid = 'pg_amproc'::regclass AND d.objid = p.oid
      WHERE d.refclassid = '${ownerCatalog}'::regclass AND d.refobjid = ${ownerOid} AND d.deptype = '${deptype}'
    ) members)`;
}

/**
 * Operators, operator families and operator classes (`OPERATOR`), in that order: each operator with
 * its function, argument types, commutator, negator, selectivity estimators and HASHES/MERGES; each
 * family that no class of the same name creates for itself; each class with its type, method,
 * family, operators, support functions and storage type; then the loose members of families
 * (`ALTER OPERATOR FAMILY … ADD`). Shell operators (left by a COMMUTATOR naming an operator that
 * was never defined) are not written: the operator that names them creates them.
 *
 * @example
 * await exportOperators(ctx)
 * // [{ type: 'OPERATOR', schema: 'app', name: '===',
 * //    sql: 'CREATE OPERATOR app.=== (FUNCTION = app.int_eq3, LEFTARG = integer, RIGHTARG = integer);' }, …]
 */
export async function exportOperators(ctx: ExportContext): Promise<SchemaObject[]> {
  const operators = await catalogRows<{ schema: string; name: string; sql: string }>(ctx, `
    SELECT n.nspname AS schema, o.oprname AS name,
      'CREATE OPERATOR ' || quote_ident(n.nspname) || '.' || o.oprname || ' ('
        || concat_ws(', ', 'FUNCTION = ' || o.oprcode::regproc::text,
             CASE WHEN o.oprleft <> 0 THEN 'LEFTARG = ' || format_type(o.oprleft, NULL) END,
             CASE WHEN o.oprright <> 0 THEN 'RIGHTARG = ' || format_type(o.oprright, NULL) END,
             CASE WHEN o.oprcom <> 0 THEN 'COMMUTATOR = ' || ${operatorRef('o.oprcom')} END,
             CASE WHEN o.oprnegate <> 0 THEN 'NEGATOR = ' || ${operatorRef('o.oprnegate')} END,
             CASE WHEN o.oprrest <> 0 THEN 'RESTRICT = ' || o.oprrest::regproc::text END,
             CASE WHEN o.oprjoin <> 0 THEN 'JOIN = ' || o.oprjoin::regproc::text END,
             CASE WHEN o.oprcanhash THEN 'HASHES' END,
             CASE WHEN o.oprcanmerge THEN 'MERGES' END) || ');'
        || coalesce(E'\\nCOMMENT ON OPERATOR ' || o.oid::regoperator::text || ' IS '
             || quote_literal(obj_description(o.oid, 'pg_operator')) || ';', '') AS sql
    FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
    WHERE n.nspname = ANY($1) AND o.oprcode <> 0 AND ${exportable(ctx, 'o.oid', 'pg_operator')}
    ORDER BY n.nspname, o.oprname, o.oid::regoperator::text`);
  const families = await catalogRows<{ schema: string; name: string; sql: string }>(ctx, `
    SELECT n.nspname AS schema, f.opfname AS name, 'CREATE OPERATOR FAMILY ' || ${familyName('f.oid')} || ';' AS sql
    FROM pg_catalog.pg_opfamily f JOIN pg_catalog.pg_namespace n ON n.oid = f.opfnamespace
    WHERE n.nspname = ANY($1) AND ${exportable(ctx, 'f.oid', 'pg_opfamily')}
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_opclass c WHERE c.opcfamily = f.oid AND c.opcname = f.opfname
                      AND c.opcnamespace = f.opfnamespace)
    ORDER BY n.nspname, f.opfname`);
  const classes = await catalogRows<{ schema: string; name: string; sql: string }>(ctx, `
    SELECT n.nspname AS schema, c.opcname AS name,
      'CREATE OPERATOR CLASS ' || format('%I.%I', n.nspname, c.opcname) || CASE WHEN c.opcdefault THEN ' DEFAULT' ELSE '' END
        || ' FOR TYPE ' || format_type(c.opcintype, NULL) || ' USING ' || quote_ident(am.amname)
        || CASE WHEN f.opfname <> c.opcname OR f.opfnamespace <> c.opcnamespace
                THEN ' FAMILY ' || format('%I.%I', fn.nspname, f.opfname) ELSE '' END
        || ' AS' || E'\\n    ' || concat_ws(E',\\n    ', ${memberItems('pg_opclass', 'c.oid', 'i', ',\\n    ')},
             CASE WHEN c.opckeytype <> 0 THEN 'STORAGE ' || format_type(c.opckeytype, NULL) END) || ';' AS sql
    FROM pg_catalog.pg_opclass c JOIN pg_catalog.pg_namespace n ON n.oid = c.opcnamespace
    JOIN pg_catalog.pg_am am ON am.oid = c.opcmethod
    JOIN pg_catalog.pg_opfamily f ON f.oid = c.opcfamily JOIN pg_catalog.pg_namespace fn ON fn.oid = f.opfnamespace
    WHERE n.nspname = ANY($1) AND ${exportable(ctx, 'c.oid', 'pg_opclass')}
    ORDER BY n.nspname, c.opcname`);
  const looseMembers = await catalogRows<{ schema: string; name: string; sql: string }>(ctx, `
    SELECT n.nspname AS schema, f.opfname AS name,
      'ALTER OPERATOR FAMILY ' || ${familyName('f.oid')} || ' ADD' || E'\\n    ' || members.list || ';' AS sql
    FROM pg_catalog.pg_opfamily f JOIN pg_catalog.pg_namespace n ON n.oid = f.opfnamespace
    CROSS JOIN LATERAL (SELECT ${memberItems('pg_opfamily', 'f.oid', 'a', ',\\n    ')} AS list) members
    WHERE n.nspname = ANY($1) AND members.list IS NOT NULL AND ${exportable(ctx, 'f.oid', 'pg_opfamily')}
    ORDER BY n.nspname, f.opfname`);
  return [...operators, ...families, ...classes, ...looseMembers]
    .map((r): SchemaObject => ({ type: 'OPERATOR', schema: r.schema, name: r.name, sql: r.sql }));
}

/**
 * Casts (`CAST`) from or to a type of the exported schemas, or done by one of their functions:
 * `CREATE CAST (source AS target) WITH FUNCTION … | WITHOUT FUNCTION | WITH INOUT [AS ASSIGNMENT | AS IMPLICIT]`.
 *
 * @example
 * await exportCasts(ctx)
 * // [{ type: 'CAST', schema: '(app.mood AS integer)', name: '(app.mood AS integer)',
 * //    sql: 'CREATE CAST (app.mood AS integer) WITH FUNCTION app.mood_score(app.mood);' }]
 */
export async function exportCasts(ctx: ExportContext): Promise<SchemaObject[]> {
  const rows = await catalogRows<{ name: string; sql: string }>(ctx, `
    SELECT * FROM (SELECT '(' || format_type(c.castsource, NULL) || ' AS ' || format_type(c.casttarget, NULL) || ')' AS name,
      'CREATE CAST (' || format_type(c.castsource, NULL) || ' AS ' || format_type(c.casttarget, NULL) || ') '
        || CASE c.castmethod WHEN 'f' THEN 'WITH FUNCTION ' || c.castfunc::regprocedure::text
                             WHEN 'i' THEN 'WITH INOUT' ELSE 'WITHOUT FUNCTION' END
        || CASE c.castcontext WHEN 'a' THEN ' AS ASSIGNMENT' WHEN 'i' THEN ' AS IMPLICIT' ELSE '' END || ';'
        || coalesce(E'\\nCOMMENT ON CAST (' || format_type(c.castsource, NULL) || ' AS ' || format_type(c.casttarget, NULL)
             || ') IS ' || quote_literal(obj_description(c.oid, 'pg_cast')) || ';', '') AS sql
    FROM pg_catalog.pg_cast c
    WHERE ${exportable(ctx, 'c.oid', 'pg_cast')} AND EXISTS (
      SELECT 1 FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
      WHERE t.oid IN (c.castsource, c.casttarget) AND n.nspname = ANY($1)
      UNION ALL
      SELECT 1 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
      WHERE p.oid = c.castfunc AND n.nspname = ANY($1))) casts
    ORDER BY name COLLATE "C"`);
  // A cast belongs to the database, not to a schema: like a schema, it is its own "schema".
  return rows.map((r): SchemaObject => ({ type: 'CAST', schema: r.name, name: r.name, sql: r.sql }));
}
