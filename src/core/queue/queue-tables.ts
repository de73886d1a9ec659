import type { MetaStore } from '../meta-store.js';

/**
 * The queue's tables in meta.db. The writer, every reader, the consumers and `archive changes` open
 * the same meta.db (possibly from different processes), so each of them creates the tables if they
 * are missing: `CREATE TABLE IF NOT EXISTS` does not write when the tables exist.
 *
 * - `queue_segments`: one row per segment file `data/queue/segment.<n>.ndjson`. `committed_bytes` is
 *   the only part of the file anyone may read; bytes beyond it are a torn write.
 * - `queue_state`: one row: the last vsn handed out. (Its `last_position` column is what Tandem
 *   versions before per-exporter positions wrote; it is read once, see `readQueueState`.)
 * - `queue_positions`: per exporter (the source's, and after a cutover with fall-back the
 *   target's), the position of its last committed transaction, written in the same transaction as
 *   the append. Positions are opaque strings of the exporter's engine: each sorts among its own
 *   exporter's positions only, so they are never compared across exporters.
 * - `queue_table_counts`: events queued per table and operation, for the data-migration report.
 * - `queue_consumers`: per importer, the vsn up to which every event has been applied.
 */
const QUEUE_DDL = `
CREATE TABLE IF NOT EXISTS queue_segments (
  segment_no INTEGER PRIMARY KEY,
  file_name TEXT NOT NULL,
  committed_bytes INTEGER NOT NULL DEFAULT 0,
  first_vsn INTEGER,
  last_vsn INTEGER,
  event_count INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL CHECK (status IN ('open', 'closed', 'archived', 'deleted')),
  archived_to TEXT,
  created_at TEXT NOT NULL,
  closed_at TEXT
);
CREATE TABLE IF NOT EXISTS queue_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  last_vsn INTEGER NOT NULL,
  last_position TEXT,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS queue_positions (
  exporter TEXT PRIMARY KEY CHECK (exporter IN ('source', 'target')),
  last_position TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS queue_table_counts (
  table_key TEXT PRIMARY KEY,
  inserts INTEGER NOT NULL DEFAULT 0,
  updates INTEGER NOT NULL DEFAULT 0,
  deletes INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS queue_consumers (
  name TEXT PRIMARY KEY,
  applied_vsn INTEGER NOT NULL,
  updated_at TEXT NOT NULL
);
`;

export type SegmentStatus = 'open' | 'closed' | 'archived' | 'deleted';

/** One row of `queue_segments`. `firstVsn`/`lastVsn` are undefined while the segment is empty. */
export interface QueueSegment {
  readonly segmentNo: number;
  readonly fileName: string;
  readonly committedBytes: number;
  readonly firstVsn?: number;
  readonly lastVsn?: number;
  readonly eventCount: number;
  readonly status: SegmentStatus;
  /** Where `archive changes` moved the file (status archived). */
  readonly archivedTo?: string;
}

/**
 * Which exporter appends: the source's, or (after a cutover with fall-back) the target's, which
 * continues the same queue.
 */
export type QueueExporter = 'source' | 'target';

/** The queue as meta.db records it, readable by any process. */
export interface QueueState {
  /** The highest vsn committed so far; 0 when nothing was queued yet. */
  readonly lastVsn: number;
  /**
   * Per exporter, the position of its last committed transaction (or keepalive); absent for an
   * exporter that has appended nothing yet.
   */
  readonly lastPositions: Readonly<Partial<Record<QueueExporter, string>>>;
}

/** Exported events per table, for the data-migration report. */
export interface TableEventCounts {
  readonly inserts: number;
  readonly updates: number;
  readonly deletes: number;
}

/**
 * A file in metainfo/ (beside meta.db) that the queue's writer rewrites after every commit of an
 * append: followers of the queue wake on it (see FileChangeWatch).
 */
export const QUEUE_SIGNAL_FILE = 'queue.signal';

/** Creates the queue's tables if they are missing. Cheap; every queue module calls it on open. */
export function ensureQueueTables(meta: MetaStore): void {
  meta.ensure('queue', QUEUE_DDL);
}

/** The name of segment `n`'s file in the queue dir. */
export function segmentFileName(segmentNo: number): string {
  return `segment.${segmentNo}.ndjson`;
}

/** Parses `segment.<n>.ndjson`; undefined for any other name. */
export function parseSegmentFileName(name: string): number | undefined {
  const m = /^segment\.(\d+)\.ndjson$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

export function rowToSegment(r: Record<string, any>): QueueSegment {
  return {
    segmentNo: r.segment_no, fileName: r.file_name, committedBytes: r.committed_bytes,
    firstVsn: r.first_vsn ?? undefined, lastVsn: r.last_vsn ?? undefined, eventCount: r.event_count,
    status: r.status, archivedTo: r.archived_to ?? undefined,
  };
}

/** Every segment, oldest first. */
export function listSegments(meta: MetaStore): QueueSegment[] {
  ensureQueueTables(meta);
  return (meta.db.prepare('SELECT * FROM queue_segments ORDER BY segment_no').all() as Record<string, any>[]).map(rowToSegment);
}

/**
 * The queue state without being the writer (e.g. from a status command in another process).
 *
 * An export dir of a Tandem version before per-exporter positions has no `queue_positions` rows,
 * only `queue_state.last_position`, the position of the last append of either exporter, where the
 * target's positions carried a `T` prefix (it sorted after the source's hex LSNs). Such a position
 * is read as the target's (without the `T`) when it starts with `T`, else as the source's; the
 * other exporter's is then unknown, which is right: the source's stream had ended at its cutover
 * marker before the target's exporter ever appended.
 */
export function readQueueState(meta: MetaStore): QueueState {
  ensureQueueTables(meta);
  const row = meta.db.prepare('SELECT last_vsn, last_position FROM queue_state WHERE id = 1').get() as
    | { last_vsn: number; last_position: string | null }
    | undefined;
  const rows = meta.db.prepare('SELECT exporter, last_position FROM queue_positions').all() as { exporter: QueueExporter; last_position: string }[];
  const lastPositions: Partial<Record<QueueExporter, string>> = {};
  for (const r of rows) lastPositions[r.exporter] = r.last_position;
  if (rows.length === 0 && row?.last_position) Object.assign(lastPositions, legacyPosition(row.last_position));
  return { lastVsn: row?.last_vsn ?? 0, lastPositions };
}

/** A `queue_state.last_position` of an earlier Tandem, as the exporter it belongs to and its position. */
function legacyPosition(last: string): Partial<Record<QueueExporter, string>> {
  return last.startsWith('T') ? { target: last.slice(1) } : { source: last };
}

/**
 * Moves a position an earlier Tandem recorded in `queue_state.last_position` into `queue_positions`
 * (see {@link readQueueState}); does nothing when `queue_positions` has rows or there is none. Only
 * the queue's writer calls it, holding the queue's lock. The transaction takes SQLite's write lock
 * before its first read (`immediate`): a read-then-write transaction that starts deferred is refused
 * with "database is locked", without waiting, when another connection commits between the two.
 */
export function migrateLegacyPosition(meta: MetaStore): void {
  ensureQueueTables(meta);
  meta.db.transaction(() => {
    const n = (meta.db.prepare('SELECT COUNT(*) AS n FROM queue_positions').get() as { n: number }).n;
    if (n > 0) return;
    const row = meta.db.prepare('SELECT last_position, updated_at FROM queue_state WHERE id = 1').get() as { last_position: string | null; updated_at: string } | undefined;
    if (!row?.last_position) return;
    for (const [exporter, position] of Object.entries(legacyPosition(row.last_position))) {
      meta.db.prepare('INSERT INTO queue_positions (exporter, last_position, updated_at) VALUES (?, ?, ?)').run(exporter, position, row.updated_at);
    }
  }).immediate();
}

/** Events queued so far per table (`schema.table`), as recorded with each committed append. */
export function exportedEventCounts(meta: MetaStore): Map<string, TableEventCounts> {
  ensureQueueTables(meta);
  const rows = meta.db.prepare('SELECT table_key, inserts, updates, deletes FROM queue_table_counts ORDER BY table_key').all() as
    { table_key: string; inserts: number; updates: number; deletes: number }[];
  return new Map(rows.map((r) => [r.table_key, { inserts: r.inserts, updates: r.updates, deletes: r.deletes }]));
}

/**
 * The meta.db key of the latest commit time (milliseconds, by the read database's clock) among the
 * transactions `exporter` has queued, written in each append's commit where the engine tells commit
 * times: the early verification's proof that the queue holds everything one of its scans saw.
 */
export function queuedCommitTimeKey(exporter: QueueExporter): string {
  return `${exporter}_queued_commit_ms`;
}
