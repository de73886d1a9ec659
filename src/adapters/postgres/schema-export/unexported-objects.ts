import { catalogRows, notExtensionMember, type ExportContext } from './export-context.js';
import { findOutsideReferences } from './outside-types.js';

/** An object the schema export does not write, which the user has to create on the target by hand. */
export interface UnexportedObject {
  /** What it is, in words: `base type`, `conversion`, `event trigger`, … */
  readonly kind: string;
  /**
   * Its schema-qualified name, followed by the objects left out with it because they depend on it:
   * `app.money2 (and what depends on it: table app.prices, view app.price_list)`.
   */
  readonly name: string;
}

/** One catalog query per kind, selecting the names of the user's own objects of that kind in the schemas `$1`. */
const KINDS: readonly { readonly kind: string; readonly sql: string }[] = [
  {
    kind: 'base type',
    sql: `SELECT format('%I.%I', n.nspname, t.typname) FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
          WHERE n.nspname = ANY($1) AND t.typtype = 'b' AND ${notExtensionMember('t.oid', 'pg_type')}`,
  },
  // Parsers and templates are C code; dictionaries and configurations are exported (text-search-export).
  ...([['parser', 'pg_ts_parser', 'prs'], ['template', 'pg_ts_template', 'tmpl']] as const).map(([what, catalog, prefix]) => ({
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
    // Event triggers belong to the database, not to a schema: all are listed. (Every query gets the
    // schema list as $1; this one only gives it a type.)
    kind: 'event trigger',
    sql: `SELECT quote_ident(e.evtname) FROM pg_catalog.pg_event_trigger e
          WHERE ${notExtensionMember('e.oid', 'pg_event_trigger')} AND $1::text[] IS NOT NULL`,
  },
  {
    // Settings of the database (ALTER DATABASE … SET, ALTER ROLE … IN DATABASE … SET), e.g. a
    // search_path the application relies on or a custom setting its functions read. Only the names:
    // a value may be a secret.
    kind: 'database setting (ALTER DATABASE … SET)',
    sql: `SELECT split_part(cfg, '=', 1) || coalesce(' for role ' || quote_ident(r.rolname), '')
          FROM pg_catalog.pg_db_role_setting s CROSS JOIN LATERAL unnest(s.setconfig) cfg
          LEFT JOIN pg_catalog.pg_roles r ON r.oid = s.setrole
          WHERE s.setdatabase = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = current_database())
            AND $1::text[] IS NOT NULL`,
  },
  {
    // ENABLE ALWAYS / ENABLE REPLICA: such a trigger would fire in Tandem's writing sessions on the
    // target (session_replication_role = replica) and repeat what the source's trigger did; the
    // export creates it ordinary (ALWAYS) or disabled (REPLICA), and names it to be set after the cutover.
    kind: 'trigger firing mode (set it after the cutover: as it is, it would fire for every row Tandem writes)',
    sql: `SELECT format('ALTER TABLE %I.%I ENABLE %s TRIGGER %I', n.nspname, c.relname, CASE t.tgenabled WHEN 'A' THEN 'ALWAYS' ELSE 'REPLICA' END, t.tgname)
          FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = ANY($1) AND NOT t.tgisinternal AND t.tgenabled IN ('A', 'R') AND ${notExtensionMember('c.oid', 'pg_class')}
            -- a partition's clone of its parent's trigger follows the parent's
            AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_trigger pt ON pt.tgrelid = i.inhparent AND pt.tgname = t.tgname WHERE i.inhrelid = c.oid)`,
  },
  {
    // The same for rewrite rules (`exportRules`): created ordinary (ALWAYS) or disabled (REPLICA).
    kind: 'rule firing mode (set it after the cutover: as it is, it would rewrite every write Tandem makes)',
    sql: `SELECT format('ALTER TABLE %I.%I ENABLE %s RULE %I', n.nspname, c.relname, CASE r.ev_enabled WHEN 'A' THEN 'ALWAYS' ELSE 'REPLICA' END, r.rulename)
          FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class c ON c.oid = r.ev_class JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = ANY($1) AND r.rulename <> '_RETURN' AND r.ev_enabled IN ('A', 'R') AND ${notExtensionMember('c.oid', 'pg_class')}`,
  },
  {
    // The index a table was last CLUSTERed on (ALTER TABLE … CLUSTER ON): YugabyteDB has no CLUSTER
    // and keeps rows in primary-key order, so the mark is not exported.
    kind: 'CLUSTER ON mark (YugabyteDB has no CLUSTER: rows stay in primary-key order)',
    sql: `SELECT format('%I.%I', n.nspname, tc.relname) || ' on ' || quote_ident(ic.relname)
          FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
          JOIN pg_catalog.pg_class tc ON tc.oid = i.indrelid JOIN pg_catalog.pg_namespace n ON n.oid = tc.relnamespace
          WHERE n.nspname = ANY($1) AND i.indisclustered AND ${notExtensionMember('tc.oid', 'pg_class')}`,
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
 * does not write: base types written in C, text search parsers and templates, conversions
 * (YugabyteDB has none), event triggers, the database's settings (`ALTER DATABASE … SET`, by name
 * only), the index each CLUSTERed table is marked with, and, when grants are exported, column privileges; each
 * base type, parser or template with the objects left out because they depend on it
 * (`ctx.skippedRoots`). Objects that belong to an extension are left out (the extension brings
 * them). Sorted by kind, then name; last, the objects of schemas not exported that exported objects
 * need (a table a foreign key references, a function a default calls), each with what needs it.
 *
 * @example
 * await findUnexportedObjects(ctx, false)
 * // [{ kind: 'base type', name: 'app.money2 (and what depends on it: table app.prices)' }, { kind: 'conversion', name: 'app.my_conv' }]
 */
export async function findUnexportedObjects(ctx: ExportContext, includeGrants: boolean): Promise<UnexportedObject[]> {
  const kinds = [...KINDS, ...(includeGrants ? [{ kind: 'column privileges', sql: COLUMN_PRIVILEGES_SQL }] : [])];
  const out: UnexportedObject[] = [];
  for (const { kind, sql } of kinds) {
    const rows = await catalogRows<{ name: string }>(ctx, `SELECT name FROM (${sql}) found(name) ORDER BY name COLLATE "C"`);
    out.push(...rows.map((r) => {
      const dependents = ctx.skippedRoots.find((root) => root.kind === kind && root.name === r.name)?.dependents ?? [];
      return { kind, name: dependents.length === 0 ? r.name : `${r.name} (and what depends on it: ${dependents.join(', ')})` };
    }));
  }
  // Last: what exported objects need from schemas not exported (import schema fails on those users).
  for (const r of await findOutsideReferences(ctx.client, ctx.schemas)) {
    out.push({ kind: 'object of a schema not in --source-db-schema', name: `${r.needed} (needed by ${r.users})` });
  }
  return out;
}
