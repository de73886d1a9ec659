import type { MetaStore } from '../../core/meta-store.js';
import type { ComparisonResult, TableComparison } from './table-comparison.js';

/** Why a comparison ran: on demand, or as the gate of a cutover in either direction. */
export type VerificationOccasion = 'compare' | 'cutover-to-target' | 'cutover-to-source';

/** A comparison as recorded in meta.db. */
export interface VerificationRun extends ComparisonResult {
  readonly runId: number;
  readonly occasion: VerificationOccasion;
  readonly match: boolean;
}

// Owned by this module (meta-store.ts stays engine- and feature-neutral); created on first use.
const DDL = `
CREATE TABLE IF NOT EXISTS verification_runs (
  run_id INTEGER PRIMARY KEY AUTOINCREMENT,
  occasion TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  left_label TEXT NOT NULL,
  right_label TEXT NOT NULL,
  table_count INTEGER NOT NULL,
  mismatch_count INTEGER NOT NULL,
  match INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS verification_results (
  run_id INTEGER NOT NULL REFERENCES verification_runs (run_id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  table_key TEXT NOT NULL,
  left_rows INTEGER,
  right_rows INTEGER,
  left_checksum TEXT,
  right_checksum TEXT,
  match INTEGER NOT NULL,
  error TEXT,
  PRIMARY KEY (run_id, position)
);
`;

/** Records comparisons in meta.db (`verification_runs`, `verification_results`) and reads them back. */
export class VerificationStore {
  constructor(private readonly meta: MetaStore) {
    meta.db.exec(DDL);
  }

  /** Stores one comparison with all its per-table results in one transaction; returns it with its id. */
  record(occasion: VerificationOccasion, result: ComparisonResult): VerificationRun {
    const { summary } = result;
    const runStmt = this.meta.db.prepare(`INSERT INTO verification_runs
      (occasion, started_at, finished_at, left_label, right_label, table_count, mismatch_count, match) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    const rowStmt = this.meta.db.prepare(`INSERT INTO verification_results
      (run_id, position, table_key, left_rows, right_rows, left_checksum, right_checksum, match, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const runId = this.meta.db.transaction(() => {
      const id = Number(runStmt.run(occasion, summary.startedAt, summary.finishedAt, result.leftLabel, result.rightLabel,
        summary.tables, summary.mismatched.length, summary.match ? 1 : 0).lastInsertRowid);
      result.results.forEach((r, i) => {
        rowStmt.run(id, i, r.table, r.leftRows, r.rightRows, r.leftChecksum, r.rightChecksum, r.match ? 1 : 0, r.error ?? null);
      });
      return id;
    })();
    return { ...result, runId, occasion, match: summary.match };
  }

  /** The most recent run, of one occasion or of any; undefined when none was recorded. */
  latest(occasion?: VerificationOccasion): VerificationRun | undefined {
    const run = (occasion
      ? this.meta.db.prepare('SELECT * FROM verification_runs WHERE occasion = ? ORDER BY run_id DESC LIMIT 1').get(occasion)
      : this.meta.db.prepare('SELECT * FROM verification_runs ORDER BY run_id DESC LIMIT 1').get()) as Record<string, any> | undefined;
    return run ? this.load(run) : undefined;
  }

  /** All runs, oldest first, without their per-table results (for a history view). */
  runs(): { runId: number; occasion: VerificationOccasion; startedAt: string; finishedAt: string; tables: number; mismatches: number; match: boolean }[] {
    const rows = this.meta.db.prepare('SELECT * FROM verification_runs ORDER BY run_id').all() as Record<string, any>[];
    return rows.map((r) => ({
      runId: r.run_id, occasion: r.occasion, startedAt: r.started_at, finishedAt: r.finished_at,
      tables: r.table_count, mismatches: r.mismatch_count, match: r.match === 1,
    }));
  }

  private load(run: Record<string, any>): VerificationRun {
    const rows = this.meta.db.prepare('SELECT * FROM verification_results WHERE run_id = ? ORDER BY position').all(run.run_id) as Record<string, any>[];
    const results: TableComparison[] = rows.map((r) => ({
      table: r.table_key, leftRows: r.left_rows, rightRows: r.right_rows, leftChecksum: r.left_checksum, rightChecksum: r.right_checksum,
      match: r.match === 1, ...(r.error !== null ? { error: r.error } : {}),
    }));
    const mismatched = results.filter((r) => !r.match).map((r) => r.table);
    return {
      runId: run.run_id, occasion: run.occasion, match: run.match === 1, leftLabel: run.left_label, rightLabel: run.right_label, results,
      summary: {
        tables: run.table_count, matched: run.table_count - run.mismatch_count, mismatched, match: run.match === 1,
        startedAt: run.started_at, finishedAt: run.finished_at,
      },
    };
  }
}
