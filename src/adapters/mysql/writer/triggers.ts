/**
 * Triggers on the MySQL source during fall-back (the spec's manual step, made checkable). MySQL has
 * no session switch like PostgreSQL's session_replication_role and cannot disable a trigger: a
 * trigger on a migrated table fires again for every change replayed from the target, doubling what
 * it does (an audit row, a counter). So before the cutover to the target (with fall-back) the
 * workflow lists them (`readTriggers` + `triggerBlockers`) and does not go on until the user has
 * dropped them, keeping their definitions (`SHOW CREATE TRIGGER`, recorded here); at the end it
 * checks that every one of them exists again as it was (`checkTriggersRestored`), and that
 * foreign-key checks are on for the server (Tandem turns them off only in its own sessions).
 *
 * Reading needs the TRIGGER privilege on the tables (without it information_schema hides them:
 * the check says so when it cannot see the definitions).
 */
import type { Connection } from 'mysql2/promise';
import { mysqlIdent } from '../catalog.js';

/** One trigger on a migrated table. */
export interface MySqlTriggerState {
  readonly name: string;
  readonly table: string;
  /** BEFORE / AFTER. */
  readonly timing: string;
  /** INSERT / UPDATE / DELETE. */
  readonly event: string;
  /** `SHOW CREATE TRIGGER`'s statement, to recreate it; null when the user may not see it. */
  readonly createSql: string | null;
  /**
   * The sql_mode the trigger was created under (`SHOW CREATE TRIGGER`), which its body runs with;
   * it is recreated under it. Absent in states recorded by older versions.
   */
  readonly sqlMode?: string;
}

/** The triggers of `database` on `tables` (MySQL table names), with their definitions. */
export async function readTriggers(connection: Connection, database: string, tables: readonly string[]): Promise<MySqlTriggerState[]> {
  const [rows] = await connection.query(
    `SELECT TRIGGER_NAME AS name, EVENT_OBJECT_TABLE AS tbl, ACTION_TIMING AS timing, EVENT_MANIPULATION AS event
       FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? AND EVENT_OBJECT_SCHEMA = ?
      -- In the order they fire (FOLLOWS / PRECEDES), which recreating them in this order gives back
      -- (measured before: by name, and a trigger created PRECEDES another fired after it once recreated; the fix-verify-49b run).
      ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER, TRIGGER_NAME`, [database, database]);
  const wanted = new Set(tables);
  const out: MySqlTriggerState[] = [];
  for (const r of rows as { name: string; tbl: string; timing: string; event: string }[]) {
    // information_schema may compare names case-insensitively: compare exactly here.
    if (!wanted.has(r.tbl)) continue;
    let createSql: string | null = null;
    let sqlMode: string | undefined;
    try {
      const [c] = await connection.query(`SHOW CREATE TRIGGER ${mysqlIdent(database)}.${mysqlIdent(r.name)}`);
      const row = (c as Record<string, unknown>[])[0];
      createSql = String(row?.['SQL Original Statement'] ?? '') || null;
      if (createSql !== null && typeof row?.['sql_mode'] === 'string') sqlMode = row['sql_mode'];
    } catch {
      createSql = null;
    }
    out.push({ name: r.name, table: r.tbl, timing: r.timing, event: r.event, createSql, ...(sqlMode !== undefined ? { sqlMode } : {}) });
  }
  return out;
}

/**
 * What stops a fall-back: one line per trigger (for the message that asks the user to drop them),
 * and the SQL that drops them. Empty when there is none.
 */
export function triggerBlockers(database: string, triggers: readonly MySqlTriggerState[]): { lines: string[]; dropSql: string[] } {
  return {
    lines: triggers.map((t) => `${t.table}: ${t.timing} ${t.event} trigger ${t.name}`),
    dropSql: triggers.map((t) => `DROP TRIGGER ${mysqlIdent(database)}.${mysqlIdent(t.name)};`),
  };
}

/** One trigger that is not back as it was, with the statement that recreates it. */
export interface TriggerFinding {
  readonly name: string;
  readonly table: string;
  readonly problem: 'missing' | 'changed';
  /** The recorded CREATE TRIGGER (run it with the client's DELIMITER handling), or a note when it was not visible. */
  readonly fixSql: string;
}

/**
 * The end check: every trigger recorded before the fall-back (`before`) exists `now` with the same
 * definition. Triggers that exist now and did not before are not findings.
 */
export function checkTriggersRestored(before: readonly MySqlTriggerState[], now: readonly MySqlTriggerState[]): TriggerFinding[] {
  const current = new Map(now.map((t) => [t.name, t]));
  const out: TriggerFinding[] = [];
  for (const t of before) {
    const n = current.get(t.name);
    const fixSql = t.createSql === null ? `-- the definition of ${t.name} was not visible to Tandem (TRIGGER privilege): recreate it from your copy` : createUnderSqlMode(t);
    if (!n) out.push({ name: t.name, table: t.table, problem: 'missing', fixSql });
    else if (t.createSql !== null && n.createSql !== null && (n.createSql !== t.createSql || (t.sqlMode !== undefined && n.sqlMode !== undefined && n.sqlMode !== t.sqlMode))) {
      // A trigger created again under another sql_mode runs its body differently (strictness, zero dates, ||).
      out.push({ name: t.name, table: t.table, problem: 'changed', fixSql });
    }
  }
  return out;
}

/**
 * The recorded CREATE TRIGGER for the `mysql` client, under the sql_mode it was created with (the
 * session's own is restored after it); DELIMITER around the body, which may hold semicolons.
 */
export function createUnderSqlMode(t: MySqlTriggerState): string {
  const create = `DELIMITER $$\n${t.createSql}$$\nDELIMITER ;`;
  if (t.sqlMode === undefined) return create;
  return `SET @tandem_sql_mode = @@SESSION.sql_mode;\nSET SESSION sql_mode = ${sqlString(t.sqlMode)};\n${create}\nSET SESSION sql_mode = @tandem_sql_mode;`;
}

/** A MySQL string literal, quotes doubled and backslashes escaped (an sql_mode's names hold neither). */
function sqlString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** False when the server's global foreign_key_checks is off (someone turned it off for everyone). */
export async function globalForeignKeyChecksOn(connection: Connection): Promise<boolean> {
  const [rows] = await connection.query('SELECT @@GLOBAL.foreign_key_checks AS f');
  return Number((rows as { f: string | number }[])[0]!.f) === 1;
}
