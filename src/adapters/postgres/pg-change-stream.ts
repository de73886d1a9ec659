import type { UnnumberedChangeEvent } from '../../core/change-event.js';
import { TRANSACTION_PART_EVENTS, type CapturedTransaction, type ChangeStream, type StreamConfirmations } from '../../core/engine/change-capture.js';
import { TandemError } from '../../core/errors.js';
import { describeDb, type DbConfig } from '../../core/db-config.js';
import { columnChange } from '../../core/engine/catalog.js';
import { connectionPlan, withPg } from './pg-connection.js';
import { WalStream, type WalEvent } from './replication/wal-stream.js';
import { formatLsn, lsnToPosition, parseLsn, positionToLsn, type Lsn } from './replication/lsn.js';
import { UNCHANGED_TOAST, type RelationMessage, type Tuple } from './replication/pgoutput-messages.js';

/** The logical-message prefix Tandem writes its markers with. */
export const MARKER_PREFIX = 'tandem';

/** Most replication messages decoded per read of the socket (one batch of transactions). */
const MESSAGES_PER_READ = 4096;


/** The transaction being received: its events (since its last part) and markers so far. */
interface OpenTransaction {
  events: UnnumberedChangeEvent[];
  markers: string[];
  xid: string;
  /** Its commit record's LSN (from Begin): the position of its parts. */
  finalLsn: Lsn;
  /** Parts of it were handed over: its commit is handed over even with no events left. */
  parted: boolean;
}

export interface CaptureOptions {
  readonly source: DbConfig;
  readonly slotName: string;
  readonly publicationName: string;
  /** Resume point: the last durably queued commit end LSN (or the slot's consistent point). */
  readonly startLsn: Lsn;
  /** Primary-key columns per `schema.table`, from the source catalog. */
  readonly primaryKeys: ReadonlyMap<string, readonly string[]>;
  /** The copied columns per `schema.table` when the stream opened: a Relation message that differs is warned about. */
  readonly columns?: ReadonlyMap<string, readonly string[]>;
  /** Receives the warning about a table whose columns changed while the stream ran. */
  readonly onWarning?: (message: string) => void;
  /** Events per part of a large transaction; default TRANSACTION_PART_EVENTS. */
  readonly partEvents?: number;
  /**
   * Each migrated table's name by its oid (pgoutput's relation id): a table renamed during the
   * migration keeps its changes going to the table of the migration's name.
   */
  readonly namesByOid?: ReadonlyMap<number, { readonly schema: string; readonly name: string }>;
  /** The idle positions confirmed beyond the last queued transaction, recorded by the exporter (`StreamConfirmations`). */
  readonly confirmations?: StreamConfirmations;
}

/**
 * The stream of a PostgreSQL (or YugabyteDB) slot: turns pgoutput messages into change events, one
 * committed transaction at a time. Values keep the server's text form; an unchanged TOASTed column
 * is left out of `after` (never written as NULL). A transaction's position is its commit's end LSN
 * as a sortable position (`lsnToPosition`), which is also what `acknowledge` confirms to the slot.
 * Tandem's markers are transactional logical messages with the prefix `tandem`. A transaction of
 * more than `partEvents` events is handed over in parts as it arrives, each with the LSN of its
 * commit record (known from its Begin message) as position: after every earlier transaction's
 * commit end (or equal to it) and before its own.
 */
export class PgChangeStream implements ChangeStream {
  private readonly stream: WalStream;
  /** Between a Begin and its Commit (read, not yet handed out whole). */
  private inTransaction = false;
  /** The end of the last transaction handed out (or about to be): what must be acknowledged before an idle keepalive may be. */
  private handedOutLsn: Lsn = 0n;
  /** Each table's columns as of its last warning (until then: `options.columns`). */
  private readonly knownColumns = new Map<string, readonly string[]>();
  /** Each table's column types in its last Relation message of this session. */
  private readonly knownTypes = new Map<string, Map<string, { oid: number; mod: number }>>();
  /** A renamed table's Relation message as the migration names it, by the message it stands for. */
  private readonly renamedViews = new WeakMap<RelationMessage, RelationMessage>();
  /** Renames already warned about (`oid:schema.name`). */
  private readonly renamesSaid = new Set<string>();
  /**
   * Tables whose latest Relation message names rows by other columns than the migration's primary
   * key (REPLICA IDENTITY NOTHING, a non-key index, another primary key), with how: their next
   * update or delete stops the capture; inserts go on.
   */
  private readonly foreignIdentity = new Map<string, string>();

  constructor(private readonly options: CaptureOptions) {
    this.stream = new WalStream({
      connection: connectionPlan(options.source),
      slotName: options.slotName,
      publicationNames: [options.publicationName],
      startLsn: options.startLsn,
      logicalMessages: true,
      settled: () => !this.inTransaction && this.stream.acknowledgedLsn >= this.handedOutLsn,
      ...(options.confirmations ? { beforeIdleAcknowledge: (lsn: Lsn) => options.confirmations!.record(lsnToPosition(lsn)) } : {}),
    });
  }

  async start(): Promise<void> {
    // The check on its own connection while the replication connection opens: at a cutover with
    // fall-back the target's stream starts after COMPLETED, while the application writes there.
    const check = this.options.confirmations && this.options.startLsn > 0n ? this.checkNotBehindSlot() : undefined;
    check?.catch(() => {}); // awaited by start below
    await this.stream.start(check);
  }

  /**
   * The slot never goes back behind what it confirmed, and it confirmed only what the export dir
   * recorded first (a queued transaction, or an idle position): confirmed beyond both, the export
   * dir is older than the stream, and the server would silently start after changes that are in no
   * queue. Refused, nothing read.
   */
  private async checkNotBehindSlot(): Promise<void> {
    const { source, slotName, startLsn, confirmations } = this.options;
    const row = await withPg(source, async (client) => (await client.query('SELECT confirmed_flush_lsn::text AS c FROM pg_replication_slots WHERE slot_name = $1', [slotName])).rows[0]);
    if (!row?.c) return; // a missing slot is the stream's own error
    const confirmed = parseLsn(String(row.c));
    const idle = confirmations?.lastRecorded !== undefined ? positionToLsn(confirmations.lastRecorded) : 0n;
    const known = startLsn > idle ? startLsn : idle;
    if (confirmed <= known) return;
    throw new TandemError('TANDEM_EXPORT_DIR', `The replication slot ${slotName} on ${describeDb(source)} has confirmed changes up to ${formatLsn(confirmed)}, but this export dir knows of them only up to ${formatLsn(known)}: `
      + 'the export dir is older than the stream (put back from an earlier copy, or its meta.db lost writes), and the changes in between are in no queue. Nothing was read; resuming would skip them.', {
      hint: 'Put back the export dir as it was last (not an earlier copy) and rerun. If it is lost, this migration cannot go on: start it again from a new snapshot (tandem end migration, then a new export dir, with empty target tables).',
    });
  }

  /** Tells the source that everything up to the end of `tx` is durably queued. */
  acknowledge(tx: CapturedTransaction): void {
    this.stream.acknowledge(positionToLsn(tx.position));
  }

  /** Messages decoded but not yet consumed: 0 means the consumer has caught up with the socket. */
  get buffered(): number {
    return this.stream.bufferedMessages;
  }

  pauseReading(): void {
    this.stream.pauseReading();
  }

  resumeReading(): void {
    this.stream.resumeReading();
  }

  async stop(): Promise<void> {
    await this.stream.stop();
  }

  /** Committed transactions in commit order. Transactions that touch no published table are skipped. */
  async *transactions(): AsyncGenerator<CapturedTransaction> {
    for await (const batch of this.transactionBatches()) yield* batch;
  }

  /**
   * The transactions committed in everything received so far, in commit order, one array per read
   * of the socket (never empty): the consumer awaits once per read instead of once per message and
   * per transaction. A transaction may span reads; it is handed out with the read of its commit, or
   * in parts (the read that fills each part).
   */
  async *transactionBatches(): AsyncGenerator<CapturedTransaction[]> {
    const open: OpenTransaction = { events: [], markers: [], xid: '', finalLsn: 0n, parted: false };
    const partEvents = this.options.partEvents ?? TRANSACTION_PART_EVENTS;
    for (;;) {
      const received = await this.stream.nextBatch(MESSAGES_PER_READ);
      if (!received) return;
      const committed: CapturedTransaction[] = [];
      for (const ev of received) {
        const tx = this.accept(open, ev);
        if (tx) committed.push(tx);
        else if (open.events.length >= partEvents) {
          committed.push({ events: open.events, position: lsnToPosition(open.finalLsn), txId: open.xid, markers: [], continues: true });
          open.events = [];
          open.parted = true;
        }
      }
      if (committed.length > 0) yield committed;
    }
  }

  /** Adds one message to the open transaction; returns the transaction its commit completes. */
  private accept(open: OpenTransaction, ev: WalEvent): CapturedTransaction | undefined {
    const m = ev.message;
    const xid = open.xid;
    switch (m.tag) {
      case 'begin':
        this.inTransaction = true;
        open.events = [];
        open.markers = [];
        open.xid = String(m.xid);
        open.finalLsn = m.finalLsn;
        open.parted = false;
        return undefined;
      case 'commit': {
        const { events, markers } = open;
        open.events = [];
        open.markers = [];
        this.inTransaction = false;
        if (!(events.length > 0 || markers.length > 0 || open.parted)) return undefined;
        this.handedOutLsn = m.endLsn;
        // Both times are the server's clock: how long after its commit the server sent it.
        const sourceBehindMs = Math.max(0, Number(ev.sentAt - m.commitTime) / 1000);
        return { events, position: lsnToPosition(m.endLsn), txId: xid, markers, sourceBehindMs, commitTimeMs: Number(m.commitTime / 1000n) };
      }
      case 'message':
        if (m.prefix === MARKER_PREFIX && m.transactional) open.markers.push(m.content.toString('utf8'));
        return undefined;
      case 'insert': {
        const rel = this.migrated(ev.relation!);
        const row = tupleToRecord(rel, m.newTuple);
        open.events.push({ op: 'c', schema: rel.schema, table: rel.name, key: this.keyOf(rel, row), after: row, position: '', txId: xid });
        return undefined;
      }
      case 'update': {
        const rel = this.migrated(ev.relation!);
        const after = tupleToRecord(rel, m.newTuple);
        // The old key comes with the message only when it changed (or identity FULL/index).
        this.checkLoggedKey(rel, 'an update');
        const old = m.oldTuple ? tupleToRecord(rel, m.oldTuple) : undefined;
        // An old tuple always holds the key (identity DEFAULT: the key; FULL: every column); one without it was logged under another key.
        if (old && !this.hasKey(rel, old)) throw this.keyMissing(rel, 'an update');
        const key = this.keyOf(rel, old ?? after);
        open.events.push({ op: 'u', schema: rel.schema, table: rel.name, key, after, position: '', txId: xid });
        return undefined;
      }
      case 'delete': {
        const rel = this.migrated(ev.relation!);
        this.checkLoggedKey(rel, 'a delete');
        const old = tupleToRecord(rel, m.oldTuple);
        if (!this.hasKey(rel, old)) throw this.keyMissing(rel, 'a delete');
        open.events.push({ op: 'd', schema: rel.schema, table: rel.name, key: this.keyOf(rel, old), position: '', txId: xid });
        return undefined;
      }
      case 'truncate':
        for (const r of ev.relations ?? []) {
          const rel = this.migrated(r);
          open.events.push({ op: 't', schema: rel.schema, table: rel.name, key: {}, position: '', txId: xid });
        }
        return undefined;
      case 'relation': {
        const rel = this.migrated(m);
        if (rel !== m) this.sayRenamed(m, rel);
        this.checkIdentity(rel);
        this.checkColumns(rel);
        return undefined;
      }
      default:
        return undefined; // type, origin, message: nothing to queue
    }
  }

  /**
   * pgoutput sends a table's Relation message before its first change in a session and again after
   * its definition changed. Logical decoding carries rows, not DDL: a column added or renamed on the
   * database being read makes the importer stop at the first change that carries it (until the
   * written table has it too), a dropped column silently stops arriving, and a column whose type
   * changed may carry values the written column cannot take. Said here, once per change of a
   * table's definition, when the change happens rather than when an import fails. Columns are
   * compared with those of the last warning (else those of the stream's opening); types with the
   * table's previous Relation message in this session (the first one has nothing to compare with).
   */
  private checkColumns(rel: RelationMessage): void {
    const key = `${rel.schema}.${rel.name}`;
    const known = this.knownColumns.get(key) ?? this.options.columns?.get(key);
    const types = new Map(rel.columns.map((c) => [c.name, { oid: c.typeOid, mod: c.typeMod }]));
    const before = this.knownTypes.get(key);
    this.knownTypes.set(key, types);
    if (!known || !this.options.onWarning) return;
    const names = rel.columns.map((c) => c.name);
    const change = columnChange(known, names);
    const retyped = before ? names.filter((n) => {
      const was = before.get(n);
      const now = types.get(n)!;
      return was !== undefined && (was.oid !== now.oid || was.mod !== now.mod);
    }) : [];
    if (!change && retyped.length === 0) return;
    this.knownColumns.set(key, names);
    const what = [
      change?.text ?? '',
      retyped.length ? `changed the type of ${retyped.map((n) => `${n} (${typeName(before!.get(n)!)} to ${typeName(types.get(n)!)})`).join(', ')}` : '',
    ].filter(Boolean).join(' and ');
    this.options.onWarning(`${key} was changed on ${describeDb(this.options.source)} during the migration: it ${what}${change?.renamed ? ' (renamed columns show as both)' : ''}. Schema changes are not replicated: make the same change to ${key} on the database being written. Until it has every column the changes carry, and types that take their values, the import stops at the first change it cannot write and waits for a rerun (nothing is lost); a column dropped here stays there, filled with its default in new rows.`);
  }

  /**
   * A delete (and a change of a row's primary key) reaches the stream with the row's replica
   * identity: its primary key under REPLICA IDENTITY DEFAULT, every column under FULL. Under
   * NOTHING, an index other than the primary key's, or a primary key changed on the source (DEFAULT
   * is then the new key), it comes without the migration's key, and an update that changes that key
   * cannot be told from one that does not: applied, such changes would miss their rows and be lost
   * on the target, silently (measured before these checks, for the index and for a new primary key).
   * `export data` refuses the first two up front. Set during the migration, pgoutput describes the
   * table again before its next change: the exporter warns at once, and the table's next update or
   * delete stops the capture before it is queued (inserts carry whole rows and go on). Undone before
   * that, nothing stops.
   */
  private checkIdentity(rel: RelationMessage): void {
    const key = `${rel.schema}.${rel.name}`;
    const pk = this.options.primaryKeys.get(key);
    if (!pk || pk.length === 0) return; // not a table Tandem knows a key for: pkOf says so at its first change
    const identity = rel.columns.filter((c) => c.isKey).map((c) => c.name);
    const samePk = identity.length === pk.length && pk.every((c) => identity.includes(c));
    let how: string | undefined;
    let restore = `ALTER TABLE ${key} REPLICA IDENTITY DEFAULT;`;
    if (rel.replicaIdentity === 'n') how = 'REPLICA IDENTITY NOTHING';
    else if (rel.replicaIdentity === 'i' && !samePk) how = `REPLICA IDENTITY USING INDEX on (${identity.join(', ')}), not its primary key (${pk.join(', ')})`;
    // DEFAULT with no key at all: the source refuses the table's updates and deletes, so its inserts go on as they are.
    else if (rel.replicaIdentity === 'd' && identity.length > 0 && !samePk) {
      how = `a new primary key (${identity.join(', ')}), not the migration's (${pk.join(', ')})`;
      restore = `give ${key} its primary key on (${pk.join(', ')}) back, or ALTER TABLE ${key} REPLICA IDENTITY FULL;`;
    }
    // YugabyteDB's own CHANGE mode ('c') and FULL carry what the key needs.
    if (how === undefined) {
      this.foreignIdentity.delete(key);
      return;
    }
    if (this.foreignIdentity.get(key) === how) return;
    this.foreignIdentity.set(key, how);
    // With NOTHING, PostgreSQL itself refuses the table's updates and deletes while it is published (the pg-ddl-48 run).
    const effect = rel.replicaIdentity === 'n'
      ? 'PostgreSQL now refuses the application\'s updates and deletes of it (the table is published for the migration and has no replica identity)'
      : 'its next update or delete would be logged without the migration\'s key and stop the capture, and the migration could not go past it';
    this.options.onWarning?.(`${key} on ${describeDb(this.options.source)} was given ${how} during the migration: ${effect}. Now, before the table's next update or delete: ${restore} Inserts go on as they are.`);
  }

  /** Stops the capture at an update or delete of a table described with another identity than the migration's key (see {@link checkIdentity}). */
  private checkLoggedKey(rel: RelationMessage, what: string): void {
    if (this.foreignIdentity.size === 0) return; // nearly always: no table changed its identity
    const key = `${rel.schema}.${rel.name}`;
    const how = this.foreignIdentity.get(key);
    if (how === undefined) return;
    throw new TandemError('TANDEM_PREREQUISITE', `${what[0]!.toUpperCase()}${what.slice(1)} of ${key} arrived from ${describeDb(this.options.source)} logged under ${how} (changed during the migration): it is logged without the migration's key and cannot be applied to its row exactly. Capture stopped before it.`, {
      hint: `The change log keeps this ${what.slice(what.indexOf(' ') + 1)} so, and every update and delete of ${key} made until the setting is undone: the migration cannot go past them. Start it again from a new snapshot (tandem end migration, a new export dir) once ${key} has its primary key and REPLICA IDENTITY DEFAULT (or FULL) again.`,
    });
  }

  /**
   * The relation as the migration names it: a table renamed (or moved to another schema) on the
   * database being read is the same table (its oid), and its changes go on to the table of the
   * migration's name. Everything after the stream's decoding sees only that name.
   */
  private migrated(rel: RelationMessage): RelationMessage {
    const named = this.options.namesByOid?.get(rel.relationId);
    if (!named || (named.schema === rel.schema && named.name === rel.name)) return rel;
    let view = this.renamedViews.get(rel);
    if (!view) this.renamedViews.set(rel, (view = { ...rel, schema: named.schema, name: named.name }));
    return view;
  }

  private sayRenamed(now: RelationMessage, migrated: RelationMessage): void {
    const said = `${now.relationId}:${now.schema}.${now.name}`;
    if (this.renamesSaid.has(said) || !this.options.onWarning) return;
    this.renamesSaid.add(said);
    const key = `${migrated.schema}.${migrated.name}`;
    this.options.onWarning(`${key} is named ${now.schema}.${now.name} on ${describeDb(this.options.source)} now (renamed during the migration): its changes keep going to ${key} on the database being written. Rename it back on the ${this.options.source.role} before the cutover: the cutover's verification and the fall-back find tables by name (renaming the written table too would make these changes fail there).`);
  }

  private pkOf(rel: RelationMessage): readonly string[] {
    const pk = this.options.primaryKeys.get(`${rel.schema}.${rel.name}`);
    if (!pk || pk.length === 0) {
      throw new TandemError('TANDEM_UNSUPPORTED', `A change arrived for ${rel.schema}.${rel.name}, which is not a table this migration knows a primary key of.`, {
        hint: 'A table the migration started with carries its key; one added to the publication by hand, or a primary key dropped on the source, does not. Undo that, then rerun export data: it resumes.',
      });
    }
    return pk;
  }

  /**
   * A delete or an update whose logged old row lacks the migration's primary key: it was logged
   * under another replica identity than the one the Relation checks saw (a safety net: applied, it
   * would find no row and be lost without an error).
   */
  private keyMissing(rel: RelationMessage, what: string): TandemError {
    const key = `${rel.schema}.${rel.name}`;
    return new TandemError('TANDEM_PREREQUISITE', `${what[0]!.toUpperCase()}${what.slice(1)} of ${key} arrived from ${describeDb(this.options.source)} without its primary key (${this.pkOf(rel).join(', ')}): it could not be applied to its row. Capture stopped before it.`, {
      hint: `Check ${key}'s primary key and replica identity on the source (ALTER TABLE ${key} REPLICA IDENTITY DEFAULT; with its original primary key), then rerun export data; if the table changed meanwhile, start the migration again from a new snapshot.`,
    });
  }

  private hasKey(rel: RelationMessage, row: Record<string, string | null>): boolean {
    return this.pkOf(rel).every((c) => c in row && row[c] !== null);
  }

  private keyOf(rel: RelationMessage, row: Record<string, string | null>): Record<string, string | null> {
    const key: Record<string, string | null> = {};
    for (const c of this.pkOf(rel)) key[c] = row[c] ?? null;
    return key;
  }
}

/** Column name → text value; unchanged TOAST values are left out, binary ones never requested. */
function tupleToRecord(rel: RelationMessage, tuple: Tuple): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (let i = 0; i < rel.columns.length; i++) {
    const v = tuple[i];
    if (v === UNCHANGED_TOAST || v === undefined) continue;
    out[rel.columns[i]!.name] = v === null ? null : Buffer.isBuffer(v) ? v.toString('utf8') : v;
  }
  return out;
}

/** Names of the built-in types a column is most often changed from or to (others by OID). */
const TYPE_NAMES: Readonly<Record<number, string>> = {
  16: 'boolean', 17: 'bytea', 20: 'bigint', 21: 'smallint', 23: 'integer', 25: 'text', 114: 'json', 700: 'real',
  701: 'double precision', 1042: 'character', 1043: 'character varying', 1082: 'date', 1083: 'time',
  1114: 'timestamp', 1184: 'timestamptz', 1700: 'numeric', 2950: 'uuid', 3802: 'jsonb',
};

/** A type as a Relation message gives it: a name where known, with its modifier (varchar length, numeric precision). */
function typeName(t: { oid: number; mod: number }): string {
  const name = TYPE_NAMES[t.oid] ?? `type ${t.oid}`;
  if (t.mod < 0) return name;
  if (t.oid === 1042 || t.oid === 1043) return `${name}(${t.mod - 4})`;
  if (t.oid === 1700) return `${name}(${(t.mod - 4) >> 16},${(t.mod - 4) & 0xffff})`;
  return `${name} (modifier ${t.mod})`;
}
