import type { TableRef } from './catalog.js';

/**
 * The value of one sequence-like counter: a PostgreSQL/Oracle sequence, an identity column, a MySQL
 * AUTO_INCREMENT counter. `name` is what the engine needs to find it again (for an AUTO_INCREMENT
 * counter: its table).
 */
export interface SequenceValue {
  readonly schema: string;
  readonly name: string;
  /** bigint as text */
  readonly lastValue: string;
  /** False when the next value handed out is lastValue itself (PostgreSQL's is_called). */
  readonly isCalled: boolean;
}

export interface SequenceRestoreResult {
  readonly sequence: string;
  readonly value: string;
  /** True when the data already held a higher value than the other side's counter. */
  readonly raisedToData: boolean;
  /**
   * The other side's value when it is beyond what any counter here can hold (a MySQL BIGINT
   * UNSIGNED counter above 2^63 - 1, for a PostgreSQL sequence): the counter was set to its own
   * limit instead (`value`), so its next value fails rather than hands out a taken key.
   */
  readonly cappedFrom?: string;
}

/** What a counter set to its limit (`cappedFrom`) means for the application, as a warning. */
export function cappedSequenceWarning(r: SequenceRestoreResult): string {
  return `Sequence ${r.sequence} was set to ${r.value}, its highest value: the source's counter is at ${r.cappedFrom}, beyond what it can hold. `
    + 'Its next value fails (as the source\'s would past its own limit) rather than reuse a taken key; widen the key or restart the counter if the application still inserts there.';
}

/**
 * The migrated tables (`--table-list`), by their target names. An engine whose counters belong to
 * tables (MySQL's AUTO_INCREMENT) reads and sets only these tables' counters, plus its standalone
 * sequences; engines that read sequences by schema ignore it.
 */
export interface SequenceScope {
  readonly tables: readonly TableRef[];
}

/** Reading and restoring the counters of one database. */
export interface SequenceSync {
  /**
   * Current values of every counter in the schemas (read after the data: counters are not
   * transactional); with `scope`, only the migrated tables' counters (see SequenceScope).
   */
  read(schemas: readonly string[], scope?: SequenceScope): Promise<SequenceValue[]>;
  /**
   * Optional: opens now the connection the next `read` or `restore` uses (and then closes), so that
   * it does not wait for a connection during the cutover: the marker waits for the source's read,
   * COMPLETED for the target's restore, and the application for both. A failed or lost warm
   * connection only means the call connects as usual. `close` ends a warm connection nothing used.
   * With `refreshMs`, one stays open until then, replaced every `refreshMs` (see WarmConnection).
   */
  warm?(refreshMs?: number): void;
  close?(): Promise<void>;
  /**
   * Sets each counter that exists here to the other side's value, never below the data it feeds.
   * Every value is worked out before any counter is set; a failed read changes nothing. With
   * `scope`, only the migrated tables' counters (see SequenceScope).
   */
  restore(values: readonly SequenceValue[], scope?: SequenceScope): Promise<SequenceRestoreResult[]>;
}
