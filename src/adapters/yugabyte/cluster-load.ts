import type pg from 'pg';
import type { TargetLoad } from '../../core/engine/target.js';

/**
 * How busy a YugabyteDB cluster is, from `yb_servers_metrics()` (YugabyteDB 2.21 / 2024.1 and
 * later): one row per tablet server with its CPU use and memory. The snapshot import reads it while
 * it loads and gives up a loading connection when a node is over the limits below (the same signals
 * YugabyteDB Voyager's adaptive parallelism watches), on top of its own throughput measurements.
 *
 * NOT verified against a real YugabyteDB (it cannot run where Tandem is developed): the function's
 * columns (`uuid`, `metrics` as JSON of strings, `status`, `error`) and metric names come from
 * YugabyteDB's documentation and Voyager's source; tests run the SQL against a stand-in function on
 * PostgreSQL.
 */

/** Finds the function without calling it (it does not exist before YugabyteDB 2.21, nor on PostgreSQL). */
export const HAS_CLUSTER_METRICS_SQL = "SELECT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'yb_servers_metrics') AS present";

export const CLUSTER_METRICS_SQL = 'SELECT uuid::text AS uuid, metrics::text AS metrics, status::text AS status, error::text AS error FROM yb_servers_metrics()';

/** One tablet server as `yb_servers_metrics()` reports it; a metric it did not report is undefined. */
export interface NodeLoad {
  readonly uuid: string;
  /** `status = 'OK'`: the node answered and its metrics are current. */
  readonly ok: boolean;
  readonly error?: string;
  /** `cpu_usage_user + cpu_usage_system`: the share of the node's CPU in use, 0 to 1. */
  readonly cpu?: number;
  readonly memoryAvailable?: number;
  readonly memoryTotal?: number;
  readonly rootMemoryConsumption?: number;
  readonly rootMemorySoftLimit?: number;
}

/** When a node counts as overloaded. */
export interface LoadLimits {
  /** CPU share above which a node is busy (0.7: Voyager's default; headroom for compactions). */
  readonly maxCpu: number;
  /** Share of the node's memory that must stay available (0.1). */
  readonly minMemoryAvailable: number;
}

export const DEFAULT_LOAD_LIMITS: LoadLimits = { maxCpu: 0.7, minMemoryAvailable: 0.1 };

function metricNumber(metrics: Record<string, unknown>, name: string): number | undefined {
  const v = metrics[name];
  if (v === undefined || v === null || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** The rows of {@link CLUSTER_METRICS_SQL}; a row whose metrics are not a JSON object has none. */
export function parseClusterMetrics(rows: readonly { uuid?: unknown; metrics?: unknown; status?: unknown; error?: unknown }[]): NodeLoad[] {
  return rows.map((row) => {
    let metrics: Record<string, unknown> = {};
    try {
      const parsed: unknown = typeof row.metrics === 'string' ? JSON.parse(row.metrics) : row.metrics;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) metrics = parsed as Record<string, unknown>;
    } catch {
      // no metrics from this node
    }
    const user = metricNumber(metrics, 'cpu_usage_user');
    const system = metricNumber(metrics, 'cpu_usage_system');
    const error = row.error === null || row.error === undefined || row.error === '' ? undefined : String(row.error);
    return {
      uuid: String(row.uuid ?? '?'),
      ok: String(row.status ?? '').toUpperCase() === 'OK',
      ...(error !== undefined ? { error } : {}),
      cpu: user !== undefined || system !== undefined ? (user ?? 0) + (system ?? 0) : undefined,
      memoryAvailable: metricNumber(metrics, 'memory_available'),
      memoryTotal: metricNumber(metrics, 'memory_total'),
      rootMemoryConsumption: metricNumber(metrics, 'tserver_root_memory_consumption'),
      rootMemorySoftLimit: metricNumber(metrics, 'tserver_root_memory_soft_limit'),
    };
  });
}

const pct = (share: number) => `${Math.round(share * 100)}%`;
const shortId = (uuid: string) => (uuid.length > 8 ? uuid.slice(0, 8) : uuid);

/**
 * Busy when any answering node is over a limit: CPU above `maxCpu`, available memory below
 * `minMemoryAvailable` of its total, or the tablet server's memory above its soft limit (where it
 * starts throttling writes). A node that did not answer, or a metric of 0 (some platforms report no
 * available memory), is not judged. Undefined when no node reported anything to judge.
 */
export function judgeClusterLoad(nodes: readonly NodeLoad[], limits: LoadLimits = DEFAULT_LOAD_LIMITS): TargetLoad | undefined {
  const judged = nodes.filter((n) => n.ok && (n.cpu !== undefined || (n.memoryAvailable && n.memoryTotal) || (n.rootMemoryConsumption !== undefined && n.rootMemorySoftLimit)));
  if (judged.length === 0) return undefined;
  const reasons: string[] = [];
  for (const n of judged) {
    if (n.cpu !== undefined && n.cpu > limits.maxCpu) reasons.push(`node ${shortId(n.uuid)} at ${pct(n.cpu)} CPU (limit ${pct(limits.maxCpu)})`);
    if (n.memoryAvailable && n.memoryTotal && n.memoryAvailable / n.memoryTotal < limits.minMemoryAvailable) {
      reasons.push(`node ${shortId(n.uuid)} has ${pct(n.memoryAvailable / n.memoryTotal)} of its memory available (at least ${pct(limits.minMemoryAvailable)} wanted)`);
    }
    if (n.rootMemoryConsumption !== undefined && n.rootMemorySoftLimit && n.rootMemoryConsumption > n.rootMemorySoftLimit) {
      reasons.push(`node ${shortId(n.uuid)}'s tablet server is over its memory soft limit`);
    }
  }
  const cpus = judged.map((n) => n.cpu).filter((c): c is number => c !== undefined);
  const unanswered = nodes.length - nodes.filter((n) => n.ok).length;
  const summary = `${judged.length} node(s)${cpus.length ? `, highest CPU ${pct(Math.max(...cpus))}` : ''}${unanswered ? `, ${unanswered} not answering` : ''}`;
  return reasons.length ? { busy: true, reason: reasons.join('; ') } : { busy: false, reason: summary };
}

/** Reads and judges the cluster's load once. */
export async function readClusterLoad(client: pg.Client, limits: LoadLimits = DEFAULT_LOAD_LIMITS): Promise<TargetLoad | undefined> {
  const r = await client.query(CLUSTER_METRICS_SQL);
  return judgeClusterLoad(parseClusterMetrics(r.rows), limits);
}
