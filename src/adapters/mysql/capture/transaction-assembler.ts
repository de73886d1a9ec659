/**
 * Decoded binlog events in, committed transactions out, in binlog (= commit) order. Pure: it keeps
 * the current file, the GTID state and the table maps, and does no I/O.
 *
 * A transaction is an event group: a GTID (MariaDB GTID_EVENT, MySQL GTID_LOG_EVENT) or a BEGIN, its
 * TABLE_MAP and rows events, and XID (or a COMMIT query); a DDL statement is a group of its own. Only
 * rows of the migrated tables become change events; a TRUNCATE of one becomes a `t` event; DDL that
 * changes a migrated table, and statement-based DML on one, stop capture with a TandemError.
 * Every group yields a transaction, also one without events, so the position can move on
 * (`AssembledTransaction.events` is then empty).
 */
import type { UnnumberedChangeEvent } from '../../../core/change-event.js';
import { TandemError } from '../../../core/errors.js';
import { TRANSACTION_PART_EVENTS } from '../../../core/engine/change-capture.js';
import { EVENT_FLAG_ARTIFICIAL } from './binlog-event-types.js';
import type { BinlogEvent, EventHeader, RowsEvent, TableMapEvent } from './binlog-event-types.js';
import { compileRowDecoder, decodeRows, isFullImage, type ColumnValue, type RowDecoderPlan } from './binlog-row-decoder.js';
import { encodeBinlogPosition, type BinlogPosition, type GtidPosition } from './binlog-position.js';
import { MariaGtidState, MysqlGtidSet } from './gtid-state.js';
import { classifyQuery, type TableRef } from './query-classifier.js';
import { currentRowChange, isCurrentRowEnd } from './system-versioned-rows.js';
import { passThroughConverters, type CaptureTable, type ConverterFactory, type ValueConverter } from './capture-table.js';

/** A rows event's flag: the statement ran with foreign_key_checks = 0 (MySQL's and MariaDB's NO_FOREIGN_KEY_CHECKS_F). */
const ROWS_NO_FOREIGN_KEY_CHECKS = 0x2;

/** One committed source transaction. */
export interface AssembledTransaction {
  /** Change events of migrated tables, in binlog order; each carries `position`. */
  readonly events: UnnumberedChangeEvent[];
  /** Sortable end position (see binlog-position.ts): resume from here to get the next transaction. */
  readonly position: string;
  /** The same, decoded. */
  readonly binlogPosition: BinlogPosition;
  /** The GTID (`0-1-100`, `uuid:100`), or `file:offset` where the group began. */
  readonly txId: string;
  /** The commit's timestamp (seconds since the epoch, the server's clock). */
  readonly timestamp: number;
  /**
   * A part of a group too large to hold (`CapturedTransaction.continues`): more of its events
   * follow. Its `position` is where the group began (the GTID state before it): at or after the
   * previous transaction's end, before this one's.
   */
  readonly continues?: true;
  /** The last of a group handed over in parts: handed out even without events. */
  readonly endsParts?: true;
}

/*
 * A group is handed over in parts of TRANSACTION_PART_EVENTS events (`AssembledTransaction.continues`),
 * so that a transaction of millions of rows does not have to fit in memory. XA groups are not: they
 * are refused when they change a migrated table, which may only show at their end.
 */

/** Options for {@link TransactionAssembler}. */
export interface TransactionAssemblerOptions {
  /** The migrated tables. */
  readonly tables: readonly CaptureTable[];
  /** Where the stream starts: the end of the last transaction already captured. */
  readonly start: BinlogPosition;
  /** Value converters per column (default: text as is, binary as bytea hex). */
  readonly converters?: ConverterFactory;
  /** True when the server compares table names without case (`lower_case_table_names` 1 or 2). */
  readonly caseInsensitiveNames?: boolean;
  /** Opens an uncompressed MySQL 8 transaction payload into its events. */
  readonly openPayload?: (payload: Buffer) => BinlogEvent[];
  /** Events per part of a large group; default TRANSACTION_PART_EVENTS. */
  readonly partEvents?: number;
  /**
   * The dump was started from `start`'s GTID state, not its file and offset: the server then sends
   * only transactions after that state, so one whose position sorts at or before `start` is not an
   * overlap but a binlog numbered anew (a failover to a server whose files are numbered lower, a
   * RESET MASTER), and capture stops (`renumberedBinlog`).
   */
  readonly resumedByGtid?: boolean;
  /** Told of a statement that changed only a migrated table's indexes or CHECKs (capture goes on past it). */
  readonly onIndexChange?: (message: string) => void;
}

interface TableState {
  readonly map: TableMapEvent;
  /** Undefined for tables the migration does not capture. */
  readonly table?: CaptureTable;
  plan?: RowDecoderPlan;
  columns?: CompiledTable;
}

interface CompiledTable {
  readonly names: readonly string[];
  readonly converters: readonly ValueConverter[];
  /** Column indexes of the primary key. */
  readonly keyIndexes: readonly number[];
  /** Column indexes that go into `after`. */
  readonly afterIndexes: readonly number[];
  /** Per column: decoded in a row as it was (the primary key, and a system-versioned table's row end). */
  readonly beforeColumns: readonly boolean[];
  /** Column index of a system-versioned table's row end; -1 for other tables. */
  readonly rowEndIndex: number;
  /** Every key column goes into `after` (an insert's key is then taken from its converted `after`). */
  readonly keyInAfter: boolean;
}

type PendingEvent = Omit<UnnumberedChangeEvent, 'position' | 'txId'>;

/** The change a rows event makes to a table that is not system-versioned. */
const ROW_OPS = { write: 'c', update: 'u', delete: 'd' } as const;

interface Group {
  /** Applies this group's GTID to the state (undefined: no GTID). */
  readonly nextGtid?: (g: GtidPosition | undefined) => GtidPosition | undefined;
  readonly txId: string;
  /** Inside BEGIN … COMMIT (a MariaDB GTID_EVENT without FL_STANDALONE stands for BEGIN). */
  begun: boolean;
  xa: boolean;
  /** Its events since its last part. */
  events: PendingEvent[];
  /** Where it began (`file:offset` of its first event). */
  readonly startFile: string;
  readonly startOffset: number;
  /** Parts of it were handed over. */
  parted: boolean;
  /** True once a row of a migrated table was seen (whatever became of it). */
  migratedRows: boolean;
  /** Events handed over in parts so far. */
  handed: number;
  /** The events up to this count (handed ones included) that a rollback must not reach: a transactional table's event was handed over among them. */
  committedThrough: number;
  /** Savepoints in the order set: name → the count of events before it (handed ones included). */
  readonly savepoints: Map<string, number>;
}

export class TransactionAssembler {
  private file: string;
  private gtid: GtidPosition | undefined;
  private group: Group | undefined;
  private readonly maps = new Map<number, TableState>();
  private readonly byName = new Map<string, CaptureTable>();
  private readonly converters: ConverterFactory;
  private readonly fold: (s: string) => string;
  private readonly startKey: string;
  private inPayload = false;
  /** Event schema and table (`schema\u0000table`) of migrated tables whose engine cannot roll back. */
  private readonly nonTransactional = new Set<string>();

  constructor(private readonly options: TransactionAssemblerOptions) {
    this.file = options.start.file;
    this.gtid = options.start.gtid;
    this.converters = options.converters ?? passThroughConverters;
    this.fold = options.caseInsensitiveNames ? (s) => s.toLowerCase() : (s) => s;
    for (const t of options.tables) {
      this.byName.set(this.key(t.database, t.table), t);
      if (t.transactional === false) this.nonTransactional.add(`${t.eventSchema ?? t.database}\u0000${t.eventTable ?? t.table}`);
    }
    this.startKey = encodeBinlogPosition(options.start).slice(0, 23);
  }

  private key(database: string, table: string): string {
    return `${this.fold(database)}\u0000${this.fold(table)}`;
  }

  /** The binlog file events are being read from. */
  get currentFile(): string {
    return this.file;
  }

  /** True between the start of a group and its commit. */
  get inTransaction(): boolean {
    return this.group !== undefined;
  }

  /**
   * Feeds one event. Returns the transaction this event commits, if any. Throws a TandemError when
   * capture must stop (DDL on a migrated table, a row image that is not full, …).
   */
  push(ev: BinlogEvent): AssembledTransaction | undefined {
    switch (ev.kind) {
      case 'rotate':
        this.file = ev.file;
        return undefined;
      case 'mariaGtid': {
        this.openCheck(ev);
        const { domainId, serverId, sequence } = ev;
        this.group = newGroup(`${domainId}-${serverId}-${sequence}`, this.startOf(ev), (g) => {
          const state = g?.flavor === 'mariadb' ? g.state : undefined;
          return state ? { flavor: 'mariadb', state: state.with(domainId, serverId, sequence) } : g;
        });
        // A MariaDB GTID_EVENT stands for BEGIN unless the group is a single statement.
        this.group.begun = !ev.standalone;
        this.group.xa = ev.xa;
        return undefined;
      }
      case 'mysqlGtid': {
        this.openCheck(ev);
        const { uuid, transactionNumber, anonymous } = ev;
        this.group = anonymous
          ? newGroup(this.here(ev), this.startOf(ev))
          : newGroup(`${uuid}:${transactionNumber}`, this.startOf(ev), (g) =>
              g?.flavor === 'mysql' ? { flavor: 'mysql', set: g.set.add(uuid, transactionNumber) } : g);
        return undefined;
      }
      case 'mariaGtidList':
        // The binlog state where a file starts (or, in a GTID dump, where the dump starts). Adopted
        // only when the start position had no GTIDs: a state already tracked is never replaced.
        if (!this.gtid) {
          let state = MariaGtidState.EMPTY;
          const last = new Map<number, bigint>();
          for (const g of ev.gtids) {
            if ((last.get(g.domainId) ?? -1n) < g.sequence) {
              last.set(g.domainId, g.sequence);
              state = state.with(g.domainId, g.serverId, g.sequence);
            }
          }
          this.gtid = { flavor: 'mariadb', state };
        }
        return undefined;
      case 'previousGtids':
        if (!this.gtid) {
          let set = MysqlGtidSet.EMPTY;
          for (const s of ev.sets) for (const [lo, hi] of s.intervals) set = set.addInterval(s.uuid, lo, hi);
          this.gtid = { flavor: 'mysql', set };
        }
        return undefined;
      case 'query':
        return this.query(ev);
      case 'tableMap': {
        const prev = this.maps.get(ev.tableId);
        if (prev && sameShape(prev.map, ev)) return undefined;
        const table = this.byName.get(this.key(ev.database, ev.table));
        this.maps.set(ev.tableId, table ? { map: ev, table } : { map: ev });
        return undefined;
      }
      case 'rows':
        this.rows(ev);
        return this.part(ev);
      case 'xid':
        return this.finish(ev);
      case 'transactionPayload': {
        if (ev.compression !== 'none' || !this.options.openPayload) {
          throw new TandemError('TANDEM_PREREQUISITE', `The binlog holds a ${ev.compression}-compressed transaction payload (binlog_transaction_compression=ON), which Tandem cannot read.`, {
            hint: 'Run SET PERSIST binlog_transaction_compression = OFF; on the source. Transactions already written compressed stay so: start the migration again from a new snapshot after the change.',
            streamLost: true, // it stays in the binlog: every rerun stops here again
          });
        }
        let done: AssembledTransaction | undefined;
        // The payload holds the whole transaction already: not cut into parts.
        this.inPayload = true;
        try {
          for (const inner of this.options.openPayload(ev.payload)) {
          // Inner events carry no file offsets; the payload event's end is the transaction's end.
            const fixed = { ...inner, header: { ...inner.header, nextPosition: ev.header.nextPosition } } as BinlogEvent;
            const t = this.push(fixed);
            if (t) done = t;
          }
        } finally {
          this.inPayload = false;
        }
        return done;
      }
      case 'unsupported':
        return this.unsupported(ev);
      default:
        return undefined; // format description, GTID lists, heartbeats, annotations
    }
  }

  private openCheck(ev: { readonly header: EventHeader }): void {
    if (this.group && (this.group.begun || this.group.events.length > 0 || this.group.migratedRows)) {
      throw new TandemError('TANDEM_DATA', `A new transaction began at ${this.here(ev)} before the previous one (${this.group.txId}) committed: the binlog stream is out of step.`, {
        hint: 'Restart the command; it resumes from the last transaction it queued. If this repeats, report it as a bug.',
      });
    }
  }

  /** `file:offset` of an event's start. */
  private here(ev: { readonly header: EventHeader }): string {
    return `${this.file}:${ev.header.nextPosition - ev.header.eventLength}`;
  }

  private startOf(ev: { readonly header: EventHeader }): { file: string; offset: number } {
    return { file: this.file, offset: ev.header.nextPosition - ev.header.eventLength };
  }

  private query(ev: Extract<BinlogEvent, { kind: 'query' }>): AssembledTransaction | undefined {
    const q = classifyQuery(ev.statement);
    if (!this.group) this.group = newGroup(this.here(ev), this.startOf(ev));
    const g = this.group;
    switch (q.kind) {
      case 'begin':
        g.begun = true;
        return undefined;
      case 'commit':
        return this.finish(ev);
      case 'rollback':
        // A group in the binlog that ends in ROLLBACK also wrote a temporary or non-transactional
        // table (MariaDB cannot drop such a group from its binlog cache): its changes to
        // non-transactional tables stand, those to InnoDB tables were undone.
        this.rollBack(g, 0, 'rolled back', ev);
        return this.finish(ev);
      case 'savepoint':
        g.savepoints.delete(q.name); // set again: moves
        g.savepoints.set(q.name, g.handed + g.events.length);
        return undefined;
      case 'rollbackTo': {
        // A savepoint the group did not log was set before anything of it was logged: back to its start.
        this.rollBack(g, g.savepoints.get(q.name) ?? 0, `rolled back to savepoint \`${q.name}\``, ev);
        this.forgetSavepointsAfter(g, q.name, false);
        return undefined;
      }
      case 'release':
        this.forgetSavepointsAfter(g, q.name, true);
        return undefined;
      case 'xa': {
        const word = /^\s*XA\s+(\w+)/i.exec(ev.statement)?.[1]?.toUpperCase();
        if (word === 'START' || word === 'BEGIN') {
          g.begun = true;
          g.xa = true;
          return undefined;
        }
        if (word === 'END') return undefined;
        this.refuseXa(g);
        return this.finish(ev);
      }
      case 'truncate':
        for (const t of q.tables) {
          const table = this.migrated(t, ev.database);
          if (table) {
            g.migratedRows = true;
            g.events.push({ op: 't', schema: table.eventSchema ?? table.database, table: table.eventTable ?? table.table, key: {} });
          }
        }
        return g.begun ? undefined : this.finish(ev);
      case 'ddl': {
        const hit = q.tables.map((t) => this.migrated(t, ev.database)).find((t) => t !== undefined)
          ?? this.options.tables.find((t) => q.databases.some((d) => this.fold(d) === this.fold(t.database)));
        if (hit) {
          throw new TandemError('TANDEM_UNSUPPORTED', `${q.verb} on ${hit.database}.${hit.table} at ${this.here(ev)}: the table's definition changed on the source during the migration, so it would no longer match the target. Capture stopped before this statement; everything before it was captured.`, {
            hint: 'Schema changes to migrated tables are not replicated, and this statement stays in the binlog: every rerun reads it again and stops here, so undoing the change on the source does not get past it. Start the migration again from a new snapshot (a new export dir, the target\'s tables emptied), with the same change made on the target if you keep it.',
            streamLost: true, // it stays in the binlog: every rerun stops here again
          });
        }
        return g.begun ? undefined : this.finish(ev);
      }
      case 'index': {
        const hit = q.tables.map((t) => this.migrated(t, ev.database)).find((t) => t !== undefined);
        if (hit) {
          this.options.onIndexChange?.(`${q.verb} on ${hit.database}.${hit.table} at ${this.here(ev)} changed only its indexes or CHECK constraints on the source; the rows stream on as before. `
            + 'Indexes and constraints are not replicated: make the same change on the target if you want it there.');
        }
        return g.begun ? undefined : this.finish(ev);
      }
      case 'call': {
        // Logged as a statement: whatever the routine changed is not in the binlog as rows. Stopped
        // when it ran in a migrated table's database or names one (the routine may write anywhere).
        const hit = this.migratedDatabase(q.tables, ev.database);
        if (hit) throw statementLogged(`${article(q.verb)} ${q.verb} of stored code`, this.here(ev), `, in database ${hit.database} of the migrated tables; whatever it changed is not in the binlog as rows.`);
        return g.begun ? undefined : this.finish(ev);
      }
      case 'dml': {
        const hit = q.tables.map((t) => this.migrated(t, ev.database)).find((t) => t !== undefined);
        if (hit) throw statementLogged(`${article(q.verb)} ${q.verb} on ${hit.database}.${hit.table}`, this.here(ev), '; its row changes are not in the binlog.');
        // On another table of a migrated table's database (a view on one, a table whose trigger
        // writes one, a routine called in it): what reached the migrated tables is not in the binlog
        // as rows either (the mysql-live-edges-2 run: lost, and the cutover said MATCH).
        const near = this.migratedDatabase(q.tables, ev.database);
        if (near) throw statementLogged(`${article(q.verb)} ${q.verb}`, this.here(ev), `, in database ${near.database} of the migrated tables; what it changed there (through a view, a trigger or a routine too) is not in the binlog as rows.`);
        return g.begun ? undefined : this.finish(ev);
      }
      default:
        return g.begun ? undefined : this.finish(ev);
    }
  }

  /**
   * Undoes the group's changes to transactional tables after the first `from` of its events (a
   * ROLLBACK: 0; a ROLLBACK TO: the savepoint's count). Those already handed over in parts cannot be
   * taken back: the capture then stops.
   */
  private rollBack(g: Group, from: number, what: string, ev: BinlogEvent): void {
    if (from < g.committedThrough) {
      throw new TandemError('TANDEM_UNSUPPORTED', `Transaction ${g.txId} was ${what} on the source at ${this.here(ev)} after Tandem had queued part of its changes (it made more than ${this.options.partEvents ?? TRANSACTION_PART_EVENTS} row changes before the rollback). MariaDB logs the rows of a transaction that also wrote a temporary or non-transactional (MyISAM, Aria, MEMORY) table, and a rollback then undoes its InnoDB rows, which Tandem cannot take back once queued.`, {
        hint: 'The target would keep rows the source rolled back, and this transaction stays in the binlog: start the migration again from a new snapshot, with the application not mixing temporary or non-transactional tables into large transactions that roll back.',
        streamLost: true,
      });
    }
    const keep = Math.max(0, from - g.handed);
    if (keep >= g.events.length) return;
    const undone = g.events.slice(keep).filter((e) => this.nonTransactional.has(`${e.schema}\u0000${e.table}`));
    g.events.length = keep;
    for (const e of undone) g.events.push(e);
  }

  /** Forgets the savepoints set after `name` (ROLLBACK TO keeps `name`; RELEASE, `inclusive`, forgets it too). */
  private forgetSavepointsAfter(g: Group, name: string, inclusive: boolean): void {
    let after = false;
    for (const key of [...g.savepoints.keys()]) {
      if (key === name) {
        after = true;
        if (inclusive) g.savepoints.delete(key);
      } else if (after) g.savepoints.delete(key);
    }
  }

  private refuseXa(g: Group): void {
    if (g.migratedRows) {
      throw new TandemError('TANDEM_UNSUPPORTED', `XA transaction ${g.txId} prepared changes to migrated tables (XA PREPARE writes them to the binlog, whether the transaction later commits or rolls back); Tandem does not capture XA (two-phase) transactions.`, {
        hint: 'It stays in the binlog, so this migration cannot go on past it: start it again from a new snapshot (tandem end migration, then a new export dir and empty target tables), with the application using no XA transactions on migrated tables during the migration.',
        streamLost: true,
      });
    }
  }

  private unsupported(ev: Extract<BinlogEvent, { kind: 'unsupported' }>): AssembledTransaction | undefined {
    switch (ev.reason) {
      case 'xa-prepare':
        this.refuseXa(this.group ?? newGroup(this.here(ev), this.startOf(ev)));
        return this.finish(ev);
      case 'partial-json-update':
        throw new TandemError('TANDEM_PREREQUISITE', `The binlog holds a partial JSON update at ${this.here(ev)} (binlog_row_value_options=PARTIAL_JSON): the full row is not in it.`, {
          hint: "Run SET PERSIST binlog_row_value_options = ''; on the source, then start the migration again from a new snapshot.",
          streamLost: true, // it stays in the binlog: every rerun stops here again
        });
      case 'incident':
        throw new TandemError('TANDEM_DATA', `The source's binlog records an incident at ${this.here(ev)}: the server lost changes it should have logged, so the change stream has a gap.`, {
          hint: 'Start the migration again from a new snapshot.',
          streamLost: true, // it stays in the binlog: every rerun stops here again
        });
      case 'encrypted':
        throw new TandemError('TANDEM_UNSUPPORTED', 'The binlog is encrypted and the server sent it without decrypting.', { hint: 'Read the binlog through a replication connection of a server that decrypts it.' });
      case 'tagged-gtid':
        throw new TandemError('TANDEM_UNSUPPORTED', `The binlog holds a tagged GTID (MySQL 8.3+) at ${this.here(ev)}, which Tandem does not read yet.`, { hint: 'Do not use tagged GTIDs (SET gtid_next = …:tag:…) during the migration.' });
      case 'statement-based':
        throw new TandemError('TANDEM_PREREQUISITE', 'The binlog holds statement-based changes.', { hint: 'Set binlog_format=ROW.' });
    }
  }

  /** A migrated table of the statement's default database or of a database it names (compared as the server compares names). */
  private migratedDatabase(refs: readonly TableRef[], defaultDb: string): CaptureTable | undefined {
    const dbs = [defaultDb, ...refs.map((t) => t.database)].filter((d): d is string => d !== undefined && d !== '');
    return this.options.tables.find((t) => dbs.some((d) => this.fold(d) === this.fold(t.database)));
  }

  /** The migrated table a statement's name refers to (exact, or per lower_case_table_names). */
  private migrated(ref: TableRef, defaultDb: string): CaptureTable | undefined {
    const db = ref.database ?? defaultDb;
    return this.byName.get(this.key(db, ref.table));
  }

  private rows(ev: RowsEvent & { readonly header: EventHeader }): void {
    const state = this.maps.get(ev.tableId);
    if (!state) {
      throw new TandemError('TANDEM_DATA', `A rows event for table id ${ev.tableId} arrived without its TABLE_MAP: the binlog stream is out of step.`, {
        hint: 'Restart the command; it resumes from the last transaction it queued.',
      });
    }
    if (!this.group) this.group = newGroup(this.here(ev), this.startOf(ev));
    const table = state.table;
    if (!table) return;
    const g = this.group;
    g.migratedRows = true;
    const where = `${table.database}.${table.table}`;
    if (!isFullImage(ev.present, ev.columnCount) || (ev.presentAfter && !isFullImage(ev.presentAfter, ev.columnCount))) {
      throw new TandemError('TANDEM_PREREQUISITE', `The binlog holds a partial row image for ${where} at ${this.here(ev)} (binlog_row_image is not FULL); Tandem needs every column of every changed row.`, {
        hint: 'Run SET GLOBAL binlog_row_image = FULL; (and binlog_row_image=FULL in my.cnf) on the source, then start the migration again from a new snapshot.',
        streamLost: true, // it stays in the binlog: every rerun stops here again
      });
    }
    state.plan ??= compileRowDecoder(state.map, table.columns);
    state.columns ??= this.compileTable(table, state.map);
    const c = state.columns;
    const schema = table.eventSchema ?? table.database;
    const tableName = table.eventTable ?? table.table;
    // InnoDB carried out no foreign-key actions for these rows (foreign_key_checks = 0): nor may the target's writer.
    const noActions = (ev.flags & ROWS_NO_FOREIGN_KEY_CHECKS) !== 0 ? { noForeignKeyActions: true as const } : {};
    // Of the row as it was, only its primary key is needed (and a system-versioned table's row end).
    for (const row of decodeRows(ev, state.plan, c.beforeColumns)) {
      const op = c.rowEndIndex < 0 ? ROW_OPS[ev.op] : currentRowChange(
        row.before && isCurrentRowEnd(row.before[c.rowEndIndex]),
        row.after && isCurrentRowEnd(row.after[c.rowEndIndex]),
      );
      if (op === 'c') {
        const after = record(row.after!, c, c.afterIndexes);
        g.events.push({ op: 'c', schema, table: tableName, key: c.keyInAfter ? pick(after, c) : record(row.after!, c, c.keyIndexes), after });
      } else if (op === 'u') {
        g.events.push({ op: 'u', schema, table: tableName, key: record(row.before!, c, c.keyIndexes), after: record(row.after!, c, c.afterIndexes), ...noActions });
      } else if (op === 'd') {
        g.events.push({ op: 'd', schema, table: tableName, key: record(row.before!, c, c.keyIndexes), ...noActions });
      }
    }
  }

  private compileTable(table: CaptureTable, map: TableMapEvent): CompiledTable {
    const where = `${table.database}.${table.table}`;
    if (table.primaryKey.length === 0) {
      throw new TandemError('TANDEM_PREREQUISITE', `${where} has no primary key, so its changes cannot be applied to one row on the target.`, {
        hint: `Add a primary key (ALTER TABLE ${where} ADD PRIMARY KEY (…)), or leave the table out with --exclude-table-list ${table.table} (table lists name it without the MySQL database, or with the target's schema).`,
      });
    }
    const names = table.columns.map((c) => c.name);
    if (names.length !== map.columns.length) throw new Error(`binlog capture: ${where} catalog/table map column counts differ`);
    const keyIndexes = table.primaryKey.map((k) => {
      const i = names.indexOf(k);
      if (i < 0) throw new Error(`binlog capture: primary-key column ${k} is not a column of ${where}`);
      return i;
    });
    const omit = new Set(table.omitColumns ?? []);
    const afterIndexes = names.map((_, i) => i).filter((i) => !omit.has(names[i]!));
    const converters = table.columns.map((col) => this.converters(table, col));
    const rowEndIndex = table.rowEndColumn === undefined ? -1 : names.indexOf(table.rowEndColumn);
    if (table.rowEndColumn !== undefined && rowEndIndex < 0) throw new Error(`binlog capture: row-end column ${table.rowEndColumn} is not a column of ${where}`);
    const beforeColumns = names.map((_, i) => keyIndexes.includes(i) || i === rowEndIndex);
    const keyInAfter = keyIndexes.every((i) => !omit.has(names[i]!));
    return { names, converters, keyIndexes, afterIndexes, beforeColumns, rowEndIndex, keyInAfter };
  }

  /**
   * A part of the open group once it holds `partEvents` events (not an XA group); the group goes on
   * with none. Events of a group that began before the start (a resume that overlaps) are dropped.
   */
  private part(ev: BinlogEvent): AssembledTransaction | undefined {
    const g = this.group;
    if (!g || g.xa || this.inPayload || g.events.length < (this.options.partEvents ?? TRANSACTION_PART_EVENTS)) return undefined;
    const binlogPosition: BinlogPosition = this.gtid
      ? { file: g.startFile, offset: g.startOffset, gtid: this.gtid }
      : { file: g.startFile, offset: g.startOffset };
    const position = encodeBinlogPosition(binlogPosition);
    const events = g.events as Array<UnnumberedChangeEvent>;
    for (let i = events.length - 1; i >= 0; i--) {
      const e = events[i]!;
      if (!this.nonTransactional.has(`${e.schema}\u0000${e.table}`)) {
        g.committedThrough = g.handed + i + 1;
        break;
      }
    }
    g.handed += events.length;
    g.events = [];
    g.parted = true;
    if (this.alreadyCaptured(position, binlogPosition, false)) return undefined;
    for (const e of events) {
      (e as { position: string }).position = position;
      (e as { txId: string }).txId = g.txId;
    }
    return { events, position, binlogPosition, txId: g.txId, timestamp: ev.header.timestamp, continues: true };
  }

  /**
   * Whether `position` sorts before the start (`orAt`: or at it), so was captured before a resume
   * that overlaps. Resumed by GTID, nothing overlaps: such a position is a binlog numbered anew,
   * and capture stops (`TransactionAssemblerOptions.resumedByGtid`).
   */
  private alreadyCaptured(position: string, at: BinlogPosition, orAt: boolean): boolean {
    const key = position.slice(0, 23);
    if (!(key < this.startKey || (orAt && key === this.startKey))) return false;
    if (this.options.resumedByGtid) throw renumberedBinlogError(this.options.start, at);
    return true;
  }

  private finish(ev: BinlogEvent): AssembledTransaction | undefined {
    const g = this.group ?? newGroup(this.here(ev), this.startOf(ev));
    this.group = undefined;
    if (g.nextGtid) this.gtid = g.nextGtid(this.gtid);
    if ((ev.header.flags & EVENT_FLAG_ARTIFICIAL) !== 0 || ev.header.nextPosition === 0) {
      throw new TandemError('TANDEM_DATA', 'A transaction ended on an event without a binlog position.', { hint: 'Report this as a bug.' });
    }
    const binlogPosition: BinlogPosition = this.gtid
      ? { file: this.file, offset: ev.header.nextPosition, gtid: this.gtid }
      : { file: this.file, offset: ev.header.nextPosition };
    const position = encodeBinlogPosition(binlogPosition);
    // Already captured before the start (a resume that overlaps): drop it, position included.
    if (this.alreadyCaptured(position, binlogPosition, true)) return undefined;
    // The events were made for this group alone: stamp them in place.
    const events = g.events as Array<UnnumberedChangeEvent>;
    for (const e of events) {
      (e as { position: string }).position = position;
      (e as { txId: string }).txId = g.txId;
    }
    return { events, position, binlogPosition, txId: g.txId, timestamp: ev.header.timestamp, ...(g.parted && { endsParts: true as const }) };
  }
}

/** A statement logged as one (binlog_format STATEMENT or MIXED in its session): `what` at `where`, then `consequence`. */
function statementLogged(what: string, where: string, consequence: string): TandemError {
  return new TandemError('TANDEM_PREREQUISITE', `${what} was logged as a statement (binlog_format STATEMENT or MIXED in that session) at ${where}${consequence}`, {
    hint: 'Set binlog_format=ROW globally and make sure no session overrides it (SET SESSION binlog_format needs SUPER/BINLOG ADMIN: revoke it from applications), then start the migration again from a new snapshot.',
    streamLost: true, // it stays in the binlog: every rerun stops here again
  });
}

/** "A" or "An" before a statement's verb. */
function article(verb: string): string {
  return /^[AEIOU]/i.test(verb) ? 'An' : 'A';
}

/** See `TransactionAssemblerOptions.resumedByGtid`. */
function renumberedBinlogError(start: BinlogPosition, at: BinlogPosition): TandemError {
  return new TandemError('TANDEM_PREREQUISITE',
    `The source's binlog goes on after the migration's GTID state, but at ${at.file}:${at.offset}, before the position the migration had reached (${start.file}:${start.offset}): the source was failed over to a server whose binlog files are numbered lower, or its binlog was reset (RESET MASTER). Tandem orders the changes by binlog file and offset and cannot go on from there without losing them; nothing after the migration's position was queued.`, {
      hint: 'Start the migration again from a new snapshot (tandem end migration, then a new export dir and empty target tables). A failover to a server whose binlog files are numbered higher goes on by itself.',
      streamLost: true,
    });
}

function newGroup(txId: string, start: { readonly file: string; readonly offset: number }, nextGtid?: Group['nextGtid']): Group {
  return {
    txId, begun: false, xa: false, events: [], migratedRows: false, startFile: start.file, startOffset: start.offset, parted: false,
    handed: 0, committedThrough: 0, savepoints: new Map(), ...(nextGtid && { nextGtid }),
  };
}

function sameShape(a: TableMapEvent, b: TableMapEvent): boolean {
  if (a.database !== b.database || a.table !== b.table || a.columns.length !== b.columns.length) return false;
  if (a.columns === b.columns) return true; // a repeat the decoder recognised byte for byte
  for (let i = 0; i < a.columns.length; i++) {
    const x = a.columns[i]!;
    const y = b.columns[i]!;
    if (x.type !== y.type || x.meta !== y.meta || x.nullable !== y.nullable) return false;
  }
  return true;
}

/** The key columns of an already converted row, in key order. */
function pick(after: Record<string, string | null>, c: CompiledTable): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const i of c.keyIndexes) {
    const name = c.names[i]!;
    out[name] = after[name]!;
  }
  return out;
}

function record(values: ColumnValue[], c: CompiledTable, indexes: readonly number[]): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const i of indexes) {
    const v = values[i];
    out[c.names[i]!] = v === null || v === undefined ? null : c.converters[i]!(v);
  }
  return out;
}
