import type { ChangeEvent } from '../change-event.js';
import { eventTableKey } from '../change-event.js';
import { TandemError } from '../errors.js';

/** A table the applier writes: its primary key and columns, in catalog order. */
export interface AppliedTable {
  readonly schema: string;
  readonly name: string;
  readonly primaryKey: readonly string[];
  readonly columns: readonly string[];
}

/** One set-based statement of a batch. `rows` hold source text values, positionally. */
export type PlannedStatement =
  | { readonly kind: 'insert'; readonly table: AppliedTable; readonly columns: readonly string[]; readonly rows: (string | null)[][]; readonly vsns: VsnRange }
  /** rows: primary key values (of `key`, the old key) followed by the values of `columns`. */
  | { readonly kind: 'update'; readonly table: AppliedTable; readonly columns: readonly string[]; readonly rows: (string | null)[][]; readonly vsns: VsnRange }
  /** rows: primary key values. */
  | { readonly kind: 'delete'; readonly table: AppliedTable; readonly rows: (string | null)[][]; readonly vsns: VsnRange }
  /** One TRUNCATE of every table a source TRUNCATE named (consecutive events of one transaction). */
  | { readonly kind: 'truncate'; readonly tables: AppliedTable[]; readonly vsns: VsnRange };

export interface VsnRange { first: number; last: number }

/** Per table (`schema.table`) counts of the events of a batch, as the metadata tables keep them. */
export interface EventCounts { total: number; inserts: number; updates: number; deletes: number }

export interface BatchPlan {
  readonly statements: PlannedStatement[];
  readonly counts: Map<string, EventCounts>;
  readonly inserts: number;
  readonly updates: number;
  readonly deletes: number;
}

interface RowOp {
  kind: 'c' | 'u' | 'd';
  key: Readonly<Record<string, string | null>>;
  /** The event's own object until `owned` (a merge copies it first: events are never changed). */
  after: Record<string, string | null>;
  owned: boolean;
  vsns: VsnRange;
}

/** The tables the statements write (each once, truncated ones included), in the order they first come. */
export function writtenTables(statements: readonly PlannedStatement[]): AppliedTable[] {
  const out = new Map<string, AppliedTable>();
  for (const s of statements) {
    for (const t of s.kind === 'truncate' ? s.tables : [s.table]) if (!out.has(`${t.schema}.${t.name}`)) out.set(`${t.schema}.${t.name}`, t);
  }
  return [...out.values()];
}

/**
 * Turns a batch of events (one channel, vsn order) into few set-based statements while keeping
 * what a row-by-row replay would leave behind.
 *
 * Rows of one channel are independent of each other (foreign keys and triggers are off for the
 * session, and unique keys other than the primary key are ordered by the dispatcher; a unique
 * violation caused by reordering inside a batch makes the dispatcher replay it event by event), so
 * only the order of changes to the same row matters. Changes to one row are folded: u after c or u
 * merges into it (later values win, absent columns stay absent), d after u replaces it, d after c
 * cancels both (the row did not exist before the insert). What is left per row is at most
 * "delete, then insert", so two levels suffice: every level-0 statement runs before every level-1
 * statement. Within a level, deletes run before updates before inserts, so values are released
 * before they are taken again.
 *
 * A primary-key update or a truncate splits the batch: the part before runs first, then it alone,
 * then the rest, because they change which rows later events address.
 */
export function planBatch(events: readonly ChangeEvent[], tableOf: (e: ChangeEvent) => AppliedTable): BatchPlan {
  const statements: PlannedStatement[] = [];
  // Counted per table object (no key string per event), keyed by `schema.table` at the end.
  const countsOf = new Map<AppliedTable, EventCounts & { key: string }>();
  let inserts = 0;
  let updates = 0;
  let deletes = 0;
  let segment: ChangeEvent[] = [];
  let segmentTables: AppliedTable[] = [];
  let truncateTx: string | undefined;
  const keysChecked = new Set<AppliedTable>();
  for (const e of events) {
    // Markers (op 'm') carry no row: they only move the channel's progress.
    if (e.op !== 'c' && e.op !== 'u' && e.op !== 'd' && e.op !== 't') continue;
    const table = tableOf(e);
    let c = countsOf.get(table);
    if (!c) countsOf.set(table, (c = { key: eventTableKey(e), total: 0, inserts: 0, updates: 0, deletes: 0 }));
    if (e.op !== 't' && !keysChecked.has(table)) {
      checkKeyColumns(e, table);
      keysChecked.add(table);
    }
    c.total++;
    if (e.op === 'c') { c.inserts++; inserts++; }
    else if (e.op === 'u') { c.updates++; updates++; }
    else if (e.op === 'd') { c.deletes++; deletes++; }
    if (e.op === 't' || movesPrimaryKey(e, table)) {
      planSegment(segment, segmentTables, statements);
      segment = [];
      segmentTables = [];
      const prev = statements[statements.length - 1];
      if (e.op === 't' && prev?.kind === 'truncate' && truncateTx === e.txId) {
        // One source TRUNCATE of tables linked by foreign keys must stay one statement.
        prev.tables.push(table);
        prev.vsns.last = e.vsn;
      } else if (e.op === 't') {
        statements.push({ kind: 'truncate', tables: [table], vsns: { first: e.vsn, last: e.vsn } });
      } else {
        planSegment([e], [table], statements);
      }
      truncateTx = e.op === 't' ? e.txId : undefined;
      continue;
    }
    truncateTx = undefined;
    segment.push(e);
    segmentTables.push(table);
  }
  planSegment(segment, segmentTables, statements);
  const counts = new Map<string, EventCounts>();
  for (const { key, total, inserts: i, updates: u, deletes: d } of countsOf.values()) counts.set(key, { total, inserts: i, updates: u, deletes: d });
  return { statements, counts, inserts, updates, deletes };
}

/**
 * A row is found by the written table's primary key, read from the event's key: the key of the
 * database the change was made on. A written table without a key, or whose key has a column the
 * event's lacks (a key changed in the schema files, or added on one side only), would address no row
 * or the wrong rows (measured before, the pg-schema-50 run: a syntax error at `WHERE RETURNING` for
 * a target without a key, and "rows not on the target" blamed on another writer for a key with one
 * more column): refused, naming both keys. A written key that is a part of the event's still finds
 * exactly its row. Checked on a table's first row event in each batch (its key columns are the same
 * in every event of the stream).
 */
function checkKeyColumns(e: ChangeEvent, table: AppliedTable): void {
  const carried = Object.keys(e.key);
  const lacking = table.primaryKey.filter((c) => !(c in e.key));
  if (table.primaryKey.length > 0 && lacking.length === 0) return;
  const written = table.primaryKey.length > 0 ? `has the primary key (${table.primaryKey.join(', ')})` : 'has no primary key';
  throw new TandemError('TANDEM_PREREQUISITE',
    `${table.schema}.${table.name} on the database being written ${written}, but its changes carry the key (${carried.join(', ')}) of the database they were made on: `
    + `its rows are found by their key, so ${table.primaryKey.length > 0 ? `${lacking.join(', ')} would be looked for as NULL` : 'no row could be found'}. Nothing of this batch was written.`, {
      hint: `Give ${table.schema}.${table.name} on the database being written the primary key (${carried.join(', ')}) (ALTER TABLE … ${table.primaryKey.length > 0 ? 'DROP CONSTRAINT <its key>, ' : ''}ADD PRIMARY KEY (${carried.join(', ')})), then rerun the same import command: it resumes.`,
    });
}

function movesPrimaryKey(e: ChangeEvent, table: AppliedTable): boolean {
  if (e.op !== 'u' || !e.after) return false;
  const after = e.after;
  for (const col of table.primaryKey) if (col in after && after[col] !== e.key[col]) return true;
  return false;
}

/** The identity of a row within a segment: its table and primary-key values. */
function rowKeyOf(e: ChangeEvent, table: AppliedTable): string {
  const pk = table.primaryKey;
  if (pk.length === 1) {
    // One column: the value itself, marked so that a NULL and the text 'null' differ.
    const v = e.key[pk[0]!];
    return `${e.schema}\u0000${e.table}\u0000${v === null || v === undefined ? '\u0001' : `\u0002${v}`}`;
  }
  return `${e.schema}\u0000${e.table}\u0000${JSON.stringify(pk.map((k) => e.key[k] ?? null))}`;
}

/**
 * The sorted column lists of one segment's statements, worked out once per table, statement kind
 * and order of the row's properties (rows of one table nearly always share it), each with an id
 * that names the statement's shape in the grouping key.
 */
class ColumnShapes {
  private readonly last = new Map<string, { keys: string[]; columns: string[]; id: number }>();
  private readonly ids = new Map<string, number>();

  shape(table: AppliedTable, kind: 'c' | 'u' | 'd', keys: string[], keep: (col: string) => boolean, skipped: number): { columns: string[]; id: number } {
    const slot = `${kind}${skipped}\u0000${table.schema}\u0000${table.name}`;
    const prev = this.last.get(slot);
    if (prev && sameStrings(prev.keys, keys)) return prev;
    const columns = (skipped === 0 ? keys.slice() : keys.filter(keep)).sort();
    const full = `${kind}\u0000${table.schema}\u0000${table.name}\u0000${columns.join('\u0000')}`;
    let id = this.ids.get(full);
    if (id === undefined) this.ids.set(full, (id = this.ids.size));
    const next = { keys, columns, id };
    this.last.set(slot, next);
    return next;
  }
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function planSegment(events: readonly ChangeEvent[], tables: readonly AppliedTable[], out: PlannedStatement[]): void {
  if (events.length === 0) return;
  const chains = new Map<string, { table: AppliedTable; ops: RowOp[] }>();
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    const table = tables[i]!;
    const rowKey = rowKeyOf(e, table);
    let chain = chains.get(rowKey);
    if (!chain) chains.set(rowKey, (chain = { table, ops: [] }));
    const ops = chain.ops;
    const last = ops[ops.length - 1];
    const vsns = { first: e.vsn, last: e.vsn };
    // An event's `after` is shared until a later update merges into it (then copied once).
    if (e.op === 'c') {
      ops.push({ kind: 'c', key: e.key, after: e.after ?? {}, owned: false, vsns });
    } else if (e.op === 'u') {
      if (last && last.kind !== 'd') {
        if (!last.owned) {
          last.after = { ...last.after };
          last.owned = true;
        }
        Object.assign(last.after, e.after);
        last.vsns.last = e.vsn;
      } else {
        ops.push({ kind: 'u', key: e.key, after: e.after ?? {}, owned: false, vsns });
      }
    } else if (e.op === 'd') {
      if (last?.kind === 'c') ops.pop();
      else if (last?.kind === 'u') ops[ops.length - 1] = { kind: 'd', key: last.key, after: {}, owned: true, vsns: { first: last.vsns.first, last: e.vsn } };
      else ops.push({ kind: 'd', key: e.key, after: {}, owned: true, vsns });
    }
  }
  // Group by level, table, statement kind and column set; Map keeps first-seen order.
  const shapes = new ColumnShapes();
  const groups = new Map<string, { level: number; order: number; table: AppliedTable; kind: 'c' | 'u' | 'd'; columns: string[]; rows: (string | null)[][]; vsns: VsnRange }>();
  for (const { table, ops } of chains.values()) {
    for (let level = 0; level < ops.length; level++) {
      const op = ops[level]!;
      let columns: string[];
      let row: (string | null)[];
      let shapeId: number;
      const pk = table.primaryKey.map((k) => op.key[k] ?? null);
      if (op.kind === 'd') {
        columns = [];
        row = pk;
        shapeId = -1;
      } else {
        const after = op.after;
        const keys = Object.keys(after);
        // Primary-key columns that keep their value are not set: no index change, HOT stays possible.
        let skipped = 0;
        if (op.kind === 'u') {
          for (let k = 0; k < table.primaryKey.length; k++) {
            const col = table.primaryKey[k]!;
            if (col in after && after[col] === op.key[col]) skipped |= 1 << k;
          }
        }
        const keep = (c: string) => !(table.primaryKey.includes(c) && after[c] === op.key[c]);
        ({ columns, id: shapeId } = shapes.shape(table, op.kind, keys, keep, skipped));
        if (op.kind === 'c') {
          row = new Array<string | null>(columns.length);
          for (let k = 0; k < columns.length; k++) row[k] = after[columns[k]!] ?? null;
        } else {
          if (columns.length === 0) continue; // nothing changes (an update that carried only the key)
          row = pk;
          for (let k = 0; k < columns.length; k++) row.push(after[columns[k]!] ?? null);
        }
      }
      const gk = op.kind === 'd' ? `${level}\u0000d\u0000${table.schema}\u0000${table.name}` : `${level}\u0000${shapeId}`;
      let g = groups.get(gk);
      if (!g) groups.set(gk, (g = { level, order: op.kind === 'd' ? 0 : op.kind === 'u' ? 1 : 2, table, kind: op.kind, columns, rows: [], vsns: { ...op.vsns } }));
      g.rows.push(row);
      if (op.vsns.first < g.vsns.first) g.vsns.first = op.vsns.first;
      if (op.vsns.last > g.vsns.last) g.vsns.last = op.vsns.last;
    }
  }
  const sorted = [...groups.values()].sort((a, b) => a.level - b.level || a.order - b.order);
  for (const g of sorted) {
    if (g.kind === 'c') out.push({ kind: 'insert', table: g.table, columns: g.columns, rows: g.rows, vsns: g.vsns });
    else if (g.kind === 'u') out.push({ kind: 'update', table: g.table, columns: g.columns, rows: g.rows, vsns: g.vsns });
    else out.push({ kind: 'delete', table: g.table, rows: g.rows, vsns: g.vsns });
  }
}
