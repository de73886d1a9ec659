import type { ChangeEvent } from './change-event.js';

/** What one channel has committed on the database being written to. */
export interface ChannelProgress {
  readonly channelNo: number;
  /** Every event of this channel with a vsn at or below this one is applied; 0 for a new channel. */
  readonly lastAppliedVsn: number;
  readonly inserts: number;
  readonly updates: number;
  readonly deletes: number;
}

/**
 * A unique key of a written table other than its primary key. The dispatcher keeps two events that
 * could both take the same value of such a key in order (see `ChangeDispatcher`).
 */
export interface UniqueKeyInfo {
  readonly schema: string;
  readonly table: string;
  /** Index or constraint name, for messages. */
  readonly name: string;
  /** The columns the key is made of (for an expression key: every column the expression reads). */
  readonly columns: readonly string[];
  /**
   * True when two rows can only collide if these columns hold equal text values. False for
   * expression keys (lower(email)): any two values may collide, so the key is compared as a whole;
   * and for an exclusion constraint (PostgreSQL's EXCLUDE: overlapping ranges collide), listed here
   * so that its takers commit in the source's order too.
   */
  readonly byValue: boolean;
}

/**
 * The database a change stream is applied to, as the dispatcher sees it. Engine-neutral: PostgreSQL
 * and YugabyteDB implement it now (`PgChangeTarget`), Oracle and MySQL writers later for fall-back.
 *
 * Every call for one channel comes from one caller at a time; calls for different channels run in
 * parallel.
 */
export interface ChangeTarget {
  /**
   * Creates the metadata tables if absent, checks that the migration uses the same channel count
   * as before, and returns each channel's progress (lastAppliedVsn 0 for new channels).
   */
  prepare(migrationUuid: string, channels: number): Promise<ChannelProgress[]>;
  /** The unique keys (other than primary keys) of the written tables; valid after `prepare`. */
  uniqueKeys(): readonly UniqueKeyInfo[];
  /**
   * True when applying this event also changes other rows: the writer carries out foreign-key
   * actions (`ChangeWriterOptions.foreignKeyActions`) and the event deletes or updates a row that
   * such a key references. The dispatcher applies such an event alone, after every earlier event
   * of every channel (the referencing rows may belong to any channel). Valid after `prepare`.
   */
  changesOtherRows?(event: ChangeEvent): boolean;
  /**
   * The tables (`schema.table`, as events name them) whose rows applying this event may also change
   * through the actions `changesOtherRows` stands for (the referencing tables, and theirs in turn):
   * a comparison made before the event no longer holds for them. Empty when it changes no others.
   */
  tablesAlsoChanged?(event: ChangeEvent): readonly string[];
  /**
   * Applies events (all of one channel, in vsn order) in ONE transaction together with the
   * channel's progress row and the per-table counts. Events at or below the channel's
   * lastAppliedVsn are skipped, so re-sending after a restart changes nothing. On failure nothing
   * of the batch is kept.
   */
  applyBatch(channelNo: number, events: readonly ChangeEvent[]): Promise<void>;
  /**
   * True, by code and never by text, for a violation of a constraint that compares a row with the
   * table's other rows as each row is written: a unique key (PostgreSQL SQLSTATE 23505, MySQL 1062) or
   * an exclusion constraint (PostgreSQL 23P01). A set-based statement writes its rows in another order
   * than the source's statements did, so it can meet one midway; the events are then applied one at
   * a time (measured before, the pg-schema-50 run: two ranges moved past each other under an exclusion
   * constraint stopped the import for good).
   */
  isKeyConflict(error: unknown): boolean;
  /**
   * True for an error that only says two transactions met (deadlock 40P01, serialization failure
   * 40001 as YugabyteDB raises for conflicting writes): the batch was rolled back and applying
   * the events one transaction at a time succeeds.
   */
  isTransientConflict(error: unknown): boolean;
  /**
   * Cancels the batches running now (a stop asked for while one waits, for a lock say, for as long
   * as it is held): each fails and is rolled back, nothing of it kept, and is applied again by the
   * next run. A batch that committed meanwhile stays committed (its progress row says so).
   */
  cancel?(): Promise<void>;
  /** Closes every connection. */
  close(): Promise<void>;
}
