import type { MarkerKind, UnnumberedChangeEvent } from '../change-event.js';
import type { TableInfo } from './catalog.js';
import type { SnapshotSession } from './snapshot.js';

/**
 * Which stream: one per migration and side. The engine derives the names of what it creates from
 * `id` (a PostgreSQL slot and publication, a marker table's rows) and keeps them stable across runs.
 */
export interface ChangeStreamNames {
  /** Stable per migration (from its uuid). */
  readonly id: string;
  /** The source's stream before the cutover, the target's after it (fall-back). */
  readonly side: 'source' | 'target';
}

/** The committed changes of one source transaction, in commit order. */
export interface CapturedTransaction {
  readonly events: UnnumberedChangeEvent[];
  /**
   * The engine's position of this transaction's commit: an opaque string that sorts correctly as
   * text among this stream's positions (zero-padded LSN, binlog file+offset or GTID, SCN+ordinal).
   * A stream opened `from` a position yields only transactions after it.
   */
  readonly position: string;
  readonly txId: string;
  /** Tandem markers written into this transaction (`writeMarker`); events may be empty. */
  readonly markers: readonly string[];
}

/** A running stream of committed transactions. */
export interface ChangeStream {
  start(): Promise<void>;
  /** Committed transactions in commit order; ends when stopped. */
  transactions(): AsyncGenerator<CapturedTransaction>;
  /**
   * Everything up to and including this transaction is durable in the queue: the source may forget
   * it. (A no-op for engines that are not told; see `EngineCapabilities.acknowledgesPositions`.)
   */
  acknowledge(tx: CapturedTransaction): void;
  /** Transactions decoded but not yet consumed: 0 means the consumer has caught up. */
  readonly buffered: number;
  stop(): Promise<void>;
}

/** The start of a new stream. */
export interface StreamStart {
  /** Position the stream starts after: every change committed after it is streamed, none before. */
  readonly startPosition: string;
  /** For messages: where it starts ("slot tandem_… at 0/1F1B428"). */
  readonly description: string;
}

/**
 * Change capture on one database: creating the stream's objects at a consistent point shared with
 * the snapshot, streaming, markers, the look for writes after a marker, and dropping it all.
 */
export interface ChangeCapture {
  /**
   * Creates the stream (dropping one left by an interrupted snapshot) and opens `jobs` snapshot
   * readers at exactly its start: the snapshot holds every change committed up to `startPosition`,
   * the stream every change after it. No gap, no overlap.
   */
  createWithSnapshot(tables: readonly TableInfo[], jobs: number): Promise<StreamStart & { readonly snapshot: SnapshotSession }>;
  /** Creates the stream without a snapshot (changes only; the fall-back stream on the target). */
  createWithoutSnapshot(tables: readonly TableInfo[]): Promise<StreamStart>;
  /** Opens the stream after `from` (the last durably queued position, or the start position). */
  open(from: string, tables: readonly TableInfo[]): ChangeStream;
  /**
   * Writes a marker (or a heartbeat) into the source's change log so that it arrives in the stream
   * after every change committed before it, and is durable at once.
   */
  writeMarker(marker: MarkerKind | 'heartbeat'): Promise<void>;
  /** Row changes the stream still holds after `position` (writes after a cutover marker), per table. */
  changesAfter(position: string, tables: readonly TableInfo[]): Promise<Map<string, number>>;
  /** A warning when the source keeps (or may purge) too much change log for this stream; undefined when fine. */
  retentionWarning(): Promise<string | undefined>;
  /** Drops the stream's objects on the database (slot, publication, …); nothing left behind. */
  drop(): Promise<void>;
  /** What the user runs to drop the stream by hand, for messages after a failure. */
  readonly manualDropHint: string;
}
