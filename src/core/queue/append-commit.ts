import { fdatasyncSync, writeSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { failpoint } from '../failpoint.js';
import type { QueueExporter } from './queue-tables.js';

/**
 * What one queue append records in meta.db once its bytes are durable: the segment's row as it is
 * after the append, the per-table counts to add, and the exporter's new last vsn and position.
 * Plain data, so that it can be handed to the append worker (`append-worker.ts`).
 */
export interface AppendRecord {
  readonly segmentNo: number;
  readonly fileName: string;
  /** The segment's committed size after this append. */
  readonly committedBytes: number;
  readonly firstVsn: number;
  readonly lastVsn: number;
  /** The segment's event count after this append. */
  readonly eventCount: number;
  /** The segment is full: it is closed in the same transaction. */
  readonly closeNow: boolean;
  /** [count key, inserts, updates, deletes] to add to `queue_table_counts`. */
  readonly counts: readonly (readonly [string, number, number, number])[];
  readonly exporter: QueueExporter;
  readonly position: string;
  /** ISO time of the append. */
  readonly now: string;
}

/**
 * The two durable steps of a queue append, in their order: the segment's bytes are written and
 * fdatasynced, then meta.db records them in one transaction (`synchronous = FULL`). The writer runs
 * them on its own thread for an append that records something else too (a cutover marker), and in
 * the append worker for every other append, so that the exporter's thread decodes the next
 * transactions while the disk works. One instance per meta.db connection (its statements are
 * prepared once).
 */
export class AppendCommitter {
  private readonly upsertSegment: Database.Statement;
  private readonly addCounts: Database.Statement;
  private readonly setLastVsn: Database.Statement;
  private readonly setPosition: Database.Statement;

  constructor(readonly db: Database.Database) {
    this.upsertSegment = db.prepare(`INSERT INTO queue_segments (segment_no, file_name, committed_bytes, first_vsn, last_vsn, event_count, status, created_at, closed_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (segment_no) DO UPDATE SET committed_bytes = excluded.committed_bytes, first_vsn = excluded.first_vsn,
                      last_vsn = excluded.last_vsn, event_count = excluded.event_count, status = excluded.status, closed_at = excluded.closed_at`);
    this.addCounts = db.prepare(`INSERT INTO queue_table_counts (table_key, inserts, updates, deletes) VALUES (?, ?, ?, ?)
                                   ON CONFLICT (table_key) DO UPDATE SET inserts = inserts + excluded.inserts,
                                     updates = updates + excluded.updates, deletes = deletes + excluded.deletes`);
    this.setLastVsn = db.prepare(`INSERT INTO queue_state (id, last_vsn, updated_at) VALUES (1, ?, ?)
                          ON CONFLICT (id) DO UPDATE SET last_vsn = excluded.last_vsn, updated_at = excluded.updated_at`);
    this.setPosition = db.prepare(`INSERT INTO queue_positions (exporter, last_position, updated_at) VALUES (?, ?, ?)
                          ON CONFLICT (exporter) DO UPDATE SET last_position = excluded.last_position, updated_at = excluded.updated_at`);
  }

  /** Writes `bytes` at `offset` of the open segment file `fd` and makes them durable. */
  static writeDurably(fd: number, bytes: Uint8Array, offset: number): void {
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written, offset + written);
    fdatasyncSync(fd);
    failpoint('queue.after-append-before-commit');
  }

  /** Records a durable append in one transaction; `inCommit` runs inside it. */
  commit(r: AppendRecord, inCommit?: () => void): void {
    this.db.transaction(() => {
      this.upsertSegment.run(r.segmentNo, r.fileName, r.committedBytes, r.firstVsn, r.lastVsn, r.eventCount,
        r.closeNow ? 'closed' : 'open', r.now, r.closeNow ? r.now : null);
      for (const [key, ins, upd, del] of r.counts) this.addCounts.run(key, ins, upd, del);
      this.recordPosition(r.lastVsn, r.exporter, r.position, r.now);
      inCommit?.();
    })();
  }

  /** An append without events: only the exporter's position moves (and what `inCommit` records). */
  commitPosition(lastVsn: number, exporter: QueueExporter, position: string, now: string, inCommit?: () => void): void {
    this.db.transaction(() => {
      this.recordPosition(lastVsn, exporter, position, now);
      inCommit?.();
    })();
  }

  private recordPosition(lastVsn: number, exporter: QueueExporter, position: string, now: string): void {
    this.setLastVsn.run(lastVsn, now);
    this.setPosition.run(exporter, position, now);
  }
}
