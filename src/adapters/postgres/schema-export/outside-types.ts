import type pg from 'pg';
import { dependentSchema, notExtensionMember, objectSchema } from './export-context.js';

/** A type or domain of a schema the user did not list, which an exported object uses. */
export interface OutsideType {
  readonly oid: number;
  readonly schema: string;
  /** Schema-qualified and quoted, e.g. `public."Name"`. */
  readonly name: string;
}

/**
 * Finds the enum, range, standalone composite types and domains that live in a schema outside the
 * exported ones (typically `public`) but that an exported object uses: a column's type, a
 * function's argument, a domain's base type, and so on, directly or through another such type (a
 * domain over a domain, a composite's attribute). An array of such a type counts as the type.
 *
 * Without them the exported tables cannot be created on the target ("type public.x does not
 * exist"); the export writes their definitions too, the way it writes the extensions of `public`.
 * Types of system schemas and extension members are not listed (the extension is exported). $1 =
 * the exported schemas.
 */
const OUTSIDE_TYPES_SQL = `
  WITH RECURSIVE used(oid) AS (
    SELECT coalesce((SELECT e.oid FROM pg_catalog.pg_type e WHERE e.typarray = d.refobjid), d.refobjid)
    FROM pg_catalog.pg_depend d
    WHERE d.refclassid = 'pg_type'::regclass AND d.deptype = 'n'
      AND ${dependentSchema('d.classid', 'd.objid')} = ANY($1)
    UNION
    SELECT coalesce((SELECT e.oid FROM pg_catalog.pg_type e WHERE e.typarray = d.refobjid), d.refobjid)
    FROM used u JOIN pg_catalog.pg_type t ON t.oid = u.oid
    JOIN pg_catalog.pg_depend d ON d.refclassid = 'pg_type'::regclass AND d.deptype = 'n'
      AND ((d.classid = 'pg_type'::regclass AND d.objid = t.oid) OR (d.classid = 'pg_class'::regclass AND d.objid = t.typrelid))
  )
  SELECT t.oid::int AS oid, n.nspname AS schema, format('%I.%I', n.nspname, t.typname) AS name
  FROM used u JOIN pg_catalog.pg_type t ON t.oid = u.oid JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
  WHERE NOT n.nspname = ANY($1) AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
    AND (t.typtype IN ('d', 'e', 'r') OR (t.typtype = 'c' AND (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid) = 'c'))
    AND ${notExtensionMember('t.oid', 'pg_type')}
  ORDER BY n.nspname, t.typname`;

/** See {@link OUTSIDE_TYPES_SQL}. Runs with the export's empty search_path. */
export async function findOutsideTypes(client: pg.Client, schemas: readonly string[]): Promise<OutsideType[]> {
  const { rows } = await client.query<OutsideType>(OUTSIDE_TYPES_SQL, [schemas]);
  return rows;
}

/**
 * Objects of schemas not exported (other than the types and extensions the export brings along)
 * that exported objects need: a table a foreign key references or a view reads, a function a
 * default calls, a sequence. `import schema` would fail on each dependent ("does not exist"); the
 * export names them so the user can list their schema. One row per needed object, with what needs
 * it, both described by the server (`table hr.employee`, `constraint fk_x on table sales.rep`).
 * $1 = the exported schemas.
 */
const OUTSIDE_REFERENCES_SQL = `
  SELECT pg_catalog.pg_describe_object(d.refclassid, d.refobjid, 0) AS needed,
    string_agg(DISTINCT coalesce(
      (SELECT pg_catalog.pg_describe_object('pg_class'::regclass, rw.ev_class, 0) FROM pg_catalog.pg_rewrite rw
       WHERE d.classid = 'pg_rewrite'::regclass AND rw.oid = d.objid AND rw.rulename = '_RETURN'),
      pg_catalog.pg_describe_object(d.classid, d.objid, 0)), ', ') AS users
  FROM pg_catalog.pg_depend d
  WHERE d.deptype = 'n'
    AND d.refclassid IN ('pg_class'::regclass, 'pg_proc'::regclass, 'pg_operator'::regclass, 'pg_collation'::regclass)
    -- A foreign key also depends on the referenced key's index: the table says it.
    AND NOT (d.refclassid = 'pg_class'::regclass AND (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = d.refobjid) IN ('i', 'I'))
    AND ${dependentSchema('d.classid', 'd.objid')} = ANY($1)
    AND NOT ${objectSchema('d.refclassid', 'd.refobjid')} = ANY($1)
    AND ${objectSchema('d.refclassid', 'd.refobjid')} NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
    AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = d.refclassid AND e.objid = d.refobjid AND e.deptype = 'e')
  GROUP BY 1 ORDER BY 1`;

/** See {@link OUTSIDE_REFERENCES_SQL}; `needed` described with what uses it. */
export async function findOutsideReferences(client: pg.Client, schemas: readonly string[]): Promise<{ needed: string; users: string }[]> {
  const { rows } = await client.query<{ needed: string; users: string }>(OUTSIDE_REFERENCES_SQL, [schemas]);
  return rows;
}
