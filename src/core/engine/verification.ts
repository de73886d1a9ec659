import type { TableRef } from './catalog.js';
import type { KeyedRow, KeyOrder } from '../verify/differing-keys.js';
import type { BucketFingerprint, BucketPlan } from '../verify/key-buckets.js';

/** A table to compare, named the same on both sides. */
export interface ComparedTable {
  /** `schema.table`, both unquoted as in the catalog. */
  readonly key: string;
  readonly schema: string;
  readonly name: string;
  /** Columns fingerprinted on both sides, in this order. */
  readonly columns: readonly string[];
  /** A size hint: big tables start first so the run ends sooner; also the progress total. */
  readonly estimatedRows?: number;
  /**
   * An interval's days count as 24 hours each on a PostgreSQL side (`2 days 03:00:00` is compared as
   * `51:00:00`): set when the source's duration type has no days (`EngineCapabilities.timesAsIntervals`).
   */
  readonly intervalDaysAsHours?: boolean;
  /**
   * Columns the right side's table has and the left side's does not (a column added there during the
   * migration: DDL does not travel through the stream): never fingerprinted, so the table is a
   * mismatch, named (measured before: MATCH, at the cutover to source too; the pg-live-edges run).
   */
  readonly onlyRight?: readonly string[];
  /**
   * Set when the sides' sessions read some of the table's values differently by default
   * (`ComparisonSide.valueReadings`): the stored values may be equal, yet the application reads
   * other amounts on each side, so the table cannot match; the text says how each side reads them.
   */
  readonly readingDiffers?: string;
}

/** How a side's sessions read some of a table's values by default, where a setting of the database decides it (see `ComparisonSide.valueReadings`). */
export interface ValueReading {
  /** What must be the same on both sides (`2`: money's decimal places). */
  readonly same: string;
  /** The reading in words, naming the setting (`money with 2 decimal places (lc_monetary de_DE.UTF-8)`). */
  readonly said: string;
  /** The setting's value on this side (`de_DE.UTF-8`). */
  readonly setting: string;
  /** What gives this side another side's `setting` (the statement to run on it). */
  setTo(setting: string): string;
  /**
   * The readings of the roles that set their own (for this database, or for every one), by role
   * name: an application's role reads by its own, not by Tandem's (measured before: a role with
   * its own lc_monetary on the source was not looked at). Each has `setTo` for that role.
   */
  readonly byRole?: ReadonlyMap<string, ValueReading>;
  /** The reading of a role that sets none (the database's or the server's), when it can be told. */
  readonly others?: ValueReading;
  /** The statement that gives the role `role` this side another side's `setting`. */
  setToForRole?(role: string, setting: string): string;
  /** The roles this side has (a role only one side has is not compared: an application cannot log in as it on the other). */
  readonly roles?: ReadonlySet<string>;
}

/** Row count and order-independent checksum of one table on one side. */
export interface SideFingerprint {
  readonly rows: number;
  readonly checksum: string;
  /**
   * The database's clock (milliseconds since the Unix epoch) read after the scan's snapshot was
   * taken, where the side can tell: every transaction the scan saw committed before it.
   */
  readonly readAtMs?: number;
}

/**
 * One database in a comparison. Both sides reduce each value to the same canonical text (what
 * PostgreSQL prints for the target column's type), so engines compare. `fingerprint` is called
 * concurrently up to the side's connection limit.
 */
export interface ComparisonSide {
  /** Short name used in reports and JSON keys, e.g. `source` or `target`. */
  readonly label: string;
  /** Opens the first connection, so a wrong password or host fails before any table is compared. */
  open(): Promise<void>;
  /**
   * Optional: opens connections up to `connections` (never more than the side's limit) and reads
   * nothing. A cutover calls it when the request is seen, while the marker travels, so that its
   * comparison after the marker does not wait for connections; what the tables are is still read
   * after the marker. Fails as `open` does when not one connection opens.
   */
  warm?(connections: number): Promise<void>;
  /**
   * All columns of each table that exists on this side (generated ones too: they must match as
   * well), in column order, keyed `schema.table`. The source's columns are what both sides
   * fingerprint.
   */
  listColumns(tables: readonly TableRef[]): Promise<Map<string, string[]>>;
  /** Row count and checksum of one table; TANDEM_UNKNOWN_TABLE when it does not exist. */
  fingerprint(table: ComparedTable): Promise<SideFingerprint>;
  /**
   * The table's rows (its `columns`, as canonical row text) ordered by `key` in the portable order
   * of `core/verify/differing-keys.ts`, read in one snapshot with flat memory: with both sides
   * streaming, a mismatch is narrowed down to its first differing keys.
   */
  rowsByKey?(table: ComparedTable, key: readonly string[], orders: readonly KeyOrder[]): AsyncIterable<KeyedRow>;
  /** The table's primary key on this side, with the portable order of each column (from its type); undefined without one. */
  keyOf?(table: ComparedTable): Promise<{ readonly key: string[]; readonly orders: KeyOrder[] } | undefined>;
  /**
   * Optional, with `bucketFingerprints`: the table's first primary-key column with its smallest and
   * largest values (decimal texts; null when empty), when that column is an integer and a range of
   * it is read through an index; undefined otherwise (the table is then fingerprinted whole).
   */
  integerKeyRange?(table: ComparedTable): Promise<{ readonly column: string; readonly min: string | null; readonly max: string | null } | undefined>;
  /**
   * Row count and checksum of each key bucket of the table (`core/verify/key-buckets.ts`), in one
   * snapshot: every bucket in one scan, or only the buckets listed, each read by its key range.
   * Buckets without rows are left out; the buckets' sums add up to `fingerprint`'s.
   */
  bucketFingerprints?(table: ComparedTable, plan: BucketPlan, only?: readonly string[]): Promise<{ readonly buckets: Map<string, BucketFingerprint>; readonly readAtMs?: number }>;
  /**
   * An identity of each table's storage, keyed `schema.table` (a table missing here is left out), that
   * changes when something the change stream does not carry empties or replaces the table or one of
   * its partitions: PostgreSQL's logical decoding carries no TRUNCATE of one partition, no DROP and
   * re-CREATE, no ATTACH or DETACH (its stamp is the oid and the file of the table and of each of its
   * partitions, which all of these change). Read before an early verification's scan and again at the
   * cutover: an early match holds only while both sides' stamps are unchanged (measured before, the
   * pg-live-edges run: the cutover said MATCH for a table whose partition was truncated on the source
   * after its early match). Engines whose streams carry such changes, or stop at them, leave it out.
   */
  storageStamps?(tables: readonly TableRef[]): Promise<Map<string, string>>;
  /**
   * Optional: for each table (keyed `schema.table`; left out when nothing depends on a setting) how
   * an application's session reads its values by default where a setting of the database, not the
   * stored value, decides it. PostgreSQL stores a `money` amount as a count of the currency's smallest
   * unit and reads it with the decimal places of the session's lc_monetary: the same count reads 1,234.56
   * with two and 123,456 with none. Comparisons read under fixed settings and would find such sides
   * equal (measured before: MATCH, with every amount read 100 times larger on the target).
   */
  valueReadings?(tables: readonly TableRef[]): Promise<Map<string, ValueReading>>;
  close(): Promise<void>;
}
