import { catalogRows, exportable, type ExportContext } from './export-context.js';
import type { SchemaObject } from '../../../core/schema-object.js';
import { PUBLIC_DEFAULTS_REVOKED_SQL } from './grants-export.js';

/** `n` normal, `o` ordered-set, `h` hypothetical-set. */
type AggregateKind = 'n' | 'o' | 'h';
/** FINALFUNC_MODIFY: `r` read only, `s` shareable, `w` read write. */
type FinalModify = 'r' | 's' | 'w';

interface AggregateRow {
  readonly schema: string;
  readonly name: string;
  readonly qname: string;
  readonly kind: AggregateKind;
  /** Arguments as declared (`double precision ORDER BY anyelement` for an ordered-set aggregate). */
  readonly args: string;
  readonly identityArgs: string;
  readonly parallel: 's' | 'r' | 'u';
  readonly sfunc: string;
  readonly stype: string;
  readonly sspace: number;
  readonly finalfunc: string | null;
  readonly finalExtra: boolean;
  readonly finalModify: FinalModify;
  readonly combinefunc: string | null;
  readonly serialfunc: string | null;
  readonly deserialfunc: string | null;
  /** Quoted literal. */
  readonly initcond: string | null;
  readonly msfunc: string | null;
  readonly minvfunc: string | null;
  readonly mstype: string | null;
  readonly msspace: number;
  readonly mfinalfunc: string | null;
  readonly mfinalExtra: boolean;
  readonly mfinalModify: FinalModify;
  /** Quoted literal. */
  readonly minitcond: string | null;
  /** `OPERATOR(schema.op)`. */
  readonly sortop: string | null;
  readonly comment: string | null;
}

const MODIFY: Readonly<Record<FinalModify, string>> = { r: 'READ_ONLY', s: 'SHAREABLE', w: 'READ_WRITE' };
const PARALLEL: Readonly<Record<AggregateRow['parallel'], string | undefined>> = { s: 'SAFE', r: 'RESTRICTED', u: undefined };

/** SQL expression: the name of the function in regproc column `col`, or NULL for none (0). */
const fn = (col: string) => `CASE WHEN ${col}::oid <> 0 THEN ${col}::text END`;

/**
 * `CREATE AGGREGATE` for each aggregate in the schemas (normal, ordered-set and hypothetical-set),
 * built from pg_aggregate with every option that differs from its default, and its comment.
 * Function and type names come qualified (the export empties search_path). pg_aggregate has the
 * same columns in PostgreSQL 12–18.
 */
export async function exportAggregates(ctx: ExportContext): Promise<SchemaObject[]> {
  const rows = await catalogRows<AggregateRow>(ctx, `
    SELECT n.nspname AS schema, p.proname AS name, format('%I.%I', n.nspname, p.proname) AS qname, a.aggkind AS kind,
      pg_get_function_arguments(p.oid) AS args, pg_get_function_identity_arguments(p.oid) AS "identityArgs",
      p.proparallel AS parallel,
      a.aggtransfn::text AS sfunc, format_type(a.aggtranstype, NULL) AS stype, a.aggtransspace AS sspace,
      ${fn('a.aggfinalfn')} AS finalfunc, a.aggfinalextra AS "finalExtra", a.aggfinalmodify AS "finalModify",
      ${fn('a.aggcombinefn')} AS combinefunc, ${fn('a.aggserialfn')} AS serialfunc, ${fn('a.aggdeserialfn')} AS deserialfunc,
      quote_literal(a.agginitval) AS initcond,
      ${fn('a.aggmtransfn')} AS msfunc, ${fn('a.aggminvtransfn')} AS minvfunc,
      CASE WHEN a.aggmtranstype <> 0 THEN format_type(a.aggmtranstype, NULL) END AS mstype, a.aggmtransspace AS msspace,
      ${fn('a.aggmfinalfn')} AS mfinalfunc, a.aggmfinalextra AS "mfinalExtra", a.aggmfinalmodify AS "mfinalModify",
      quote_literal(a.aggminitval) AS minitcond,
      (SELECT 'OPERATOR(' || quote_ident(opn.nspname) || '.' || o.oprname || ')' FROM pg_catalog.pg_operator o
       JOIN pg_catalog.pg_namespace opn ON opn.oid = o.oprnamespace WHERE o.oid = a.aggsortop) AS sortop,
      (SELECT 'COMMENT ON AGGREGATE ' || format('%I.%I', n.nspname, p.proname)
              || '(' || coalesce(nullif(pg_get_function_identity_arguments(p.oid), ''), '*') || ') IS ' || quote_literal(d.description) || ';'
       FROM pg_catalog.pg_description d WHERE d.classoid = 'pg_proc'::regclass AND d.objoid = p.oid) AS comment
    FROM pg_catalog.pg_aggregate a JOIN pg_catalog.pg_proc p ON p.oid = a.aggfnoid
    JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = ANY($1) AND ${exportable(ctx, 'p.oid', 'pg_proc')}
    ORDER BY n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)`);
  return rows.map((r): SchemaObject => ({
    type: 'AGGREGATE', schema: r.schema, name: r.name,
    sql: `CREATE AGGREGATE ${r.qname}(${r.args || '*'}) (\n    ${aggregateOptions(r).join(',\n    ')}\n);`
      + (r.comment ? `\n${r.comment}` : ''),
  }));
}

function aggregateOptions(r: AggregateRow): string[] {
  // CREATE AGGREGATE's default FINALFUNC_MODIFY: READ_ONLY for normal aggregates, READ_WRITE otherwise.
  const defaultModify: FinalModify = r.kind === 'n' ? 'r' : 'w';
  const finalOptions = (prefix: '' | 'M', func: string | null, extra: boolean, modify: FinalModify): string[] => {
    if (func === null) return [];
    return [`${prefix}FINALFUNC = ${func}`, ...(extra ? [`${prefix}FINALFUNC_EXTRA`] : []),
      ...(modify !== defaultModify ? [`${prefix}FINALFUNC_MODIFY = ${MODIFY[modify]}`] : [])];
  };
  const options = [`SFUNC = ${r.sfunc}`, `STYPE = ${r.stype}`];
  if (r.sspace !== 0) options.push(`SSPACE = ${r.sspace}`);
  options.push(...finalOptions('', r.finalfunc, r.finalExtra, r.finalModify));
  if (r.combinefunc !== null) options.push(`COMBINEFUNC = ${r.combinefunc}`);
  if (r.serialfunc !== null) options.push(`SERIALFUNC = ${r.serialfunc}`);
  if (r.deserialfunc !== null) options.push(`DESERIALFUNC = ${r.deserialfunc}`);
  if (r.initcond !== null) options.push(`INITCOND = ${r.initcond}`);
  if (r.msfunc !== null) {
    options.push(`MSFUNC = ${r.msfunc}`, `MINVFUNC = ${r.minvfunc}`, `MSTYPE = ${r.mstype}`);
    if (r.msspace !== 0) options.push(`MSSPACE = ${r.msspace}`);
    options.push(...finalOptions('M', r.mfinalfunc, r.mfinalExtra, r.mfinalModify));
    if (r.minitcond !== null) options.push(`MINITCOND = ${r.minitcond}`);
  }
  if (r.sortop !== null) options.push(`SORTOP = ${r.sortop}`);
  if (r.kind === 'h') options.push('HYPOTHETICAL');
  const parallel = PARALLEL[r.parallel];
  if (parallel) options.push(`PARALLEL = ${parallel}`);
  return options;
}

/**
 * `GRANT EXECUTE ON FUNCTION` for aggregates whose ACL is set (the owner's own privilege is
 * implicit and skipped), in the same form the other grants take, after a `REVOKE EXECUTE … FROM
 * PUBLIC` where the ACL no longer gives PUBLIC its default EXECUTE (as for functions, see
 * `exportGrants`); only with grants requested.
 */
export async function exportAggregateGrants(ctx: ExportContext): Promise<SchemaObject[]> {
  const rows = await catalogRows<{ schema: string; name: string; sql: string }>(ctx, `
    WITH objects AS (
      SELECT 'pg_proc'::regclass AS classid, p.oid, n.nspname AS schema, p.proname AS name,
             'FUNCTION ' || p.oid::regprocedure::text AS target, p.proacl AS acl, p.proowner AS owner, 'f'::"char" AS aclkind
      FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = ANY($1) AND p.prokind = 'a' AND ${exportable(ctx, 'p.oid', 'pg_proc')}
    )
    SELECT schema, name, sql FROM (
      SELECT o.schema, o.name, o.target, 0 AS step,
        'REVOKE ' || string_agg(r.privilege_type, ', ' ORDER BY r.privilege_type) || ' ON ' || o.target || ' FROM PUBLIC;' AS sql
      FROM objects o CROSS JOIN LATERAL (${PUBLIC_DEFAULTS_REVOKED_SQL}) r
      GROUP BY o.schema, o.name, o.target
    UNION ALL
      SELECT o.schema, o.name, o.target, 1,
        'GRANT EXECUTE ON ' || o.target || ' TO '
          || CASE WHEN acl.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END
          || CASE WHEN acl.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END || ';'
      FROM objects o CROSS JOIN LATERAL aclexplode(o.acl) acl LEFT JOIN pg_catalog.pg_roles r ON r.oid = acl.grantee
      WHERE acl.grantee <> o.owner
    ) statements
    ORDER BY schema, name, target, step, sql`);
  return rows.map((r): SchemaObject => ({ type: 'GRANT', schema: r.schema, name: r.name, sql: r.sql }));
}
