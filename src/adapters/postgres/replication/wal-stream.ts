/**
 * Streams a logical slot's changes with pgoutput (protocol version 1) and acknowledges them only
 * when told to.
 *
 * Contract, for an exactly-once exporter:
 * - Iterate the stream (`for await (const ev of walStream)`). Events come in commit order, each with
 *   the WAL position of the message. Between a `begin` and its `commit` come the row messages of one
 *   committed transaction; protocol version 1 never interleaves transactions or sends aborted ones.
 * - Row messages (`insert`, `update`, `delete`) carry `relation`, the latest Relation message for their
 *   table, so column names and type oids are at hand; `truncate` carries `relations`.
 * - After persisting a transaction durably (write, fsync, record the committed size), call
 *   `acknowledge(commit.endLsn)`. Only acknowledged positions are ever reported to the server, so the
 *   slot keeps everything after them: a crash, `stop()` or error before the acknowledgement means the
 *   next WalStream (from `acknowledgedLsn` or the exporter's own persisted position) delivers the
 *   transaction again. Events are not acknowledged by reading them, by keepalives, or by `stop()`.
 * - Memory stays bounded: about `highWaterMark` undelivered messages (plus the rest of one 64 KiB
 *   socket read) are buffered; beyond that the socket is not read and the server waits. Status updates still go out every `statusIntervalMs`, so
 *   a slow consumer is not timed out by wal_sender_timeout.
 * - Errors (connection cut, walsender terminated, slot dropped) reject the pending `next()`. The
 *   stream is then dead; create a new WalStream from the last acknowledged position to resume.
 *   Errors the user must fix (missing slot, privileges) are TandemErrors.
 */
import pg from 'pg';
import { copyBothStarted, createCopyBothStream } from './copy-both-stream.js';
import type { CopyBothStream } from './copy-both-stream.js';
import { decodeCopyDataEnvelope, encodeStandbyStatusUpdate } from './copy-data-envelope.js';
import { formatLsn } from './lsn.js';
import type { Lsn } from './lsn.js';
import { decodePgoutputMessage } from './pgoutput-decoder.js';
import type { PgoutputMessage, RelationMessage } from './pgoutput-messages.js';
import { assertSlotName, replicationRole, replicationUser } from './replication-connection.js';
import { openPgClient, toConnectionPlan } from '../pg-connection.js';
import type { ReplicationConnectionConfig } from './replication-connection.js';
import { quoteLiteral, toReplicationError } from './replication-errors.js';
import { failpointDelay } from '../../../core/failpoint.js';

/** Settings of a {@link WalStream}. Immutable once passed in. */
export interface WalStreamOptions {
  readonly connection: ReplicationConnectionConfig;
  readonly slotName: string;
  readonly publicationNames: readonly string[];
  /**
   * Where to resume: the last acknowledged (durably persisted) commit end LSN, or the slot's
   * consistent point for a new slot. `0n` lets the server start at the slot's confirmed position.
   */
  readonly startLsn: Lsn;
  /** Also deliver pg_logical_emit_message() messages (`messages 'true'`). Default false. */
  readonly logicalMessages?: boolean;
  /** Milliseconds between unsolicited status updates. Default 10 000 (wal_sender_timeout is 60 s). */
  readonly statusIntervalMs?: number;
  /** Decoded-but-unread messages buffered before the socket is paused. Default 1024. */
  readonly highWaterMark?: number;
  /**
   * Whether every transaction handed out so far is settled: acknowledged, or none of the
   * consumer's business (touching no migrated table). Asked at a keepalive that no undelivered
   * message precedes; when it says yes, the keepalive's position is acknowledged too. Without it an
   * idle stream never confirms the WAL after its last transaction, and a fast shutdown of the
   * server waits for that forever (its walsender exits only once the client has confirmed
   * everything sent, the shutdown checkpoint's record included). Default: never.
   */
  readonly settled?: () => boolean;
  /**
   * Called with an idle keepalive's position before it is acknowledged (`settled`), to record it
   * durably; a throw leaves it unacknowledged (it is tried again at the next keepalive).
   */
  readonly beforeIdleAcknowledge?: (lsn: Lsn) => void;
  /**
   * Session settings for the walsender, which formats the text values: default
   * {@link CANONICAL_SESSION_OPTIONS}, so values do not depend on the server's or role's defaults.
   * Used only when `connection.options` is not set.
   */
  readonly sessionOptions?: string;
}

/**
 * ISO dates, UTC offsets, hex bytea, postgres-style intervals, C's money and shortest-exact floats (a server
 * configured with extra_float_digits = 0 printed 0.30000000000000004 as 0.3): one text form for every value,
 * whatever the server's defaults. `search_path` holds only pg_catalog, so an object-identifier value
 * (regclass, regtype…) names every object outside pg_catalog with its schema, which the other side
 * reads the same whatever its own search_path (under the source's, `app.t` printed as `t` where the
 * source's path held `app`, and named whatever `t` the target's path found). Snapshot readers use the
 * same settings; `money` in lc_monetary C's form is parsed by the same rules on the writing side
 * (`prepareWritingSession`).
 */
export const CANONICAL_SESSION_OPTIONS = '-c DateStyle=ISO,MDY -c IntervalStyle=postgres -c TimeZone=UTC -c bytea_output=hex -c extra_float_digits=3 -c search_path=pg_catalog -c lc_monetary=C';

/** One decoded message and where it is in the WAL. */
export interface WalEvent {
  /**
   * WAL start position of the XLogData that carried the message: the WAL record it was decoded from.
   * Not monotonic across transactions (a Begin carries its transaction's first record, which may
   * precede the previous commit), so positions to persist or acknowledge are Commit `endLsn`s.
   */
  readonly lsn: Lsn;
  /**
   * When the server wrote the XLogData that carried the message (its `sendTime`: microseconds since
   * the Unix epoch, by the server's clock). Against a Commit's `commitTime` (the same clock) it tells
   * how long after its commit the transaction was decoded and sent: a stream working through a backlog.
   */
  readonly sentAt: bigint;
  readonly message: PgoutputMessage;
  /** For insert/update/delete: the table's Relation message. */
  readonly relation?: RelationMessage;
  /** For truncate: the Relation messages of the truncated tables, in the message's order. */
  readonly relations?: readonly RelationMessage[];
}

/** What a socket's libuv handle offers to stop and start reading (`reading` is Node.js's own flag on it). */
interface ReadHandle {
  reading: boolean;
  readStop(): number;
  readStart(): number;
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/** A running START_REPLICATION. Call {@link WalStream.start}, iterate, and {@link WalStream.stop}. */
/** Least time between two status updates sent for acknowledgements (keepalive replies go at once). */
const ACK_INTERVAL_MS = 50;

export class WalStream implements AsyncIterable<WalEvent> {
  private client?: pg.Client;
  private started = false;
  private copy?: CopyBothStream;
  private timer?: NodeJS.Timeout;
  private readonly relationCache = new Map<number, RelationMessage>();
  private ackLsn: Lsn = 0n;
  /** When the last status update went out, and the timer of one held back (see {@link acknowledge}). */
  private lastStatusAt = 0;
  private ackTimer?: NodeJS.Timeout;
  private failure: unknown;
  private ended = false;
  private stopping = false;
  private iterating = false;
  private wake?: () => void;
  private receivedMessages = 0;
  /** The socket handle {@link pauseReading} stopped, until {@link resumeReading}. */
  private pausedHandle?: ReadHandle;

  constructor(private readonly options: WalStreamOptions) {
    assertSlotName(options.slotName);
    if (options.publicationNames.length === 0) throw new RangeError('WalStream needs at least one publication');
  }

  /** The last position acknowledged: passed to {@link acknowledge}, or an idle keepalive's (`settled`); 0n before the first. */
  get acknowledgedLsn(): Lsn {
    return this.ackLsn;
  }

  /** Replication messages received from the server, keepalives included (for progress and tests). */
  get received(): number {
    return this.receivedMessages;
  }

  /** Messages received but not yet delivered; never far above `highWaterMark` (backpressure). */
  get bufferedMessages(): number {
    return this.copy?.readableLength ?? 0;
  }

  /**
   * Connects and starts replication. Resolves once the server has entered streaming mode; rejects
   * (e.g. with a TandemError for a missing slot) if it does not.
   */
  /**
   * Opens the replication connection and starts streaming. `gate`: a check that must pass before the
   * stream starts, run while the connection opens (a failed check wins over a failed connection,
   * as when it ran first).
   */
  async start(gate?: Promise<void>): Promise<void> {
    if (this.started) throw new Error('WalStream already started');
    this.started = true;
    const { connection, slotName } = this.options;
    const plan = toConnectionPlan(connection);
    const user = replicationUser(connection);
    const role = replicationRole(connection);
    const options = plan.attempts[0]?.config.options ?? this.options.sessionOptions ?? CANONICAL_SESSION_OPTIONS;
    let client: pg.Client;
    try {
      client = await openPgClient(
        plan,
        (c) => new pg.Client({ ...c, options, replication: 'database' } as pg.ClientConfig),
        (err) => toReplicationError(err, { action: 'Starting the change stream', user, role, slotName }),
      );
    } catch (e) {
      await gate;
      throw e;
    }
    try {
      await gate;
    } catch (e) {
      await client.end().catch(() => {});
      throw e;
    }
    if (this.stopping) {
      await client.end().catch(() => {});
      throw new Error('WalStream stopped while starting');
    }
    this.client = client;
    client.on('error', (err) => this.fail(err));
    const pubs = quoteLiteral(this.options.publicationNames.join(','));
    const extra = this.options.logicalMessages ? ", messages 'true'" : '';
    const sql = `START_REPLICATION SLOT ${slotName} LOGICAL ${formatLsn(this.options.startLsn)} (proto_version '1', publication_names ${pubs}${extra})`;
    const copy = createCopyBothStream(sql, this.options.highWaterMark);
    this.copy = copy;
    copy.on('error', (err) => this.fail(err));
    copy.on('readable', () => this.signal());
    copy.on('end', () => {
      this.ended = true;
      this.signal();
    });
    client.query(copy as unknown as pg.QueryConfig);
    // pg-copy-streams holds writes until CopyBothResponse arrives, so this callback marks the start.
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const onError = (err: unknown) => {
        if (settled) return;
        settled = true;
        // After the server's answer the error is one of streaming, already recorded by fail(): start
        // resolves, and nextBatch hands out what arrived before the error, then throws it (measured
        // before: called an error of starting, and the transactions before it were dropped unqueued).
        if (copyBothStarted(copy)) resolve();
        else reject(toReplicationError(err, { action: 'Starting the change stream', user, role, slotName }));
      };
      copy.once('error', onError);
      copy.write(this.statusUpdate(false), (err) => {
        const settle = () => {
          copy.off('error', onError);
          if (settled) return;
          settled = true;
          if (err) reject(err);
          else resolve();
        };
        const delayed = failpointDelay('stream.before-started');
        if (delayed) void delayed.then(settle);
        else settle();
      });
    }).catch(async (err) => {
      this.stopping = true;
      await client.end().catch(() => {});
      throw err;
    });
    const interval = this.options.statusIntervalMs ?? 10_000;
    this.timer = setInterval(() => this.sendStatus(false), interval);
    this.timer.unref();
  }

  /**
   * Records that everything up to `lsn` (a Commit's `endLsn`) is durably persisted and tells the
   * server, which may then recycle that WAL. Lower values than an earlier acknowledgement are ignored.
   */
  acknowledge(lsn: Lsn): void {
    if (lsn <= this.ackLsn) return;
    this.ackLsn = lsn;
    // Each status update wakes the walsender (CPU on the source): at most one per ACK_INTERVAL_MS,
    // the latest position going out at the end of the interval. (The server only keeps WAL a little
    // longer; an unacknowledged change is never lost, at worst sent again.)
    const wait = this.lastStatusAt + ACK_INTERVAL_MS - Date.now();
    if (wait <= 0) {
      this.sendStatus(false);
    } else if (!this.ackTimer) {
      this.ackTimer = setTimeout(() => {
        this.ackTimer = undefined;
        this.sendStatus(false);
      }, wait);
      this.ackTimer.unref();
    }
  }

  /**
   * Stops reading the socket until {@link resumeReading}: what the server sends meanwhile waits in
   * the kernel's receive buffer (and, once that is full, in the walsender), and is read in a few
   * large reads afterwards instead of one wake-up of this process per transaction. Node.js's own
   * flow control stays in charge: it starts reading again whenever its stream asks for more.
   */
  pauseReading(): void {
    const handle = this.socketHandle();
    if (this.stopping || !handle?.reading) return; // not reading already: Node.js's flow control has it, leave it there
    handle.reading = false;
    handle.readStop();
    this.pausedHandle = handle;
  }

  /** Reads the socket again after {@link pauseReading}; only what that call stopped is started again. */
  resumeReading(): void {
    const handle = this.pausedHandle;
    this.pausedHandle = undefined;
    if (!handle || handle.reading || handle !== this.socketHandle()) return;
    handle.reading = true;
    handle.readStart();
  }

  /** The socket's libuv handle (Node.js's internal `_handle`), when it has one that can stop reading. */
  private socketHandle(): ReadHandle | undefined {
    const socket = (this.client as unknown as { connection?: { stream?: { _handle?: Partial<ReadHandle> | null; destroyed?: boolean } } } | undefined)?.connection?.stream;
    const handle = socket && !socket.destroyed ? socket._handle : undefined;
    if (!handle || typeof handle.reading !== 'boolean' || typeof handle.readStop !== 'function' || typeof handle.readStart !== 'function') return undefined;
    return handle as ReadHandle;
  }

  /** Iterates the events; only one iteration per stream. */
  [Symbol.asyncIterator](): AsyncIterator<WalEvent> {
    if (this.iterating) throw new Error('WalStream can be iterated only once');
    this.iterating = true;
    return {
      next: () => this.next(),
      return: async () => {
        await this.stop();
        return DONE;
      },
    };
  }

  /**
   * Stops streaming: sends a last status update with the acknowledged LSN, ends the COPY and closes
   * the connection. Unacknowledged events will be
   * delivered again by the next stream. Idempotent.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.timer);
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    this.signal();
    const client = this.client;
    if (!client) return;
    this.sendStatus(false);
    const copy = this.copy;
    if (copy && !this.failure) {
      // End COPY properly (CopyDone, then the server's CopyDone and ReadyForQuery) before closing:
      // pg would otherwise destroy the socket of an active query, and a reset connection may lose
      // the status update just sent.
      this.resumeReading(); // the server's CopyDone must be read
      copy.removeAllListeners('readable');
      copy.on('data', () => {}); // drain: the server's CopyDone may sit behind buffered messages
      copy.resume();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 5_000);
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        copy.once('finish', done);
        copy.once('error', done);
        copy.end();
      });
    }
    const socket = (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream;
    const timeout = setTimeout(() => socket?.destroy(), 5_000);
    await client.end().catch(() => {});
    clearTimeout(timeout);
  }

  /**
   * Every event decodable from what has been received (at most `max`), waiting for the first one:
   * one await per read of the socket instead of one per message. Undefined once the stream is
   * stopped. Use either this or the iterator, not both.
   */
  async nextBatch(max = 4096): Promise<WalEvent[] | undefined> {
    this.iterating = true;
    const out: WalEvent[] = [];
    for (;;) {
      if (this.stopping) return undefined;
      const copy = this.copy;
      if (!copy) throw new Error('WalStream not started');
      while (out.length < max) {
        const chunk: Buffer | null = copy.read();
        if (chunk === null) break;
        const ev = this.handle(chunk, out.length === 0);
        if (ev) out.push(ev);
      }
      if (out.length > 0) return out;
      // What arrived before the server's error is handed out first: the transactions it sent
      // whole are then queued before the stream stops (measured before: a transaction committed
      // just before a change the server could not send was dropped with it; the pg-fidelity run).
      if (this.failure) throw this.failure;
      if (this.ended) throw new Error('replication stream ended by the server');
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  private async next(): Promise<IteratorResult<WalEvent>> {
    const one = await this.nextBatch(1);
    return one ? { done: false, value: one[0]! } : DONE;
  }

  /** Whether an idle position may be acknowledged: recorded by `beforeIdleAcknowledge` (when given). */
  private recordIdle(lsn: Lsn): boolean {
    try {
      this.options.beforeIdleAcknowledge?.(lsn);
      return true;
    } catch {
      return false;
    }
  }

  /** `nothingUndelivered`: no message decoded before this one waits to be handed out. */
  private handle(chunk: Buffer, nothingUndelivered: boolean): WalEvent | undefined {
    this.receivedMessages++;
    const env = decodeCopyDataEnvelope(chunk);
    if (env.kind === 'keepalive') {
      // The server sends a keepalive after everything decoded up to walEnd: when every transaction
      // handed out is settled and none waits to be, nothing before walEnd is owed, and walEnd may be
      // confirmed (as PostgreSQL's own subscriber does when it has nothing pending). A transaction
      // begun before walEnd and committed after it is still sent after a restart from there.
      if (nothingUndelivered && env.walEnd > this.ackLsn && this.options.settled?.() && this.recordIdle(env.walEnd)) this.acknowledge(env.walEnd);
      // Answer with what was acknowledged, never with what was merely received.
      if (env.replyRequested) this.sendStatus(false);
      return undefined;
    }
    const message = decodePgoutputMessage(env.payload);
    const lsn = env.walStart;
    const sentAt = env.sendTime;
    switch (message.tag) {
      case 'relation':
        this.relationCache.set(message.relationId, message);
        return { lsn, sentAt, message };
      case 'insert':
      case 'update':
      case 'delete':
        return { lsn, sentAt, message, relation: this.relation(message.relationId) };
      case 'truncate':
        return { lsn, sentAt, message, relations: message.relationIds.map((id) => this.relation(id)) };
      default:
        return { lsn, sentAt, message };
    }
  }

  private relation(id: number): RelationMessage {
    const r = this.relationCache.get(id);
    // pgoutput sends a Relation before a table's first change in each session, so this is a protocol bug.
    if (!r) throw new Error(`pgoutput sent a change for relation ${id} before its Relation message`);
    return r;
  }

  private statusUpdate(replyRequested: boolean): Buffer {
    return encodeStandbyStatusUpdate(this.ackLsn, BigInt(Date.now()) * 1000n, replyRequested);
  }

  private sendStatus(replyRequested: boolean): void {
    const copy = this.copy;
    if (!copy || this.failure || copy.writableEnded || copy.destroyed) return;
    this.lastStatusAt = Date.now();
    copy.write(this.statusUpdate(replyRequested));
  }

  private fail(err: unknown): void {
    if (this.stopping || this.failure) return;
    this.failure = toReplicationError(err, { action: 'Streaming changes', user: replicationUser(this.options.connection), role: replicationRole(this.options.connection), slotName: this.options.slotName });
    clearInterval(this.timer);
    this.signal();
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
