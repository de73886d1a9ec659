import type { UnnumberedChangeEvent } from '../../core/change-event.js';
import type { CapturedTransaction } from '../../core/engine/change-capture.js';

/**
 * What the queue holds of a source transaction handed over in parts (`CapturedTransaction.continues`)
 * until its last part is queued: recorded in meta.db in the same commit as each part's events, and
 * cleared in the commit that queues the last part.
 */
export interface QueuedParts {
  readonly txId: string;
  /** The exporter's last queued position when the first part was queued (the transaction before it). */
  readonly after: string;
  /** How many of the transaction's events, from its first, the queue holds. */
  readonly events: number;
}

/**
 * Whether `tx` is already in the queue, given a position the queue (or the pending group) has
 * reached: a whole transaction is when its position is at or before it; a part's position sorts
 * strictly before its transaction's own, and may equal the position of the transaction before it,
 * so a part is only when its position is strictly before.
 */
export function alreadyQueued(tx: CapturedTransaction, reached: string | undefined): boolean {
  if (reached === undefined) return false;
  return tx.continues ? tx.position < reached : tx.position <= reached;
}

/**
 * The stream exporter's account of a transaction handed over in parts, so that a transaction too
 * large to hold in memory is queued part by part and still exactly once: after a crash (or a
 * reconnection) the source replays the transaction from its first event, and the events the queue
 * already holds (`QueuedParts.events`) are skipped, however the replay is cut into parts.
 *
 * Every transaction the stream yields after a recorded one (and not skipped as queued by its
 * position) must be that one: the source replays from the last whole transaction queued before it.
 */
export class TransactionParts {
  /** The transaction whose events the stream has handed over on this connection, and how many. */
  private onStream?: { txId: string; seen: number };
  /** Its last part is in the pending group (not yet queued): the group's commit clears the record. */
  private lastPartPending = false;

  constructor(private queued: QueuedParts | undefined) {}

  /** What meta.db holds. */
  get record(): QueuedParts | undefined {
    return this.queued;
  }

  /** A (re)started stream replays from the last whole transaction queued: nothing of it seen yet. */
  streamStarted(): void {
    this.onStream = undefined;
    this.lastPartPending = false;
  }

  /**
   * The events of `tx` (a whole transaction or a part, not already queued by its position) that the
   * queue does not hold yet, in order; counts them as seen. Throws when the queue holds the first
   * parts of another transaction (the source did not replay what it had sent: a bug, never guessed at).
   */
  unqueuedEvents(tx: CapturedTransaction): readonly UnnumberedChangeEvent[] {
    // Nearly every transaction: whole, and nothing held of any. No bookkeeping per transaction.
    if (this.queued === undefined && !tx.continues) {
      this.onStream = undefined;
      return tx.events;
    }
    if (this.queued && !this.lastPartPending && tx.txId !== this.queued.txId) {
      throw new Error(`internal: the change queue holds the first ${this.queued.events} events of source transaction ${this.queued.txId}, but the stream went on with transaction ${tx.txId}`);
    }
    if (this.onStream?.txId !== tx.txId) this.onStream = { txId: tx.txId, seen: 0 };
    const held = this.queued?.txId === tx.txId && !this.lastPartPending ? this.queued.events : 0;
    const skip = Math.min(tx.events.length, Math.max(0, held - this.onStream.seen));
    this.onStream.seen += tx.events.length;
    if (!tx.continues) {
      if (this.queued?.txId === tx.txId) this.lastPartPending = true;
      this.onStream = undefined;
    }
    return skip === 0 ? tx.events : tx.events.slice(skip);
  }

  /**
   * Whether `tx` only moves the position (no events, no markers, not a part: an engine's checkpoint,
   * such as an Oracle stream's mined window) while the queue holds the first parts of another
   * transaction: it is skipped. A stream replaying after a crash may come to such a checkpoint
   * before the transaction's parts again (Oracle's are paced by time, so the replay need not take
   * the same ones), and nothing but that transaction may follow its recorded parts.
   */
  skipsPositionOnly(tx: CapturedTransaction): boolean {
    return this.queued !== undefined && !this.lastPartPending && tx.txId !== this.queued.txId
      && !tx.continues && tx.events.length === 0 && tx.markers.length === 0;
  }

  /** The record to commit with the append of `count` more events of the part `tx` (`at`: the queue's position now). */
  partRecord(tx: CapturedTransaction, at: string, count: number): QueuedParts {
    const same = this.queued?.txId === tx.txId;
    return { txId: tx.txId, after: same ? this.queued!.after : at, events: (same ? this.queued!.events : 0) + count };
  }

  /** The append carrying `record` has committed. */
  partQueued(record: QueuedParts): void {
    this.queued = record;
  }

  /** Whether the pending group holds a last part, so its commit must clear the record. */
  get clearsRecord(): boolean {
    return this.lastPartPending;
  }

  /** The group holding the last part has committed (with the record cleared). */
  lastPartQueued(): void {
    if (!this.lastPartPending) return;
    this.queued = undefined;
    this.lastPartPending = false;
  }
}
