import type { MarkerKind, UnnumberedChangeEvent } from '../change-event.js';
import type { PrerequisiteFinding, TableInfo, TableRef } from './catalog.js';
import type { SnapshotSession } from './snapshot.js';

/**
 * Which stream: one per migration and side. The engine derives the names of what it creates from
 * `id` (a PostgreSQL slot and publication, a marker table's rows) and keeps them stable across runs.
 */
export interface ChangeStreamNames {
  /** Stable per migration: the migration's uuid. */
  readonly id: string;
  /** The source's stream before the cutover, the target's after it (fall-back). */
  readonly side: 'source' | 'target';
  /**
   * A directory of the export dir where a stream may keep scratch files (an Oracle stream's open
   * transactions too large to hold in memory); given to the exporters' streams only.
   */
  readonly spillDir?: string;
}

/**
 * A transaction too large to hold in memory is handed over in parts of this many events
 * (`CapturedTransaction.continues`): about 1.4 KB per event decoded on PostgreSQL (a 2,000,000-row
 * UPDATE held whole took 2.8 GB), so a part is about 15 MB.
 */
export const TRANSACTION_PART_EVENTS = 10_000;

/** The committed changes of one source transaction, in commit order. */
export interface CapturedTransaction {
  /** The row changes; their `position` is this transaction's. */
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
  /**
   * Set on a part of a transaction too large to hold in memory (a batch job's million-row UPDATE):
   * the next items carry the rest of its events in order, the last of them (with its markers)
   * without `continues`, and all with the same `txId`. A part's `position` sorts at or after every
   * earlier transaction's and strictly before this transaction's own (PostgreSQL: the LSN of its
   * commit record, known from its first message); a part is never acknowledged. The source has
   * committed the whole transaction before it is streamed, so a part is never rolled back. The
   * exporter queues each part as it comes and records how many of the transaction's events it
   * holds; a stream resumed after a crash replays the transaction from its start, in the same
   * order, wherever its parts are cut.
   */
  readonly continues?: true;
  /**
   * How long after its commit the source sent this transaction, by the source's own clock
   * (milliseconds; PostgreSQL: the XLogData's send time against the Commit's commit time; MySQL: a
   * lower bound, the binlog's whole-second event time against the server's clock read when the
   * stream started). A stream working through a backlog sends transactions seconds or hours old; a
   * live one, a few milliseconds. The exporter only groups a live stream's transactions briefly
   * (`groupStep`). Undefined when the engine cannot tell (Oracle): the exporter then judges by the
   * group's size alone.
   */
  readonly sourceBehindMs?: number;
  /**
   * When the source committed this transaction, by its own clock (milliseconds since the Unix
   * epoch), or a lower bound of it (MySQL: the whole second its commit statement started). A
   * transaction committed after an instant T follows, in the stream, every transaction a snapshot
   * taken before T could see: the early verification relies on it (`EarlyVerification`). Undefined
   * when the engine cannot tell (Oracle).
   */
  readonly commitTimeMs?: number;
}

/** A running stream of committed transactions. */
export interface ChangeStream {
  /**
   * Connects and starts streaming. The exporter retries (with backoff) any failure of `start` or of
   * the stream except a TandemError whose code is not TANDEM_CONNECT, which stops it.
   */
  start(): Promise<void>;
  /** Committed transactions in commit order; ends when stopped. */
  transactions(): AsyncGenerator<CapturedTransaction>;
  /**
   * Optional: the same transactions in the same order, as arrays of every transaction already
   * received (never empty). An engine that decodes many transactions per read of its socket saves
   * the consumer one await per transaction. Use either this or `transactions`, not both.
   */
  transactionBatches?(): AsyncGenerator<readonly CapturedTransaction[]>;
  /**
   * Everything up to and including this transaction is durable in the queue: the source may forget
   * it. (A no-op for engines that are not told; see `EngineCapabilities.acknowledgesPositions`.)
   */
  acknowledge(tx: CapturedTransaction): void;
  /** Transactions decoded but not yet consumed: 0 means the consumer has caught up. */
  readonly buffered: number;
  /**
   * Optional: when the stream's own reconnection began (Date.now()), while the engine retries a lost
   * source connection itself; undefined otherwise. An exporter that gets the stream's error only
   * once the engine gives up counts the outage from then, so that "back after N s" is its whole length.
   */
  readonly interruptedSince?: number;
  /**
   * Optional: stop reading from the source until `resumeReading` (the exporter's hold between two
   * appends of a live stream: `freshSource`), so that what arrives meanwhile is read at once
   * afterwards instead of waking the exporter once per transaction. Nothing is lost: the source's
   * data waits in the connection. PostgreSQL and MySQL have it (`holdGroup`, docs/positions.md §3).
   */
  pauseReading?(): void;
  resumeReading?(): void;
  stop(): Promise<void>;
}

/**
 * For an engine whose source keeps a confirmed position the stream cannot go back behind (a
 * PostgreSQL slot): the positions it confirms beyond the last queued transaction (an idle
 * stream's), recorded durably before the source hears of them, and the last one recorded. The
 * stream then refuses to start when the source has confirmed more than the export dir knows of:
 * the export dir is older than the stream (restored from a copy), and the changes in between are in
 * no queue (measured before: 998 and 1,368 committed transactions silently skipped; the pg-chaos run).
 */
export interface StreamConfirmations {
  /** The last idle position recorded (undefined: none). */
  readonly lastRecorded?: string;
  /** Records an idle position before it is confirmed to the source; a throw keeps it unconfirmed. */
  record(position: string): void;
}

/** The start of a new stream. */
export interface StreamStart {
  /** Position the stream starts after: every change committed after it is streamed, none before. */
  readonly startPosition: string;
}

/** Row changes per table, counted without their values. */
export type ChangeCounts = Map<string, { inserts: number; updates: number; deletes: number; truncates: number }>;

/** "shop.orders: 3 insert(s), 1 update(s); …" for messages (counts only, never values). */
export function describeChangeCounts(counts: ChangeCounts): string {
  return [...counts].map(([t, c]) => `${t}: ${[
    c.inserts && `${c.inserts} insert(s)`, c.updates && `${c.updates} update(s)`, c.deletes && `${c.deletes} delete(s)`, c.truncates && `${c.truncates} truncate(s)`,
  ].filter(Boolean).join(', ')}`).join('; ');
}

/**
 * How messages name a change stream and what it keeps on its database, in the engine's own words
 * (every field is a complete phrase, so the workflow composes sentences without knowing the engine).
 */
export interface ChangeStreamLabels {
  /** What holds the changes until acknowledged, with its name: "replication slot tandem_ab12". */
  readonly stream: string;
  /** The stream's bare name, as `cutover status` records a kept stream: "tandem_ab12". */
  readonly name: string;
  /** Everything the capture creates, for "Dropped …": "replication slot tandem_ab12 and publication tandem_pub_ab12". */
  readonly objects: string;
  /** The short form of the streaming banner: "slot tandem_ab12, publication tandem_pub_ab12". */
  readonly brief: string;
  /** The database's change log, for "a marker into the source's WAL": "WAL", "binlog", "redo log". */
  readonly changeLog: string;
  /** What to run to drop the stream by hand: "SELECT pg_drop_replication_slot('tandem_ab12');". */
  readonly dropStream: string;
  /** What to run to drop everything the capture created: "SELECT pg_drop_replication_slot('…'); DROP PUBLICATION …;". */
  readonly dropAll: string;
}

/** What `ChangeCapture.openWriters` found: the open transactions, or why they could not be looked for. */
export interface OpenWriters {
  readonly open: readonly string[];
  readonly unknown?: string;
}

/**
 * Change capture on one database: creating the stream's objects at a consistent point shared with
 * the snapshot, streaming, markers, the look for writes after a marker, and dropping it all.
 *
 * The order of a new stream: `checkPrerequisites`, `prepare` (objects that must exist before the
 * consistent point), then `createWithSnapshot` or `createWithoutSnapshot`, then `open` (also on
 * every restart, from the last durably queued position). `checkPrerequisites` and `prepare` may run
 * at once (the fall-back stream's preparation at a cutover does, while the application waits); what
 * `prepare` makes before a failed check is made again by a rerun.
 */
/** Writes blocked by `ChangeCapture.holdWrites`, until released (idempotent). */
export interface WriteHold {
  release(): Promise<void>;
}

/**
 * A hold whose `release` ends what blocks the writes (`unblock`: the transaction, the table locks),
 * then closes its session (`close`, also when `unblock` fails), once however often it is called.
 */
export function writeHold(unblock: () => Promise<void>, close: () => Promise<void>): WriteHold {
  let released = false;
  return {
    release: async () => {
      if (released) return;
      released = true;
      try {
        await unblock();
      } finally {
        await close();
      }
    },
  };
}

export interface ChangeCapture {
  readonly labels: ChangeStreamLabels;
  /**
   * What `changesAfter` cannot count on this database, said beside the writes it found after a
   * marker (MySQL: rows that foreign-key actions changed, which InnoDB does not log in the binlog).
   */
  readonly changesAfterMiss?: string;
  /**
   * The names of what the capture creates (a PostgreSQL slot and publication), as the workflow
   * records them in meta.db before creating anything, so a failure leaves nothing unexplained and
   * `end migration` knows this side has a stream to drop.
   */
  readonly record: Readonly<Record<string, string>>;
  /** What the database must allow for streaming (change logging, privileges, free slots), up to the first error. */
  checkPrerequisites(): Promise<PrerequisiteFinding[]>;
  /**
   * Drops a stream left by an interrupted start (its snapshot is lost) and creates what must exist
   * before the consistent point (PostgreSQL: the publication of `tables`). Says whether something
   * was left over.
   */
  prepare(tables: readonly TableRef[]): Promise<{ readonly droppedLeftover: boolean }>;
  /**
   * Creates the stream and opens `readers` snapshot readers at exactly its start: the snapshot holds
   * every change committed up to `startPosition`, the stream every change after it. No gap, no
   * overlap. On failure every reader is closed. `onWaiting`: while the creation waits for something
   * on the database (PostgreSQL: transactions open when it began), what it waits for and what to do,
   * said after a few seconds and then now and then.
   */
  createWithSnapshot(readers: number, onWaiting?: (message: string) => void): Promise<StreamStart & { readonly snapshot: SnapshotSession }>;
  /** Creates the stream without a snapshot (changes only; the fall-back stream on the target). `onWaiting` as above. */
  createWithoutSnapshot(onWaiting?: (message: string) => void): Promise<StreamStart>;
  /** Whether the stream exists on the database (false once dropped). */
  exists(): Promise<boolean>;
  /**
   * The stream after `from` (the last durably queued position, or the start position). `tables` give
   * the keys. `onWarning`: for a stream that carries rows only and goes on past a change of a
   * table's definition (PostgreSQL), a warning naming the table and its changed columns; engines
   * that stop at such a change do not call it.
   */
  open(from: string, tables: readonly TableInfo[], onWarning?: (message: string) => void, confirmations?: StreamConfirmations): ChangeStream;
  /**
   * Writes a marker (or a heartbeat) into the database's change log so that it arrives in the stream
   * after every change committed before it, and is durable at once.
   */
  writeMarker(marker: MarkerKind | 'heartbeat'): Promise<void>;
  /** Releases what `writeMarker` keeps between calls (a connection, so that a marker need not connect first). */
  close?(): Promise<void>;
  /**
   * Row changes the stream still holds that were committed after `position` (writes after a cutover
   * marker, whose transaction ends at `position`; undefined: everything it holds), per table.
   * Everything committed before the call is counted. The stream must not be open.
   */
  changesAfter(position: string | undefined, tables: readonly TableRef[]): Promise<ChangeCounts>;
  /**
   * Optional: the transactions open on the database now that have written something (and prepared
   * ones), each described for the user. One open when a cutover ends the stream may commit its
   * writes later, after the stream is gone: the stream is then kept, as for writes after the marker.
   * `unknown` when they could not be looked for (a privilege missing: the reason with its fix).
   */
  openWriters?(): Promise<OpenWriters>;
  /**
   * Optional: blocks writes to `tables` on this database (those that exist) until `release`, and
   * resolves once every commit made before is readable by `changesAfter`. The end of a stream looks
   * for writes after the marker and drops the stream under it, and keeps it until the cutover is
   * recorded COMPLETED: a write committed between the look and the drop would otherwise be in
   * neither the stream nor the report. A writer waits (never fails) and commits after COMPLETED.
   * Rejects when writes cannot be blocked within `timeoutMs` (a privilege missing, a lock held by a
   * long transaction): the stream is then kept.
   */
  holdWrites?(tables: readonly TableRef[], timeoutMs: number): Promise<WriteHold>;
  /** A warning when the database keeps (or may purge) too much change log for this stream; undefined when fine. */
  retentionWarning(): Promise<string | undefined>;
  /** A position as the database's own tools print it ("0/1F1B428", "mysql-bin.000004:1543"), for messages. */
  describePosition(position: string): string;
  /**
   * Drops the stream's objects (a process still reading the stream is disconnected first); nothing
   * left behind. Resolves true when the stream existed.
   */
  drop(): Promise<boolean>;
}
