import type pg from 'pg';
import { notExtensionMember } from './export-context.js';

/**
 * Objects the export leaves out that other objects can depend on: base types written in C and text
 * search parsers and templates (their functions are C code the target may not have). The other
 * kinds left out (conversions, event triggers, column privileges) have no dependents.
 */
const ROOTS_SQL = `
  SELECT 'pg_type'::regclass::oid AS classid, t.oid, 'base type' AS kind, format('%I.%I', n.nspname, t.typname) AS name
  FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
  WHERE n.nspname = ANY($1) AND t.typtype = 'b' AND ${notExtensionMember('t.oid', 'pg_type')}
  UNION ALL
  SELECT 'pg_ts_parser'::regclass::oid, x.oid, 'text search parser', format('%I.%I', n.nspname, x.prsname)
  FROM pg_catalog.pg_ts_parser x JOIN pg_catalog.pg_namespace n ON n.oid = x.prsnamespace
  WHERE n.nspname = ANY($1) AND ${notExtensionMember('x.oid', 'pg_ts_parser')}
  UNION ALL
  SELECT 'pg_ts_template'::regclass::oid, x.oid, 'text search template', format('%I.%I', n.nspname, x.tmplname)
  FROM pg_catalog.pg_ts_template x JOIN pg_catalog.pg_namespace n ON n.oid = x.tmplnamespace
  WHERE n.nspname = ANY($1) AND ${notExtensionMember('x.oid', 'pg_ts_template')}`;

/**
 * Everything that depends on a root, directly or not (pg_depend rows of the normal, auto, internal
 * and partition kinds), each dependent folded into the object the export writes: a column, its
 * default or a validated CHECK into its table, a domain CHECK into its domain, a view's _RETURN rule
 * into the view, an operator class member into its class (or family). $1 = the roots' class ids,
 * $2 = their oids (the same order).
 */
const CLOSURE_SQL = `
  WITH RECURSIVE closure(classid, objid, root) AS (
    SELECT r.classid, r.objid, r.ord FROM unnest($1::oid[], $2::oid[]) WITH ORDINALITY AS r(classid, objid, ord)
    UNION
    SELECT f.classid, f.objid, c.root
    FROM closure c
    JOIN pg_catalog.pg_depend d ON d.refclassid = c.classid AND d.refobjid = c.objid AND d.deptype IN ('n', 'a', 'i', 'P', 'S')
    CROSS JOIN LATERAL (
      SELECT CASE
        WHEN d.classid = 'pg_attrdef'::regclass THEN 'pg_class'::regclass::oid
        WHEN d.classid = 'pg_constraint'::regclass THEN
          (SELECT CASE WHEN co.contypid <> 0 THEN 'pg_type'::regclass::oid
                       WHEN co.contype IN ('c', 'p', 'n') AND co.convalidated THEN 'pg_class'::regclass::oid
                       ELSE d.classid END
           FROM pg_catalog.pg_constraint co WHERE co.oid = d.objid)
        WHEN d.classid = 'pg_rewrite'::regclass AND (SELECT rulename FROM pg_catalog.pg_rewrite WHERE oid = d.objid) = '_RETURN'
          THEN 'pg_class'::regclass::oid
        WHEN d.classid IN ('pg_amop'::regclass, 'pg_amproc'::regclass) THEN
          (SELECT m.refclassid FROM pg_catalog.pg_depend m WHERE m.classid = d.classid AND m.objid = d.objid
             AND m.refclassid IN ('pg_opclass'::regclass, 'pg_opfamily'::regclass) AND m.deptype IN ('i', 'a')
           ORDER BY m.refclassid = 'pg_opclass'::regclass DESC LIMIT 1)
        ELSE d.classid END AS classid,
      CASE
        WHEN d.classid = 'pg_attrdef'::regclass THEN (SELECT adrelid FROM pg_catalog.pg_attrdef WHERE oid = d.objid)
        WHEN d.classid = 'pg_constraint'::regclass THEN
          (SELECT CASE WHEN co.contypid <> 0 THEN co.contypid
                       WHEN co.contype IN ('c', 'p', 'n') AND co.convalidated THEN co.conrelid
                       ELSE co.oid END
           FROM pg_catalog.pg_constraint co WHERE co.oid = d.objid)
        WHEN d.classid = 'pg_rewrite'::regclass AND (SELECT rulename FROM pg_catalog.pg_rewrite WHERE oid = d.objid) = '_RETURN'
          THEN (SELECT ev_class FROM pg_catalog.pg_rewrite WHERE oid = d.objid)
        WHEN d.classid IN ('pg_amop'::regclass, 'pg_amproc'::regclass) THEN
          (SELECT m.refobjid FROM pg_catalog.pg_depend m WHERE m.classid = d.classid AND m.objid = d.objid
             AND m.refclassid IN ('pg_opclass'::regclass, 'pg_opfamily'::regclass) AND m.deptype IN ('i', 'a')
           ORDER BY m.refclassid = 'pg_opclass'::regclass DESC LIMIT 1)
        ELSE d.objid END AS objid
    ) f
    WHERE f.classid IS NOT NULL AND f.objid IS NOT NULL
  )
  SELECT c.classid::int AS classid, cat.relname AS catalog, c.objid::int AS objid, c.root::int AS root,
    pg_catalog.pg_describe_object(c.classid, c.objid, 0) AS description,
    -- What the export writes as an object of its own (not arrays, row types, toast tables, constraint indexes and the like).
    CASE
      WHEN c.classid = 'pg_class'::regclass THEN (SELECT r.relnamespace <> 'pg_toast'::regnamespace AND (r.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
             OR (r.relkind IN ('i', 'I') AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conindid = r.oid)))
           FROM pg_catalog.pg_class r WHERE r.oid = c.objid)
      WHEN c.classid = 'pg_type'::regclass THEN (SELECT t.typtype IN ('b', 'd', 'e', 'r') OR (t.typtype = 'c'
             AND (SELECT relkind FROM pg_catalog.pg_class WHERE oid = t.typrelid) = 'c') FROM pg_catalog.pg_type t WHERE t.oid = c.objid)
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type e WHERE e.typarray = c.objid)
      WHEN c.classid = 'pg_trigger'::regclass THEN NOT (SELECT tgisinternal FROM pg_catalog.pg_trigger WHERE oid = c.objid)
      ELSE c.classid IN ('pg_proc'::regclass, 'pg_constraint'::regclass, 'pg_rewrite'::regclass, 'pg_policy'::regclass,
        'pg_statistic_ext'::regclass, 'pg_operator'::regclass, 'pg_opclass'::regclass, 'pg_opfamily'::regclass,
        'pg_cast'::regclass, 'pg_ts_dict'::regclass, 'pg_ts_config'::regclass, 'pg_collation'::regclass)
    END AS listed
  FROM closure c JOIN pg_catalog.pg_class cat ON cat.oid = c.classid
  ORDER BY c.root, pg_catalog.pg_describe_object(c.classid, c.objid, 0) COLLATE "C"`;

/** A root the export leaves out, with the objects that go with it. */
export interface SkippedRoot {
  readonly kind: string;
  readonly name: string;
  /** `pg_describe_object` of each object the export would have written and now leaves out with the root. */
  readonly dependents: readonly string[];
}

/** What the export leaves out because it depends on a left-out object. */
export interface SkippedDependents {
  /** Per catalog (`pg_class`, `pg_proc`, …), the oids the exporters must not write. */
  readonly excluded: ReadonlyMap<string, readonly number[]>;
  readonly roots: readonly SkippedRoot[];
}

/**
 * Finds the objects of the schemas `schemas` that the export leaves out and that others can depend
 * on (see ROOTS_SQL), and everything that depends on them: those are left out too (they could not
 * be created on the target), and named with their root in the export's warning.
 *
 * @example
 * const { excluded, roots } = await findSkippedDependents(client, ['app']);
 * // roots: [{ kind: 'base type', name: 'app.money2', dependents: ['table app.prices', 'function app.money2_in(cstring)'] }]
 */
export async function findSkippedDependents(client: pg.Client, schemas: readonly string[]): Promise<SkippedDependents> {
  const roots = (await client.query<{ classid: number; oid: number; kind: string; name: string }>(
    `SELECT classid::int AS classid, oid::int AS oid, kind, name FROM (${ROOTS_SQL}) r ORDER BY kind, name COLLATE "C"`, [schemas])).rows;
  if (roots.length === 0) return { excluded: new Map(), roots: [] };
  const rows = (await client.query<{ classid: number; catalog: string; objid: number; root: number; description: string; listed: boolean | null }>(
    CLOSURE_SQL, [roots.map((r) => r.classid), roots.map((r) => r.oid)])).rows;
  const excluded = new Map<string, number[]>();
  for (const row of rows) {
    const list = excluded.get(row.catalog) ?? [];
    if (!list.includes(row.objid)) list.push(row.objid);
    excluded.set(row.catalog, list);
  }
  return {
    excluded,
    roots: roots.map((r, i) => ({
      kind: r.kind,
      name: r.name,
      dependents: rows.filter((row) => row.root === i + 1 && row.listed === true && !(row.classid === r.classid && row.objid === r.oid)).map((row) => row.description),
    })),
  };
}
