import { catalogRows, notExtensionMember, type ExportContext } from './export-context.js';

/** An object the schema export does not write, which the user has to create on the target by hand. */
export interface UnexportedObject {
  /** What it is, in words: `operator`, `cast`, `text search configuration`, … */
  readonly kind: string;
  /** Its schema-qualified name, with the argument or type list where the name alone is ambiguous. */
  readonly name: string;
}

/** One catalog query per kind, selecting the names of the user's own objects of that kind in the schemas `$1`. */
const KINDS: readonly { readonly kind: string; readonly sql: string }[] = [
  {
    kind: 'base type',
    sql: `SELECT format('%I.%I', n.nspname, t.typname) FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
          WHERE n.nspname = ANY($1) AND t.typtype = 'b' AND ${notExtensionMember('t.oid', 'pg_type')}`,
  },
  {
    // Shell operators (oprcode 0, left by a COMMUTATOR or NEGATOR naming an undefined operator) do nothing.
    kind: 'operator',
    sql: `SELECT format('%I.', n.nspname) || o.oprname || ' ('
                 || CASE WHEN o.oprleft = 0 THEN 'NONE' ELSE format_type(o.oprleft, NULL) END || ', '
                 || CASE WHEN o.oprright = 0 THEN 'NONE' ELSE format_type(o.oprright, NULL) END || ')'
          FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
          WHERE n.nspname = ANY($1) AND o.oprcode <> 0 AND ${notExtensionMember('o.oid', 'pg_operator')}`,
  },
  {
    // A family that CREATE OPERATOR CLASS made for itself (same name) comes back with the class.
    kind: 'operator family',
    sql: `SELECT format('%I.%I', n.nspname, f.opfname) || ' USING ' || quote_ident(am.amname)
          FROM pg_catalog.pg_opfamily f JOIN pg_catalog.pg_namespace n ON n.oid = f.opfnamespace
          JOIN pg_catalog.pg_am am ON am.oid = f.opfmethod
          WHERE n.nspname = ANY($1) AND ${notExtensionMember('f.oid', 'pg_opfamily')}
            AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_opclass c WHERE c.opcfamily = f.oid AND c.opcname = f.opfname
                            AND c.opcnamespace = f.opfnamespace)`,
  },
  {
    kind: 'operator class',
    sql: `SELECT format('%I.%I', n.nspname, c.opcname) || ' USING ' || quote_ident(am.amname)
          FROM pg_catalog.pg_opclass c JOIN pg_catalog.pg_namespace n ON n.oid = c.opcnamespace
          JOIN pg_catalog.pg_am am ON am.oid = c.opcmethod
          WHERE n.nspname = ANY($1) AND ${notExtensionMember('c.oid', 'pg_opclass')}`,
  },
  {
    kind: 'cast',
    sql: `SELECT '(' || format_type(c.castsource, NULL) || ' AS ' || format_type(c.casttarget, NULL) || ')'
          FROM pg_catalog.pg_cast c
          WHERE ${notExtensionMember('c.oid', 'pg_cast')} AND EXISTS (
            SELECT 1 FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
            WHERE t.oid IN (c.castsource, c.casttarget) AND n.nspname = ANY($1)
            UNION ALL
            SELECT 1 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
            WHERE p.oid = c.castfunc AND n.nspname = ANY($1))`,
  },
  ...([['parser', 'pg_ts_parser', 'prs'], ['template', 'pg_ts_template', 'tmpl'], ['dictionary', 'pg_ts_dict', 'dict'],
    ['configuration', 'pg_ts_config', 'cfg']] as const).map(([what, catalog, prefix]) => ({
    kind: `text search ${what}`,
    sql: `SELECT format('%I.%I', n.nspname, x.${prefix}name) FROM pg_catalog.${catalog} x
          JOIN pg_catalog.pg_namespace n ON n.oid = x.${prefix}namespace
          WHERE n.nspname = ANY($1) AND ${notExtensionMember('x.oid', catalog)}`,
  })),
  {
    kind: 'conversion',
    sql: `SELECT format('%I.%I', n.nspname, c.conname) FROM pg_catalog.pg_conversion c
          JOIN pg_catalog.pg_namespace n ON n.oid = c.connamespace
          WHERE n.nspname = ANY($1) AND ${notExtensionMember('c.oid', 'pg_conversion')}`,
  },
  {
    kind: 'foreign table',
    sql: `SELECT format('%I.%I', n.nspname, c.relname) || ' (server ' || quote_ident(s.srvname) || ')'
          FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_catalog.pg_foreign_table ft ON ft.ftrelid = c.oid JOIN pg_catalog.pg_foreign_server s ON s.oid = ft.ftserver
          WHERE n.nspname = ANY($1) AND c.relkind = 'f' AND ${notExtensionMember('c.oid', 'pg_class')}`,
  },
  {
    // Event triggers belong to the database, not to a schema: all are listed. (Every query gets the
    // schema list as $1; this one only gives it a type.)
    kind: 'event trigger',
    sql: `SELECT quote_ident(e.evtname) FROM pg_catalog.pg_event_trigger e
          WHERE ${notExtensionMember('e.oid', 'pg_event_trigger')} AND $1::text[] IS NOT NULL`,
  },
];

/** Column privileges, one entry per table: only reported when grants are exported. */
const COLUMN_PRIVILEGES_SQL = `
  SELECT format('%I.%I', n.nspname, c.relname) || ' (' || string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) || ')'
  FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = ANY($1) AND a.attnum > 0 AND NOT a.attisdropped AND a.attacl IS NOT NULL
    AND ${notExtensionMember('c.oid', 'pg_class')}
  GROUP BY n.nspname, c.relname`;

/**
 * The objects in the exported schemas (and the database's event triggers) that `export schema`
 * does not write: operators, operator classes and families, casts of the schemas' types, text
 * search objects, conversions, base types, foreign tables, event triggers and, when grants are
 * exported, column privileges. Objects that belong to an extension are left out (the extension
 * brings them). Sorted by kind, then name.
 *
 * @example
 * await findUnexportedObjects(ctx, false) // [{ kind: 'operator', name: 'app.=== (integer, integer)' }]
 */
export async function findUnexportedObjects(ctx: ExportContext, includeGrants: boolean): Promise<UnexportedObject[]> {
  const kinds = [...KINDS, ...(includeGrants ? [{ kind: 'column privileges', sql: COLUMN_PRIVILEGES_SQL }] : [])];
  const out: UnexportedObject[] = [];
  for (const { kind, sql } of kinds) {
    const rows = await catalogRows<{ name: string }>(ctx, `SELECT name FROM (${sql}) found(name) ORDER BY name COLLATE "C"`);
    out.push(...rows.map((r) => ({ kind, name: r.name })));
  }
  return out;
}
