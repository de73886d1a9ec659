/**
 * Triggers and foreign keys on the Oracle source during fall-back (the spec's manual steps, made
 * checkable). Oracle has no session switch like PostgreSQL's session_replication_role: changes
 * replayed from YugabyteDB would fire triggers a second time and meet foreign keys in the channels'
 * order rather than the application's. So before `import data to source` they are disabled, and at
 * cutover to source the ones that were enabled are enabled again.
 *
 * Pure: the SQL that reads their state, the PL/SQL that disables and re-enables exactly the objects
 * that were enabled (by name, not "all of the schema": a trigger the DBA had disabled stays
 * disabled), and the end check. Tandem prints the PL/SQL; it runs it only when the user asks with
 * an explicit flag. Foreign keys from other schemas that point into the migrated one are included:
 * they block deletes just the same.
 */

/** Binds: :schema. */
export const TRIGGER_STATE_SQL = `SELECT OWNER, TRIGGER_NAME, TABLE_OWNER, TABLE_NAME, STATUS FROM ALL_TRIGGERS
 WHERE TABLE_OWNER = :schema AND BASE_OBJECT_TYPE = 'TABLE' ORDER BY TABLE_NAME, OWNER, TRIGGER_NAME`;

/** Binds: :schema. */
export const FOREIGN_KEY_STATE_SQL = `SELECT OWNER, TABLE_NAME, CONSTRAINT_NAME, STATUS, VALIDATED, R_OWNER FROM ALL_CONSTRAINTS
 WHERE CONSTRAINT_TYPE = 'R' AND (OWNER = :schema OR R_OWNER = :schema) ORDER BY OWNER, TABLE_NAME, CONSTRAINT_NAME`;

export interface TriggerState {
  readonly owner: string;
  readonly name: string;
  readonly tableOwner: string;
  readonly table: string;
  readonly enabled: boolean;
}

export interface ForeignKeyState {
  readonly owner: string;
  readonly table: string;
  readonly name: string;
  readonly enabled: boolean;
  /** VALIDATED: re-enabled with VALIDATE when it was, NOVALIDATE otherwise. */
  readonly validated: boolean;
}

/** The state Tandem records before disabling anything (kept in the export dir). */
export interface WriteSafetyState {
  readonly triggers: readonly TriggerState[];
  readonly foreignKeys: readonly ForeignKeyState[];
}

/** Maps the two queries' rows. */
export function writeSafetyState(triggerRows: readonly Record<string, unknown>[], fkRows: readonly Record<string, unknown>[]): WriteSafetyState {
  return {
    triggers: triggerRows.map((r) => ({ owner: String(r.OWNER), name: String(r.TRIGGER_NAME), tableOwner: String(r.TABLE_OWNER), table: String(r.TABLE_NAME), enabled: r.STATUS === 'ENABLED' })),
    foreignKeys: fkRows.map((r) => ({ owner: String(r.OWNER), table: String(r.TABLE_NAME), name: String(r.CONSTRAINT_NAME), enabled: r.STATUS === 'ENABLED', validated: r.VALIDATED === 'VALIDATED' })),
  };
}

function q(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The DDL that disables every enabled trigger and foreign key of `state`, in order (triggers first). */
export function disableStatements(state: WriteSafetyState): string[] {
  return [
    ...state.triggers.filter((t) => t.enabled).map((t) => `ALTER TRIGGER ${q(t.owner)}.${q(t.name)} DISABLE`),
    ...state.foreignKeys.filter((f) => f.enabled).map((f) => `ALTER TABLE ${q(f.owner)}.${q(f.table)} DISABLE CONSTRAINT ${q(f.name)}`),
  ];
}

/**
 * The DDL that re-enables what `state` recorded as enabled: foreign keys first (VALIDATE when they
 * were validated: Oracle then checks every row and fails if fall-back writes left an orphan, which
 * is what the user must know), then triggers.
 */
export function enableStatements(state: WriteSafetyState): string[] {
  return [
    ...state.foreignKeys.filter((f) => f.enabled).map((f) => `ALTER TABLE ${q(f.owner)}.${q(f.table)} ENABLE ${f.validated ? 'VALIDATE' : 'NOVALIDATE'} CONSTRAINT ${q(f.name)}`),
    ...state.triggers.filter((t) => t.enabled).map((t) => `ALTER TRIGGER ${q(t.owner)}.${q(t.name)} ENABLE`),
  ];
}

/** A PL/SQL block (for SQL*Plus: ends with `/`) running `statements` with EXECUTE IMMEDIATE. */
export function plsqlBlock(comment: string, statements: readonly string[]): string {
  if (statements.length === 0) return `-- ${comment}: nothing to do`;
  return `-- ${comment}\nBEGIN\n${statements.map((s) => `  EXECUTE IMMEDIATE '${s.replace(/'/g, "''")}';`).join('\n')}\nEND;\n/`;
}

/** One object still in the wrong state at the end. */
export interface RestoreFinding {
  readonly kind: 'trigger' | 'foreign key';
  readonly name: string;
  readonly table: string;
  readonly fixSql: string;
}

/**
 * The end check (cutover to source): every trigger and foreign key that was enabled before must be
 * enabled now (a foreign key that was validated must be validated again). Objects that are gone are
 * reported too (someone dropped them).
 */
export function checkRestored(before: WriteSafetyState, now: WriteSafetyState): RestoreFinding[] {
  const out: RestoreFinding[] = [];
  const trig = new Map(now.triggers.map((t) => [`${t.owner}.${t.name}`, t]));
  for (const t of before.triggers.filter((x) => x.enabled)) {
    const n = trig.get(`${t.owner}.${t.name}`);
    if (!n || !n.enabled) {
      out.push({ kind: 'trigger', name: `${t.owner}.${t.name}`, table: `${t.tableOwner}.${t.table}`, fixSql: n ? `ALTER TRIGGER ${q(t.owner)}.${q(t.name)} ENABLE;` : '-- the trigger no longer exists: recreate it from the schema export' });
    }
  }
  const fks = new Map(now.foreignKeys.map((f) => [`${f.owner}.${f.table}.${f.name}`, f]));
  for (const f of before.foreignKeys.filter((x) => x.enabled)) {
    const n = fks.get(`${f.owner}.${f.table}.${f.name}`);
    if (!n || !n.enabled || (f.validated && !n.validated)) {
      out.push({
        kind: 'foreign key', name: f.name, table: `${f.owner}.${f.table}`,
        fixSql: n ? `ALTER TABLE ${q(f.owner)}.${q(f.table)} ENABLE ${f.validated ? 'VALIDATE' : 'NOVALIDATE'} CONSTRAINT ${q(f.name)};` : '-- the constraint no longer exists: recreate it from the schema export',
      });
    }
  }
  return out;
}

/** Enabled triggers on written tables and enabled foreign keys: what makes fall-back writes unsafe. */
export function enabledBlockers(state: WriteSafetyState, writtenTables: ReadonlySet<string>): { triggers: string[]; foreignKeys: string[] } {
  return {
    triggers: state.triggers.filter((t) => t.enabled && writtenTables.has(`${t.tableOwner}.${t.table}`)).map((t) => `${t.owner}.${t.name}`),
    foreignKeys: state.foreignKeys.filter((f) => f.enabled).map((f) => `${f.owner}.${f.table}.${f.name}`),
  };
}
