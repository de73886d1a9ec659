/**
 * Row-for-row verification for the offline benchmark: per table of schema `public` (every leaf table,
 * partitions included) the row count and an order-independent checksum (the sum of the first 64 bits
 * of each row's md5, over the row's text form), the sequences' last values, and the shape of the
 * schema (constraint and index definitions), so a tool that skipped an index or a foreign key cannot
 * look faster.
 */
import type { PgServer } from '../../test/helpers/pg-server.js';

/** What is compared between the source and a target. */
export interface DatabaseFingerprint {
  /** Table name to `count:checksum`. */
  readonly tables: ReadonlyMap<string, string>;
  /** Sequence name to its last value (0 when never used). */
  readonly sequences: ReadonlyMap<string, string>;
  /** Sorted `table: definition` lines of every constraint and index. */
  readonly objects: readonly string[];
}

const LEAF_TABLES = `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY c.relname`;

const OBJECTS = `SELECT conrelid::regclass::text || ': ' || pg_get_constraintdef(oid) AS d FROM pg_constraint
    WHERE connamespace = 'public'::regnamespace AND conrelid <> 0
  UNION ALL SELECT tablename || ': ' || regexp_replace(indexdef, 'INDEX \\S+ ON', 'INDEX ON') FROM pg_indexes WHERE schemaname = 'public'`;

/** Fingerprints `db`, checksumming the tables on `connections` connections at once. */
export async function fingerprint(server: PgServer, db: string, connections = 2): Promise<DatabaseFingerprint> {
  const names = (await server.sql(db, LEAF_TABLES)).map((r) => r.relname as string);
  const tables = new Map<string, string>();
  const queue = [...names];
  await Promise.all(Array.from({ length: connections }, async () => {
    const client = await server.client(db);
    try {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
        const q = `SELECT count(*) AS n, coalesce(sum(('x' || left(md5(t::text), 16))::bit(64)::bigint), 0) AS h FROM public."${name}" t`;
        const { rows } = await client.query(q);
        tables.set(name, `${rows[0].n}:${rows[0].h}`);
      }
    } finally {
      await client.end();
    }
  }));
  const sequences = new Map<string, string>();
  for (const r of await server.sql(db, "SELECT sequencename, coalesce(last_value, 0) AS v FROM pg_sequences WHERE schemaname = 'public'")) {
    sequences.set(r.sequencename as string, String(r.v));
  }
  const objects = (await server.sql(db, OBJECTS)).map((r) => r.d as string).sort();
  return { tables, sequences, objects };
}

/** The differences between the source's fingerprint and a target's, one line each; empty when equal. */
export function differences(source: DatabaseFingerprint, target: DatabaseFingerprint): string[] {
  const out: string[] = [];
  const compareMaps = (what: string, a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>) => {
    for (const [k, v] of a) if (b.get(k) !== v) out.push(`${what} ${k}: source ${v}, target ${b.get(k) ?? 'missing'}`);
    for (const k of b.keys()) if (!a.has(k)) out.push(`${what} ${k}: only on the target`);
  };
  compareMaps('table', source.tables, target.tables);
  compareMaps('sequence', source.sequences, target.sequences);
  const count = (xs: readonly string[]) => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());
  const a = count(source.objects);
  const b = count(target.objects);
  for (const [k, n] of a) if ((b.get(k) ?? 0) !== n) out.push(`schema object missing on the target: ${k}`);
  for (const [k, n] of b) if ((a.get(k) ?? 0) !== n) out.push(`schema object only on the target: ${k}`);
  return out;
}
