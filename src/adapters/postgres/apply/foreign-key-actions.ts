import type pg from 'pg';
import type { ChangeEvent } from '../../../core/change-event.js';
import type { ReferentialAction, TableReferentialAction } from '../../../core/engine/catalog.js';
import { TandemError } from '../../../core/errors.js';
import { q } from '../../../core/sql-names.js';
import { pgArray } from '../source-catalog.js';
import { writtenTable, type TypedTable } from './apply-sql.js';

/** A foreign key of the written database whose ON DELETE or ON UPDATE action changes other rows. */
export interface ForeignKeyAction {
  readonly name: string;
  /** The referencing table and its columns, in key order. */
  readonly child: TypedTable;
  readonly childColumns: readonly string[];
  /** The referenced table and its columns, in the same order. */
  readonly parent: TypedTable;
  readonly parentColumns: readonly string[];
  readonly onDelete?: ReferentialAction;
  readonly onUpdate?: ReferentialAction;
}

/**
 * InnoDB stops a chain of foreign-key actions about 15 levels deep with an error, so a chain the
 * source carried out is never much deeper. A chain that still changes rows deeper than this means
 * the target's keys are not the source's (or loop): the batch stops with an error instead.
 */
export const MAX_ACTION_DEPTH = 64;

/** Row values as text, by column name (null for SQL NULL). */
type Row = Record<string, string | null>;

/** pg_constraint.confdeltype / confupdtype letters of the row-changing actions (a no action and r restrict change none). */
const ACTIONS: Partial<Record<string, ReferentialAction>> = { c: 'cascade', n: 'set null', d: 'set default' };

/** The foreign keys (top-level constraints, not partitions' clones) with a row-changing action. */
export const FOREIGN_KEY_ACTIONS_SQL = `
SELECT con.conname AS name, cn.nspname AS child_schema, cc.relname AS child_table,
       array(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
               JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i) AS child_columns,
       pn.nspname AS parent_schema, pc.relname AS parent_table,
       array(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
               JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i) AS parent_columns,
       con.confdeltype::text AS delete_type, con.confupdtype::text AS update_type
  FROM pg_constraint con
  JOIN pg_class cc ON cc.oid = con.conrelid JOIN pg_namespace cn ON cn.oid = cc.relnamespace
  JOIN pg_class pc ON pc.oid = con.confrelid JOIN pg_namespace pn ON pn.oid = pc.relnamespace
 WHERE con.contype = 'f' AND con.conparentid = 0
   AND (con.confdeltype IN ('c', 'n', 'd') OR con.confupdtype IN ('c', 'n', 'd'))
 ORDER BY cn.nspname, cc.relname, con.conname`;

/** Reads the written database's foreign keys with row-changing actions, in the form `export data` records the source's. */
export async function readForeignKeyActions(client: pg.Client): Promise<TableReferentialAction[]> {
  const res = await client.query(FOREIGN_KEY_ACTIONS_SQL);
  return res.rows.map((r) => {
    const onDelete = ACTIONS[String(r.delete_type)];
    const onUpdate = ACTIONS[String(r.update_type)];
    return {
      schema: String(r.child_schema), table: String(r.child_table), name: String(r.name), columns: pgArray(r.child_columns),
      refSchema: String(r.parent_schema), refTable: String(r.parent_table), refColumns: pgArray(r.parent_columns),
      ...(onDelete ? { onDelete } : {}), ...(onUpdate ? { onUpdate } : {}),
    };
  });
}

/**
 * Carries out the written database's foreign-key actions for a stream that leaves out the rows
 * they change (MySQL's binlog: InnoDB runs ON DELETE / ON UPDATE CASCADE and SET NULL below it).
 * The writer's sessions run with `session_replication_role = replica`, so the database's own
 * actions do not fire; this class does what they would have done, as explicit statements in the
 * event's transaction, before the event's own statement:
 *
 * - a deleted row: each key referencing it with ON DELETE CASCADE deletes the referencing rows,
 *   SET NULL / SET DEFAULT sets their key columns to NULL or their defaults;
 * - an updated row whose referenced columns change: ON UPDATE CASCADE gives the referencing rows
 *   the new values, SET NULL / SET DEFAULT as above;
 * - and so on for the rows those statements delete or change (InnoDB stops at about 15 levels;
 *   here a chain still changing rows below `MAX_ACTION_DEPTH` stops the batch with an error).
 *
 * The dispatcher applies such an event alone, after every earlier event of every channel
 * (`changesOtherRows`), so the referencing rows are then exactly as on the source just before the
 * event, and the statements change exactly the rows the source's actions changed. A referencing row
 * whose key holds a NULL references nothing (MATCH SIMPLE, as in InnoDB). Only keys whose both
 * tables are migrated are carried out.
 */
export class ForeignKeyActions {
  private readonly byParent = new Map<TypedTable, ForeignKeyAction[]>();
  private readonly reach = new Map<TypedTable, readonly TypedTable[]>();

  constructor(readonly keys: readonly ForeignKeyAction[]) {
    for (const k of keys) {
      let list = this.byParent.get(k.parent);
      if (!list) this.byParent.set(k.parent, (list = []));
      list.push(k);
    }
  }

  /** Keeps the keys whose tables are both among `tables` (by `schema.name`). */
  static fromKeys(keys: readonly TableReferentialAction[], tables: ReadonlyMap<string, TypedTable>): ForeignKeyActions {
    const kept: ForeignKeyAction[] = [];
    for (const k of keys) {
      const child = tables.get(`${k.schema}.${k.table}`);
      const parent = tables.get(`${k.refSchema}.${k.refTable}`);
      if (!child || !parent || (!k.onDelete && !k.onUpdate)) continue;
      kept.push({ name: k.name, child, childColumns: k.columns, parent, parentColumns: k.refColumns, onDelete: k.onDelete, onUpdate: k.onUpdate });
    }
    return new ForeignKeyActions(kept);
  }

  /**
   * True when the event, applied to `table`, can set off an action: a delete of a row that a key
   * with an ON DELETE action references, or an update carrying a referenced column of a key with an
   * ON UPDATE action (a primary-key column only when its value changes; any other column whenever
   * the event carries it, since the event does not carry its old value). Never for a change the
   * source made without its actions (`noForeignKeyActions`).
   */
  changesOtherRows(e: ChangeEvent, table: TypedTable): boolean {
    const keys = this.byParent.get(table);
    if (!keys || e.noForeignKeyActions) return false;
    if (e.op === 'd') return keys.some((k) => k.onDelete !== undefined);
    if (e.op !== 'u' || !e.after) return false;
    const after = e.after;
    return keys.some((k) => k.onUpdate !== undefined && k.parentColumns.some((c) => c in after && (!(c in e.key) || after[c] !== e.key[c])));
  }

  /**
   * The tables the actions of a change to `table` may reach: the referencing tables of its keys
   * with an action, and theirs in turn (a cascade goes on; a SET NULL changes a row that may be
   * referenced). Worked out once per table.
   */
  reachedFrom(table: TypedTable): readonly TypedTable[] {
    let reached = this.reach.get(table);
    if (!reached) {
      const seen = new Set<TypedTable>();
      const todo = [table];
      while (todo.length > 0) {
        for (const k of this.byParent.get(todo.pop()!) ?? []) {
          if (!seen.has(k.child)) {
            seen.add(k.child);
            todo.push(k.child);
          }
        }
      }
      reached = [...seen];
      this.reach.set(table, reached);
    }
    return reached;
  }

  /**
   * Runs the actions the event sets off, on `client` inside the event's open transaction, before
   * the event's own statement. Returns how many rows the actions deleted, per `schema.table`.
   */
  async carryOut(client: pg.Client, e: ChangeEvent, table: TypedTable): Promise<Map<string, number>> {
    const removed = new Map<string, number>();
    const keys = this.byParent.get(table);
    if (!keys || (e.op !== 'd' && e.op !== 'u')) return removed;
    const wanted = unique(keys.filter((k) => (e.op === 'd' ? k.onDelete : k.onUpdate) !== undefined).flatMap((k) => k.parentColumns));
    if (wanted.length === 0) return removed;
    // The row's referenced values as they are now, before the event's own statement changes them,
    // and for an update the new values in the target's own text (the source may spell the same
    // value differently: an unchanged value must not set off ON UPDATE SET NULL).
    const pk = table.primaryKey;
    const values: (string | null)[] = pk.map((c) => e.key[c] ?? null);
    const carried = e.op === 'u' ? wanted.filter((c) => c in e.after!) : [];
    const renewed = carried.map((c) => {
      values.push(e.after![c] ?? null);
      return `($${values.length}::${typeOf(table, c)})::text`;
    });
    const res = await client.query({
      text: `SELECT ${[...wanted.map((c) => `${q(c)}::text`), ...renewed].join(', ')} FROM ${writtenTable(table)} WHERE ${pk.map((c, i) => `${q(c)} = $${i + 1}::${typeOf(table, c)}`).join(' AND ')}`,
      values, rowMode: 'array',
    });
    if (res.rows.length === 0) return removed;
    const got = res.rows[0] as (string | null)[];
    const old = rowOf(wanted, got);
    if (e.op === 'd') {
      await this.deleted(client, table, old, 1, removed);
    } else {
      const now: Row = { ...old };
      carried.forEach((c, i) => { now[c] = got[wanted.length + i] ?? null; });
      await this.updated(client, table, old, now, 1, removed);
    }
    return removed;
  }

  /** The actions of the keys referencing a deleted row of `table` (`row`: at least their columns). */
  private async deleted(client: pg.Client, table: TypedTable, row: Row, depth: number, removed: Map<string, number>): Promise<void> {
    for (const k of this.byParent.get(table) ?? []) {
      if (!k.onDelete) continue;
      const values = k.parentColumns.map((c) => row[c] ?? null);
      if (values.some((v) => v === null)) continue;
      await this.act(client, k, k.onDelete, values, undefined, depth, removed);
    }
  }

  /** The actions of the keys referencing an updated row of `table` whose referenced values changed. */
  private async updated(client: pg.Client, table: TypedTable, old: Row, now: Row, depth: number, removed: Map<string, number>): Promise<void> {
    for (const k of this.byParent.get(table) ?? []) {
      if (!k.onUpdate) continue;
      const before = k.parentColumns.map((c) => old[c] ?? null);
      const after = k.parentColumns.map((c) => now[c] ?? null);
      if (before.some((v) => v === null) || before.every((v, i) => v === after[i])) continue;
      await this.act(client, k, k.onUpdate, before, after, depth, removed);
    }
  }

  /**
   * One key's action on the rows referencing `values`: deletes them, or sets their key columns (to
   * `newValues` for ON UPDATE CASCADE, else NULL or the default), then follows the keys that
   * reference the rows it deleted or changed.
   */
  private async act(client: pg.Client, k: ForeignKeyAction, action: ReferentialAction, values: readonly (string | null)[],
    newValues: readonly (string | null)[] | undefined, depth: number, removed: Map<string, number>): Promise<void> {
    const tooDeep = () => new TandemError('TANDEM_DATA', `The foreign-key actions set off by a change nest deeper than ${MAX_ACTION_DEPTH} levels at ${k.child.schema}.${k.child.name} (key ${k.name}); the source stops such a chain with an error, so the target's foreign keys differ from the source's.`,
        { hint: 'Make the target\'s foreign keys the ones of the exported schema (tandem import schema), then rerun the import.' });
    const child = k.child;
    const t = writtenTable(child);
    const match = k.childColumns.map((c, i) => `${q(c)} = $${i + 1}::${typeOf(child, c)}`).join(' AND ');
    const params: (string | null)[] = [...values];
    const deleting = action === 'cascade' && newValues === undefined;
    // What the rows' own referencing keys need to follow this step.
    const follow = (this.byParent.get(child) ?? []).filter((f) => (deleting ? f.onDelete : f.onUpdate) !== undefined);
    const needed = unique(follow.flatMap((f) => f.parentColumns));
    const returning = needed.length ? ` RETURNING ${needed.map((c) => `${q(c)}::text`).join(', ')}` : '';
    let text: string;
    if (deleting) {
      text = `DELETE FROM ${t} WHERE ${match}${returning}`;
    } else {
      const set = k.childColumns.map((c, i) => {
        if (action === 'cascade') {
          params.push(newValues![i] ?? null);
          return `${q(c)} = $${params.length}::${typeOf(child, c)}`;
        }
        return `${q(c)} = ${action === 'set null' ? 'NULL' : 'DEFAULT'}`;
      });
      text = `UPDATE ${t} SET ${set.join(', ')} WHERE ${match}${returning}`;
    }
    const res = await client.query({ text, values: params, rowMode: 'array' });
    // The transaction is rolled back: nothing of a chain this deep is kept.
    if (depth > MAX_ACTION_DEPTH && (res.rowCount ?? 0) > 0) throw tooDeep();
    if (deleting) removed.set(`${child.schema}.${child.name}`, (removed.get(`${child.schema}.${child.name}`) ?? 0) + (res.rowCount ?? 0));
    if (needed.length === 0) return;
    for (const raw of res.rows as (string | null)[][]) {
      const row = rowOf(needed, raw);
      if (deleting) {
        await this.deleted(client, child, row, depth + 1, removed);
      } else {
        // Before this step the key columns held the referenced values; nothing else changed.
        const old: Row = { ...row };
        k.childColumns.forEach((c, i) => { if (c in old) old[c] = values[i] ?? null; });
        await this.updated(client, child, old, row, depth + 1, removed);
      }
    }
  }
}

function typeOf(table: TypedTable, column: string): string {
  const type = table.types.get(column);
  if (type === undefined) throw new TandemError('TANDEM_PREREQUISITE', `The table ${table.schema}.${table.name} on the target lacks the column ${column} of a foreign key.`);
  return type;
}

function rowOf(columns: readonly string[], values: readonly (string | null)[]): Row {
  const row: Row = {};
  columns.forEach((c, i) => { row[c] = values[i] ?? null; });
  return row;
}

function unique(names: readonly string[]): string[] {
  return [...new Set(names)];
}
