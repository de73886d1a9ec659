import { CREDENTIAL_PLACEHOLDER, type SchemaObject } from '../../../core/schema-object.js';
import { catalogRows, collationName, exportable, type ExportContext } from './export-context.js';

/** SQL expression: `OPTIONS (k 'v', …)` (with a leading space) of an options array, or ''. */
const optionsClause = (arrayExpr: string): string =>
  `coalesce(' OPTIONS (' || (SELECT string_agg(quote_ident(o.option_name) || ' ' || quote_literal(o.option_value), ', ')
     FROM pg_catalog.pg_options_to_table(${arrayExpr}) o) || ')', '')`;

/** Foreign tables of the exported schemas (relkind f). */
const FOREIGN_TABLES = `
  SELECT c.oid, n.nspname AS schema, c.relname AS name, format('%I.%I', n.nspname, c.relname) AS qname, ft.ftserver,
    ft.ftoptions, c.relispartition, pg_get_expr(c.relpartbound, c.oid) AS bound
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_foreign_table ft ON ft.ftrelid = c.oid
  WHERE n.nspname = ANY($1) AND c.relkind = 'f'`;

interface ForeignTableRow {
  readonly schema: string;
  readonly name: string;
  readonly sql: string;
}

interface ServerRow {
  readonly name: string;
  readonly wrapperName: string;
  /** `CREATE EXTENSION IF NOT EXISTS …` or `CREATE FOREIGN DATA WRAPPER …`. */
  readonly wrapper: string;
  readonly server: string;
  /** The server's `CREATE USER MAPPING` statements, one a line, or null. */
  readonly mappings: string | null;
}

/**
 * Foreign tables (`FOREIGN_TABLE`), preceded in the same group by what they need: the foreign-data
 * wrappers of their servers (`CREATE EXTENSION IF NOT EXISTS` for a wrapper an extension brings,
 * such as postgres_fdw, else `CREATE FOREIGN DATA WRAPPER`), the servers with their options, and
 * the servers' user mappings. A user mapping's options are credentials: their names are exported,
 * each value is {@link CREDENTIAL_PLACEHOLDER} for the user to fill in (only the flag
 * `password_required` keeps its value); the values never leave the source. A mapping without
 * options (or whose options the export's user may not read) gets a comment saying so. A foreign
 * table has its columns (type, collation, NOT NULL, default, generated expression, per-column
 * options), its CHECK constraints, INHERITS, server and options. Their data stays on the remote
 * server. A foreign table that is a partition on the source is written unattached, with the
 * `ALTER TABLE … ATTACH PARTITION` to run after the data as a comment: the snapshot copies a
 * partitioned table through all its partitions, and attached on the target it would send the
 * remote rows back into the remote table.
 *
 * @example
 * await exportForeignData(ctx)
 * // [{ type: 'FOREIGN_TABLE', schema: 'app', name: 'remote',
 * //    sql: "CREATE EXTENSION IF NOT EXISTS postgres_fdw;\nCREATE SERVER remote FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host 'db2');\n…" }, …]
 */
export async function exportForeignData(ctx: ExportContext): Promise<SchemaObject[]> {
  const tables = await catalogRows<ForeignTableRow>(ctx, `
    WITH ft AS (${FOREIGN_TABLES} AND ${exportable(ctx, 'c.oid', 'pg_class')})
    SELECT ft.schema, ft.name,
      CASE WHEN ft.relispartition THEN '-- On the source a partition of ' || parent.qname || ' (' || ft.bound || '). Its rows live on the remote'
             || E' server, so it is not attached here:\n-- the snapshot copies a partitioned table through every partition, this one'
             || E' included. Once the data is imported:\n-- ALTER TABLE ' || parent.qname || ' ATTACH PARTITION ' || ft.qname || ' ' || ft.bound
             || E';\n' ELSE '' END
      || 'CREATE FOREIGN TABLE ' || ft.qname || ' (' || concat_ws(', ', cols.list, cons.list) || ')'
        || coalesce(' INHERITS (' || (SELECT string_agg(format('%I.%I', pn.nspname, p.relname), ', ' ORDER BY i.inhseqno)
             FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
             JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace WHERE i.inhrelid = ft.oid AND NOT ft.relispartition) || ')', '')
        || ' SERVER ' || (SELECT quote_ident(s.srvname) FROM pg_catalog.pg_foreign_server s WHERE s.oid = ft.ftserver)
        || ${optionsClause('ft.ftoptions')} || ';'
        || coalesce(E'\\n' || notvalid.list, '') AS sql
    FROM ft
    LEFT JOIN LATERAL (
      SELECT string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod)
               || ${optionsClause('a.attfdwoptions')}
               || CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN ' COLLATE ' || ${collationName('a.attcollation')} ELSE '' END
               || CASE WHEN a.attgenerated = 's' THEN ' GENERATED ALWAYS AS (' || pg_get_expr(d.adbin, d.adrelid) || ') STORED'
                       WHEN d.adbin IS NOT NULL THEN ' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid) ELSE '' END
               || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END, ', ' ORDER BY a.attnum) AS list
      FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
      LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = ft.oid AND a.attnum > 0 AND NOT a.attisdropped AND (a.attislocal OR ft.relispartition)) cols ON true
    LEFT JOIN LATERAL (
      SELECT format('%I.%I', pn.nspname, p.relname) AS qname FROM pg_catalog.pg_inherits i
      JOIN pg_catalog.pg_class p ON p.oid = i.inhparent JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
      WHERE i.inhrelid = ft.oid AND ft.relispartition) parent ON true
    LEFT JOIN LATERAL (
      SELECT string_agg('CONSTRAINT ' || quote_ident(co.conname) || ' ' || pg_get_constraintdef(co.oid), ', ' ORDER BY co.conname) AS list
      FROM pg_catalog.pg_constraint co WHERE co.conrelid = ft.oid AND co.contype = 'c' AND co.conislocal AND co.convalidated) cons ON true
    LEFT JOIN LATERAL (
      -- A foreign table's constraints are never checked against remote rows; keep an unvalidated one as it was.
      SELECT string_agg('ALTER FOREIGN TABLE ' || ft.qname || ' ADD CONSTRAINT ' || quote_ident(co.conname) || ' '
               || pg_get_constraintdef(co.oid) || ';', E'\\n' ORDER BY co.conname) AS list
      FROM pg_catalog.pg_constraint co WHERE co.conrelid = ft.oid AND co.contype = 'c' AND co.conislocal AND NOT co.convalidated) notvalid ON true
    ORDER BY ft.relispartition, ft.schema, ft.name`);
  if (tables.length === 0) return [];

  const servers = await catalogRows<ServerRow>(ctx, `
    WITH used AS (SELECT DISTINCT ft.ftserver AS oid FROM (${FOREIGN_TABLES} AND ${exportable(ctx, 'c.oid', 'pg_class')}) ft)
    SELECT s.srvname AS name, w.fdwname AS "wrapperName",
      CASE WHEN e.extname IS NOT NULL THEN 'CREATE EXTENSION IF NOT EXISTS ' || quote_ident(e.extname) || ';'
           ELSE 'CREATE FOREIGN DATA WRAPPER ' || quote_ident(w.fdwname)
                || CASE WHEN w.fdwhandler <> 0 THEN ' HANDLER ' || w.fdwhandler::regproc::text ELSE ' NO HANDLER' END
                || CASE WHEN w.fdwvalidator <> 0 THEN ' VALIDATOR ' || w.fdwvalidator::regproc::text ELSE ' NO VALIDATOR' END
                || ${optionsClause('w.fdwoptions')} || ';'
      END AS wrapper,
      'CREATE SERVER ' || quote_ident(s.srvname) || coalesce(' TYPE ' || quote_literal(s.srvtype), '')
        || coalesce(' VERSION ' || quote_literal(s.srvversion), '') || ' FOREIGN DATA WRAPPER ' || quote_ident(w.fdwname)
        || ${optionsClause('s.srvoptions')} || ';' AS server,
      (SELECT string_agg(
         CASE WHEN um.umoptions IS NULL
              THEN '-- No options could be read for this user mapping (none, or the export''s user may not see them): add any by hand.' || E'\n'
              ELSE '' END
         || 'CREATE USER MAPPING FOR ' || CASE WHEN um.umuser = 0 THEN 'PUBLIC' ELSE quote_ident(um.usename) END
         || ' SERVER ' || quote_ident(s.srvname)
         -- Only the option names leave the server; each value is the placeholder (password_required is a flag).
         || coalesce(' OPTIONS (' || (SELECT string_agg(quote_ident(split_part(o, '=', 1)) || ' '
              || CASE WHEN split_part(o, '=', 1) = 'password_required' THEN quote_literal(substr(o, strpos(o, '=') + 1))
                      ELSE quote_literal($2) END, ', ')
            FROM unnest(um.umoptions) o) || ')', '') || ';', E'\n' ORDER BY um.usename)
       FROM pg_catalog.pg_user_mappings um WHERE um.srvid = s.oid) AS mappings
    FROM pg_catalog.pg_foreign_server s JOIN used ON used.oid = s.oid
    JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw
    LEFT JOIN pg_catalog.pg_depend dep ON dep.classid = 'pg_foreign_data_wrapper'::regclass AND dep.objid = w.oid AND dep.deptype = 'e'
    LEFT JOIN pg_catalog.pg_extension e ON e.oid = dep.refobjid
    ORDER BY s.srvname`, [CREDENTIAL_PLACEHOLDER]);

  // Wrappers and servers belong to the database, not to a schema: like schemas, they are their own "schema".
  const wrappers = new Map(servers.map((s) => [s.wrapperName, s.wrapper] as const));
  return [
    ...[...wrappers].map(([name, sql]): SchemaObject => ({ type: 'FOREIGN_TABLE', schema: name, name, sql })),
    ...servers.map((s): SchemaObject => ({
      type: 'FOREIGN_TABLE', schema: s.name, name: s.name, sql: s.mappings ? `${s.server}\n${s.mappings}` : s.server,
    })),
    ...tables.map((t): SchemaObject => ({ type: 'FOREIGN_TABLE', schema: t.schema, name: t.name, sql: t.sql })),
  ];
}
