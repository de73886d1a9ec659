import type { PgServer } from './pg-server.js';

/**
 * An ordered checksum of every user table in the given schemas: row count and md5 over the rows'
 * text form in primary-key order. Equal maps mean equal data, row by row.
 */
export async function tableChecksums(server: PgServer, db: string, schemas: string[]): Promise<Map<string, string>> {
  const c = await server.client(db);
  try {
    const tables = await c.query(`
      SELECT n.nspname AS s, cl.relname AS t,
             (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY array_position(i.indkey::int2[], a.attnum))
                FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
               WHERE i.indrelid = cl.oid AND i.indisprimary) AS pk
        FROM pg_class cl JOIN pg_namespace n ON n.oid = cl.relnamespace
       WHERE n.nspname = ANY($1) AND cl.relkind IN ('r', 'p') AND NOT cl.relispartition
       ORDER BY 1, 2`, [schemas]);
    const out = new Map<string, string>();
    for (const row of tables.rows) {
      const q = `${quote(row.s)}.${quote(row.t)}`;
      const order = row.pk ?? 'x::text';
      const r = await c.query(`SELECT count(*)::text AS n, coalesce(md5(string_agg(x::text, E'\\n' ORDER BY ${row.pk ? row.pk.split(', ').map((p: string) => `x.${p}`).join(', ') : order})), '') AS h FROM ${q} x`);
      out.set(`${row.s}.${row.t}`, `${r.rows[0].n}:${r.rows[0].h}`);
    }
    return out;
  } finally {
    await c.end();
  }
}

function quote(n: string): string {
  return `"${n.replace(/"/g, '""')}"`;
}
