import type pg from 'pg';

/** A YSQL endpoint of a YugabyteDB cluster, as `yb_servers()` lists it. */
export interface YbNode {
  readonly host: string;
  readonly port: number;
  readonly zone?: string;
}

/** Lists the cluster's nodes; only called when the server said it is YugabyteDB. */
export async function discoverYbNodes(client: pg.Client): Promise<YbNode[]> {
  const r = await client.query('SELECT host, port, zone FROM yb_servers() ORDER BY host, port');
  return r.rows.map((row) => ({ host: String(row.host), port: Number(row.port), zone: row.zone ?? undefined }));
}

/**
 * Spreads `jobs` connections over the nodes round-robin so every node takes a share of the load.
 * With no node list (plain PostgreSQL, or yb_servers() unreachable) every job uses the given endpoint.
 */
export function assignConnections(nodes: readonly YbNode[], jobs: number, fallback: YbNode): YbNode[] {
  const pool = nodes.length > 0 ? nodes : [fallback];
  return Array.from({ length: jobs }, (_, i) => pool[i % pool.length]!);
}
