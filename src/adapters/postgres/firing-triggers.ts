import type pg from 'pg';

/** A trigger that fires even in a replica-mode session (ENABLE ALWAYS or ENABLE REPLICA). */
export interface FiringTrigger {
  /** The table, schema-qualified and quoted as SQL needs it. */
  table: string;
  /** The trigger's name, quoted as SQL needs it. */
  trigger: string;
  mode: 'ALWAYS' | 'REPLICA';
}

/**
 * The triggers of the given tables (by oid, or by schema and name) that session_replication_role =
 * replica does not switch off: the writers' sessions would fire them for every replicated row.
 */
export async function readFiringTriggers(client: pg.Client, tables: { oids: number[] } | { names: { schema: string; name: string }[] }): Promise<FiringTrigger[]> {
  const byOid = 'oids' in tables;
  const r = await client.query(
    `SELECT format('%I.%I', n.nspname, c.relname) AS tbl, quote_ident(t.tgname) AS trg, t.tgenabled AS mode
       FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE ${byOid ? 'c.oid = ANY($1::oid[])' : '(n.nspname, c.relname) IN (SELECT * FROM unnest($1::text[], $2::text[]))'}
        AND NOT t.tgisinternal AND t.tgenabled IN ('A', 'R') ORDER BY 1, 2`,
    byOid ? [tables.oids] : [tables.names.map((x) => x.schema), tables.names.map((x) => x.name)]);
  return r.rows.map((x) => ({ table: String(x.tbl), trigger: String(x.trg), mode: x.mode === 'A' ? 'ALWAYS' : 'REPLICA' }));
}
