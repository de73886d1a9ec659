import type pg from 'pg';
import type { TargetNode } from '../../core/engine/target.js';

/** A YSQL endpoint of a YugabyteDB cluster, as `yb_servers()` lists it. */
export type YbNode = TargetNode;

/** Lists the cluster's nodes; only called when the server said it is YugabyteDB. */
export async function discoverYbNodes(client: pg.Client): Promise<YbNode[]> {
  const r = await client.query('SELECT host, port, zone FROM yb_servers() ORDER BY host, port');
  return r.rows.map((row) => ({ host: String(row.host), port: Number(row.port), zone: row.zone ?? undefined }));
}
