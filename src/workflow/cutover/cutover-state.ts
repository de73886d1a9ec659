import type { MetaStore } from '../../core/meta-store.js';
import { dirname } from 'node:path';
import { FileChangeWatch, writeSignalFile } from '../../core/file-change-watch.js';
import { log } from '../../core/logger.js';
import { failpoint } from '../../core/failpoint.js';

export type CutoverDirection = 'to_target' | 'to_source';
export type CutoverStatus = 'NOT_INITIATED' | 'INITIATED' | 'COMPLETED';

/** One direction's cutover, as `cutover status` shows it. */
export interface CutoverRecord {
  readonly direction: CutoverDirection;
  readonly status: CutoverStatus;
  readonly requestedAt?: string;
  readonly completedAt?: string;
  readonly prepareForFallBack: boolean;
  /** vsn of the marker event in the queue, once the exporter has written it. */
  readonly markerVsn?: number;
  /** Free-form facts for the status display (warnings, verification summary, restart hints). */
  readonly detail: Record<string, unknown>;
}

/**
 * A file in metainfo/ rewritten after each committed change of a cutover record (request, note,
 * complete; not the marker's vsn, which is written inside the queue's append). The watches wake on it
 * alone: woken by every commit to meta.db (the queue commits dozens of times a second under load,
 * and each commit wakes a watch five times), reading the record was 5-7% of the exporter's and of
 * the importer's CPU in bench/cdc.
 */
export const CUTOVER_SIGNAL_FILE = 'cutover.signal';

/** A failure only delays the watches to their periodic look (within a second). */
function signalChange(meta: MetaStore): void {
  writeSignalFile(dirname(meta.db.name), CUTOVER_SIGNAL_FILE);
}

function ensureTable(meta: MetaStore): void {
  meta.ensure('cutover', `CREATE TABLE IF NOT EXISTS cutover (
    direction TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    requested_at TEXT,
    completed_at TEXT,
    prepare_for_fall_back INTEGER NOT NULL DEFAULT 0,
    marker_vsn INTEGER,
    detail_json TEXT NOT NULL DEFAULT '{}')`);
}

/**
 * The cutover state machine per direction, NOT_INITIATED -> INITIATED -> COMPLETED, kept in meta.db:
 * `initiate cutover …` writes the request there and the running exporter and importer notice it.
 */
export class CutoverState {
  static get(meta: MetaStore, direction: CutoverDirection): CutoverRecord {
    ensureTable(meta);
    const r = meta.prepare('SELECT * FROM cutover WHERE direction = ?').get(direction) as Record<string, any> | undefined;
    if (!r) return { direction, status: 'NOT_INITIATED', prepareForFallBack: false, detail: {} };
    return {
      direction, status: r.status, requestedAt: r.requested_at ?? undefined, completedAt: r.completed_at ?? undefined,
      prepareForFallBack: r.prepare_for_fall_back === 1, markerVsn: r.marker_vsn ?? undefined, detail: JSON.parse(r.detail_json),
    };
  }

  /** Records the request; a second request for the same direction changes nothing. */
  static request(meta: MetaStore, direction: CutoverDirection, prepareForFallBack: boolean): { created: boolean; record: CutoverRecord } {
    ensureTable(meta);
    // The look and the insert in one write transaction: two requests at once record one.
    const existing = meta.atomically(() => {
      const found = CutoverState.get(meta, direction);
      if (found.status !== 'NOT_INITIATED') return found;
      meta.prepare('INSERT INTO cutover (direction, status, requested_at, prepare_for_fall_back) VALUES (?, ?, ?, ?)')
        .run(direction, 'INITIATED', new Date().toISOString(), prepareForFallBack ? 1 : 0);
      return undefined;
    });
    if (existing) return { created: false, record: existing };
    signalChange(meta);
    return { created: true, record: CutoverState.get(meta, direction) };
  }

  static setMarker(meta: MetaStore, direction: CutoverDirection, markerVsn: number): void {
    ensureTable(meta);
    meta.prepare('UPDATE cutover SET marker_vsn = ? WHERE direction = ?').run(markerVsn, direction);
    // No signal: this runs inside the queue append that carries the marker, before its commit.
    // Nothing watches for the marker's vsn (the importer finds the marker in the queue).
  }

  /**
   * Merges facts into the direction's detail. The read and the write are one write transaction
   * (BEGIN IMMEDIATE): two processes merging at once (the exporter's note of late writes, the
   * importer's COMPLETED with its verification) each keep the other's facts (measured before: the
   * note read-modified-written away by the COMPLETED of a process that had read the detail first,
   * and cutover status showed no late writes; a CI run).
   */
  static note(meta: MetaStore, direction: CutoverDirection, facts: Record<string, unknown>): void {
    CutoverState.merge(meta, direction, facts, false);
  }

  static complete(meta: MetaStore, direction: CutoverDirection, facts: Record<string, unknown> = {}): void {
    CutoverState.merge(meta, direction, facts, true);
  }

  /** `facts` merged into the direction's detail (and, with `complete`, its status COMPLETED), read and written in one write transaction. */
  private static merge(meta: MetaStore, direction: CutoverDirection, facts: Record<string, unknown>, complete: boolean): void {
    ensureTable(meta);
    meta.atomically(() => {
      const cur = CutoverState.get(meta, direction);
      failpoint('cutover.record-merge');
      const detail = JSON.stringify({ ...cur.detail, ...facts });
      if (complete) meta.prepare("UPDATE cutover SET status = 'COMPLETED', completed_at = ?, detail_json = ? WHERE direction = ?").run(new Date().toISOString(), detail, direction);
      else meta.prepare('UPDATE cutover SET detail_json = ? WHERE direction = ?').run(detail, direction);
    });
    signalChange(meta);
  }
}

/**
 * Calls `onMatch` once, as soon as the direction's cutover record passes `test` (at once if it
 * already does), woken by {@link CUTOVER_SIGNAL_FILE}, which every change of a record rewrites after
 * its commit; a look every `fallbackMs` covers a lost notification. `stop()` ends the watch (onMatch
 * is then never called).
 */
export function watchCutover(meta: MetaStore, metainfoDir: string, direction: CutoverDirection, test: (record: CutoverRecord) => boolean,
  onMatch: (record: CutoverRecord) => void, fallbackMs = 1000): { stop(): void } {
  const watch = new FileChangeWatch(metainfoDir, (name) => name === CUTOVER_SIGNAL_FILE);
  const stop = new AbortController();
  void (async () => {
    try {
      while (!stop.signal.aborted) {
        const version = watch.version;
        let record: CutoverRecord | undefined;
        try {
          record = CutoverState.get(meta, direction);
        } catch {
          // meta.db busy: look again at the next commit
        }
        if (record && test(record)) {
          try {
            onMatch(record);
          } catch (e) {
            // Not awaited by anyone: a throw here would end the process as an unhandled rejection.
            log.error(`reacting to the ${direction} cutover record failed: ${(e as Error).stack ?? e}`);
          }
          return;
        }
        await watch.waitForChange(version, watch.watching ? fallbackMs : 100, stop.signal);
      }
    } finally {
      watch.close();
    }
  })();
  return { stop: () => stop.abort() };
}

/** `watchCutover` for the moment the direction's cutover is requested (INITIATED, or further). */
export function whenCutoverRequested(meta: MetaStore, metainfoDir: string, direction: CutoverDirection,
  onRequest: (record: CutoverRecord) => void, fallbackMs = 1000): { stop(): void } {
  return watchCutover(meta, metainfoDir, direction, (r) => r.status !== 'NOT_INITIATED', onRequest, fallbackMs);
}
