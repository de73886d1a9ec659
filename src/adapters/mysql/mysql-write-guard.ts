import type { Connection } from 'mysql2/promise';
import type { DbConfig } from '../../core/db-config.js';
import { TandemError } from '../../core/errors.js';
import { failpoint } from '../../core/failpoint.js';
import type { TableRef } from '../../core/engine/catalog.js';
import type { GuardedObject, GuardState, WriteGuard } from '../../core/engine/write-guard.js';
import { mysqlIdent } from './catalog.js';
import { withMySql } from './connection.js';
import { namesMySqlSchema } from './mysql-config.js';
import { checkTriggersRestored, createUnderSqlMode, globalForeignKeyChecksOn, readTriggers, triggerBlockers, type MySqlTriggerState } from './writer/triggers.js';

/**
 * The spec's manual fall-back step on MySQL/MariaDB, checked (`WriteGuard`). MySQL has no session
 * switch like PostgreSQL's session_replication_role and cannot disable a trigger: a trigger on a
 * migrated table would fire again for every change written back from the target (an audit row
 * twice, a counter counted twice). So the triggers of the written tables must be dropped for the
 * fall-back and created again after it; their definitions (`SHOW CREATE TRIGGER`) are recorded
 * before the first write, so the enable script recreates exactly them. Foreign keys need nothing:
 * the change writer turns `foreign_key_checks` off in its own sessions only; the end check says
 * when the server's global setting was left off.
 */

/** What the guard records: the triggers of the written tables, the global foreign-key checks, and the database. */
export interface MySqlGuardState {
  readonly database: string;
  readonly triggers: readonly MySqlTriggerState[];
  readonly globalForeignKeyChecks: boolean;
}

function asState(s: GuardState): MySqlGuardState {
  const o = s as Partial<MySqlGuardState>;
  if (typeof o.database !== 'string' || !Array.isArray(o.triggers) || typeof o.globalForeignKeyChecks !== 'boolean') {
    throw new TandemError('TANDEM_EXPORT_DIR', 'The trigger state recorded in meta.db is not a MySQL one.', { hint: 'The export dir was changed by hand or by another tool: keep it and report it.' });
  }
  return o as MySqlGuardState;
}

/** A recorded CREATE TRIGGER as a script line for the `mysql` client (its body may hold semicolons). */
function createTriggerScript(database: string, t: MySqlTriggerState): string {
  if (t.createSql === null) return `-- ${t.name} on ${t.table}: its definition was not visible to Tandem (TRIGGER privilege): recreate it from your copy`;
  return `USE ${mysqlIdent(database)};\n${createUnderSqlMode(t)}`;
}

/** What acts on fall-back writes: every trigger on a written table (pure). */
export function activeTriggers(state: GuardState): GuardedObject[] {
  const s = asState(state);
  const { lines, dropSql } = triggerBlockers(s.database, s.triggers);
  return lines.map((what, i) => ({ what: `trigger on ${s.database}.${what}`, fix: dropSql[i]! }));
}

/** The script that drops the triggers of the written tables (their definitions are recorded first). */
export function dropTriggersScript(state: GuardState): string {
  const s = asState(state);
  if (s.triggers.length === 0) return '-- nothing to do: no trigger on the migrated tables';
  const { dropSql } = triggerBlockers(s.database, s.triggers);
  return [
    '-- MySQL cannot disable a trigger: drop the triggers of the migrated tables for the fall-back (keep this script\'s companion, which recreates them)',
    ...dropSql,
  ].join('\n');
}

/** The script that creates the recorded triggers again (for the `mysql` client: DELIMITER around each body). */
export function createTriggersScript(state: GuardState): string {
  const s = asState(state);
  if (s.triggers.length === 0) return '-- nothing to do: there was no trigger on the migrated tables';
  return ['-- recreate the triggers of the migrated tables as they were before the fall-back', ...s.triggers.map((t) => createTriggerScript(s.database, t))].join('\n');
}

/** What `before` had that `now` has not: a trigger missing or changed, the global foreign-key checks off (pure). */
export function notRestoredGuard(before: GuardState, now: GuardState): GuardedObject[] {
  const b = asState(before);
  const n = asState(now);
  const out: GuardedObject[] = checkTriggersRestored(b.triggers, n.triggers).map((f) => ({
    what: `trigger ${f.name} on ${b.database}.${f.table} (${f.problem})`,
    // With its database named (measured before: pasted into the mysql client without a default
    // database, "No database selected"; the newuser-50 run).
    fix: `${f.problem === 'changed' ? `DROP TRIGGER ${mysqlIdent(b.database)}.${mysqlIdent(f.name)}; then:\n` : ''}USE ${mysqlIdent(b.database)};\n${f.fixSql}`,
  }));
  if (b.globalForeignKeyChecks && !n.globalForeignKeyChecks) out.push({ what: 'the server\'s global foreign_key_checks (OFF)', fix: 'SET GLOBAL foreign_key_checks = 1;' });
  return out;
}

/**
 * `recorded` brought up to what the source has `now`, before anything is dropped (pure): a hidden
 * definition (null) taken from the same trigger where it is readable now; a trigger whose definition
 * changed since (a DBA's new version, created again under its name while the fall-back had it
 * dropped) recorded as it is now, so that its new body is what is created again (measured before:
 * the old body came back at the cutover to source and at end migration, and the new one was
 * nowhere; the fix-verify-50 run); and a trigger created since, recorded too.
 */
export function completeTriggerDefinitions(recorded: MySqlGuardState, now: MySqlGuardState): MySqlGuardState {
  const known = new Set(recorded.triggers.map((t) => t.name));
  // A trigger created on a written table since the record was made is recorded too: else the
  // fall-back would drop it (or ask for its drop) and nothing would create it again (measured
  // before: the mysql-chaos run).
  const created = now.triggers.filter((t) => !known.has(t.name));
  const seen = new Map(now.triggers.map((t) => [t.name, t]));
  let changed = created.length > 0;
  const triggers = recorded.triggers.map((t) => {
    const n = seen.get(t.name);
    if (!n || n.createSql === null) return t;
    if (n.createSql === t.createSql && n.table === t.table && (n.sqlMode === undefined || n.sqlMode === t.sqlMode)) return t;
    changed = true;
    return n;
  });
  return changed ? { ...recorded, triggers: [...triggers, ...created] } : recorded;
}

/** What decides whether the server lets this user drop and create the triggers. */
interface TriggerDdlRights {
  /** Binary logging on (always, for a live migration) and log_bin_trust_function_creators off (the default). */
  readonly binlogNeedsSuper: boolean;
  /** The user's global privileges (information_schema names, e.g. SUPER, SET USER). */
  readonly privileges: ReadonlySet<string>;
  /** CURRENT_USER() as a DEFINER clause names it: `user`@`host`. */
  readonly definer: string;
}

async function readTriggerDdlRights(connection: Connection): Promise<TriggerDdlRights> {
  const [rows] = await connection.query('SELECT @@GLOBAL.log_bin AS binlog, @@GLOBAL.log_bin_trust_function_creators AS trusted, CURRENT_USER() AS who');
  const r = (rows as { binlog: unknown; trusted: unknown; who: string }[])[0]!;
  // information_schema names the grantee 'user'@'host'; the host follows the last @.
  const at = r.who.lastIndexOf('@');
  const [user, host] = [r.who.slice(0, at), r.who.slice(at + 1)];
  const [grants] = await connection.query('SELECT PRIVILEGE_TYPE AS p FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = ?', [`'${user}'@'${host}'`]);
  return {
    binlogNeedsSuper: Number(r.binlog) === 1 && Number(r.trusted) === 0,
    privileges: new Set((grants as { p: string }[]).map((g) => g.p)),
    definer: `${mysqlIdent(user)}@${mysqlIdent(host)}`,
  };
}

/** The DEFINER of a recorded CREATE TRIGGER (`user`@`host`), or undefined when it names none. */
function definerOf(createSql: string): string | undefined {
  return /^CREATE\s+DEFINER\s*=\s*(`(?:[^`]|``)*`@`(?:[^`]|``)*`)/i.exec(createSql)?.[1];
}

export class MySqlWriteGuard implements WriteGuard {
  constructor(private readonly db: DbConfig) {}

  async read(tables: readonly TableRef[]): Promise<GuardState> {
    const names = tables.filter((t) => namesMySqlSchema(this.db, t.schema)).map((t) => t.name);
    return withMySql(this.db, async ({ connection }) => {
      const state: MySqlGuardState = {
        database: this.db.database,
        triggers: await readTriggers(connection, this.db.database, names),
        globalForeignKeyChecks: await globalForeignKeyChecksOn(connection),
      };
      return state;
    });
  }

  active(state: GuardState): GuardedObject[] {
    return activeTriggers(state);
  }

  disableScript(before: GuardState): string {
    return dropTriggersScript(before);
  }

  enableScript(before: GuardState): string {
    return createTriggersScript(before);
  }

  /**
   * Refuses (TANDEM_PRIVILEGE) before anything is dropped when a trigger could not be recreated: its
   * definition is hidden (no TRIGGER privilege), or the server would refuse DROP / CREATE TRIGGER
   * (binary logging on, log_bin_trust_function_creators off, and the user without SUPER).
   */
  async checkDisable(state: GuardState): Promise<void> {
    const s = asState(state);
    if (s.triggers.length === 0) return;
    const names = s.triggers.map((t) => t.name).join(', ');
    const hidden = s.triggers.filter((t) => t.createSql === null).map((t) => t.name);
    if (hidden.length > 0) {
      throw new TandemError('TANDEM_PRIVILEGE', `Tandem cannot read the definition of trigger(s) ${hidden.join(', ')} on ${s.database}, so it would not be able to recreate them: it drops none of the triggers (${names}).`, {
        hint: `GRANT TRIGGER ON \`${s.database}\`.* TO '${this.db.user}'@'<host>'; then rerun (the definitions are read again before the first fall-back write). Or drop and later recreate them yourself.`,
      });
    }
    const rights = await withMySql(this.db, async ({ connection }) => readTriggerDdlRights(connection));
    const has = (p: string) => rights.privileges.has(p);
    const foreign = s.triggers.filter((t) => (definerOf(t.createSql!) ?? rights.definer) !== rights.definer);
    const needsSetUser = foreign.length > 0 && !has('SUPER') && !has('SET USER') && !has('SET_USER_ID');
    const foreignNames = foreign.map((t) => `${t.name} (DEFINER ${definerOf(t.createSql!)})`).join(', ');
    const orByHand = 'Then rerun. Or run the printed DROP TRIGGER script yourself, without --disable-triggers-and-fks.';
    const trusted = "SET GLOBAL log_bin_trust_function_creators = 1; (also in the server's configuration, to survive a restart).";
    if (rights.binlogNeedsSuper && !has('SUPER')) {
      // The server's error 1419, for DROP and CREATE TRIGGER alike. The way round SUPER does not
      // give the other DEFINER's right: both said at once (measured before: the second only at the
      // cutover, after the first was fixed; the docs-claims run).
      const alsoDefiner = needsSetUser ? ` Trigger(s) ${foreignNames} also belong to another user, which needs SET USER (or SUPER) as well.` : '';
      throw new TandemError('TANDEM_PRIVILEGE', `The source has binary logging on and log_bin_trust_function_creators off, and '${this.db.user}' lacks the SUPER privilege: the server refuses it DROP and CREATE TRIGGER, so Tandem drops none of the triggers (${names}) on ${s.database}.${alsoDefiner}`, {
        hint: needsSetUser
          ? `GRANT SUPER ON *.* TO '${this.db.user}'@'<host>'; or both GRANT SET USER ON *.* TO '${this.db.user}'@'<host>'; (MySQL: SET_USER_ID) and, as an administrator, ${trusted} ${orByHand}`
          : `GRANT SUPER ON *.* TO '${this.db.user}'@'<host>'; or, as an administrator, ${trusted} ${orByHand}`,
      });
    }
    if (needsSetUser) {
      throw new TandemError('TANDEM_PRIVILEGE', `Trigger(s) ${foreignNames} on ${s.database} belong to another user, and '${this.db.user}' may not create a trigger for another DEFINER: Tandem drops none of the triggers (${names}).`, {
        hint: `GRANT SET USER ON *.* TO '${this.db.user}'@'<host>'; (MariaDB 10.5 and later; MySQL: SET_USER_ID, or SUPER). ${orByHand}`,
      });
    }
  }

  /** `recorded` with the definitions it could not read taken from `now` (the same trigger on the same table), and the triggers created since. */
  completeRecord(recorded: GuardState, now: GuardState): GuardState {
    return completeTriggerDefinitions(asState(recorded), asState(now));
  }

  /** Drops the triggers; refuses before dropping anything when one could not be recreated (`checkDisable`). */
  async disable(before: GuardState): Promise<void> {
    const s = asState(before);
    await this.checkDisable(s);
    const { dropSql } = triggerBlockers(s.database, s.triggers);
    await withMySql(this.db, async ({ connection }) => {
      for (const [i, sql] of dropSql.entries()) {
        if (i > 0) failpoint('mysql.between-trigger-drops');
        await connection.query(sql.replace(/;$/, ''));
      }
    });
  }

  /** Creates the recorded triggers that do not exist (each one on its own: one failure does not keep the others away). */
  async enable(before: GuardState): Promise<void> {
    const s = asState(before);
    const failed: string[] = [];
    let created = 0;
    await withMySql(this.db, async ({ connection }) => {
      const present = new Set((await readTriggers(connection, s.database, [...new Set(s.triggers.map((t) => t.table))])).map((t) => t.name));
      await connection.query(`USE ${mysqlIdent(s.database)}`);
      const [modeRows] = await connection.query('SELECT @@SESSION.sql_mode AS m');
      const sessionMode = String((modeRows as { m: string }[])[0]!.m);
      for (const t of s.triggers) {
        if (present.has(t.name) || t.createSql === null) continue;
        if (created++ > 0) failpoint('mysql.between-trigger-creates');
        try {
          // Under the sql_mode it was created with: its body runs with that mode (strictness, zero
          // dates, PIPES_AS_CONCAT). A state recorded without it keeps the session's own.
          await connection.query('SET SESSION sql_mode = ?', [t.sqlMode ?? sessionMode]);
          await connection.query(t.createSql);
        } catch (e) {
          failed.push(`${t.name} (error ${(e as { errno?: unknown }).errno ?? 'unknown'})`);
        }
      }
    });
    if (failed.length > 0) {
      throw new TandemError('TANDEM_DATA', `${failed.length} trigger(s) could not be created again on ${s.database}: ${failed.join(', ')}.`, {
        hint: 'Create them by hand from the script Tandem printed (creating a trigger for another DEFINER needs SET USER / SUPER; error 1419: with binary logging on, SUPER or SET GLOBAL log_bin_trust_function_creators = 1).',
      });
    }
  }

  notRestored(before: GuardState, now: GuardState): GuardedObject[] {
    return notRestoredGuard(before, now);
  }
}
