import type { DbConfig } from '../../core/db-config.js';
import { TandemError } from '../../core/errors.js';
import type { TableRef } from '../../core/engine/catalog.js';
import type { GuardedObject, GuardState, WriteGuard } from '../../core/engine/write-guard.js';
import type { OracleSession } from './connection.js';
import { oracleSchemaOf } from './oracle-config.js';
import { readOracleTables } from './oracle-catalog.js';
import { resolveOracleTable } from './oracle-names.js';
import { withDataSession } from './oracle-sessions.js';
import { oracleErrorCode } from './oracle-errors.js';
import {
  allowExplicitIdentitySql, IDENTITY_COLUMNS_SQL, identityColumnsFromRows, restoreIdentitySql, type IdentityColumn,
} from './writer/identity-sequences.js';
import {
  checkRestored, disableStatements, enableStatements, enabledBlockers, FOREIGN_KEY_STATE_SQL, plsqlBlock, TRIGGER_STATE_SQL, writeSafetyState,
  type WriteSafetyState,
} from './writer/triggers-and-keys.js';

/**
 * The spec's manual fall-back step on Oracle, checked (`WriteGuard`): Oracle has no session switch
 * like PostgreSQL's session_replication_role, so the target's changes written back would fire the
 * source's triggers a second time and meet foreign keys in the channels' order, and a GENERATED ALWAYS
 * identity column refuses the target's values (ORA-32795). What is enabled is recorded before the
 * first write; the scripts switch exactly that off and on again (a trigger the DBA had disabled stays
 * disabled; a foreign key comes back VALIDATE only if it was validated; an identity comes back
 * ALWAYS, restarting above its column's data).
 *
 * NOT RUN AGAINST A LIVE ORACLE. Everything but `read`, `disable` and `enable` is pure and tested.
 */

/** What the guard records: triggers, foreign keys, identity columns, and the written tables (`OWNER.TABLE`). */
export interface OracleGuardState extends WriteSafetyState {
  readonly identities: readonly IdentityColumn[];
  readonly tables: readonly string[];
}

function asState(s: GuardState): OracleGuardState {
  const o = s as Partial<OracleGuardState>;
  if (!Array.isArray(o.triggers) || !Array.isArray(o.foreignKeys) || !Array.isArray(o.identities) || !Array.isArray(o.tables)) {
    throw new TandemError('TANDEM_EXPORT_DIR', 'The trigger and foreign-key state recorded in meta.db is not an Oracle one.', { hint: 'The export dir was changed by hand or by another tool: keep it and report it.' });
  }
  return o as OracleGuardState;
}

const q = (n: string) => `"${n.replace(/"/g, '""')}"`;

/** The ALWAYS identity columns of written tables (they refuse the target's values). */
function alwaysIdentities(s: OracleGuardState): IdentityColumn[] {
  const written = new Set(s.tables);
  return s.identities.filter((c) => c.generation === 'ALWAYS' && written.has(`${c.schema}.${c.table}`));
}

/** What acts on fall-back writes now: enabled triggers on written tables, enabled foreign keys, ALWAYS identities. */
export function activeObjects(state: GuardState): GuardedObject[] {
  const s = asState(state);
  const b = enabledBlockers(s, new Set(s.tables));
  const trig = s.triggers.filter((t) => t.enabled);
  const fks = s.foreignKeys.filter((f) => f.enabled);
  return [
    ...b.triggers.map((name) => {
      const t = trig.find((x) => `${x.owner}.${x.name}` === name)!;
      return { what: `trigger ${name} on ${t.tableOwner}.${t.table}`, fix: `ALTER TRIGGER ${q(t.owner)}.${q(t.name)} DISABLE;` };
    }),
    ...b.foreignKeys.map((name) => {
      const f = fks.find((x) => `${x.owner}.${x.table}.${x.name}` === name)!;
      return { what: `foreign key ${f.name} on ${f.owner}.${f.table}`, fix: `ALTER TABLE ${q(f.owner)}.${q(f.table)} DISABLE CONSTRAINT ${q(f.name)};` };
    }),
    ...alwaysIdentities(s).map((c) => ({ what: `identity column ${c.schema}.${c.table}.${c.column} (GENERATED ALWAYS)`, fix: `${allowExplicitIdentitySql(c)!};` })),
  ];
}

/** The statements that switch off what acts on fall-back writes (triggers of written tables, enabled foreign keys, ALWAYS identities). */
export function guardDisableStatements(state: GuardState): string[] {
  const s = asState(state);
  const written = new Set(s.tables);
  const only: WriteSafetyState = { triggers: s.triggers.filter((t) => written.has(`${t.tableOwner}.${t.table}`)), foreignKeys: s.foreignKeys };
  return [...disableStatements(only), ...alwaysIdentities(s).map((c) => allowExplicitIdentitySql(c)!)];
}

/** The statements that switch all of it on again, foreign keys first, identities last. */
export function guardEnableStatements(state: GuardState): string[] {
  const s = asState(state);
  const written = new Set(s.tables);
  const only: WriteSafetyState = { triggers: s.triggers.filter((t) => written.has(`${t.tableOwner}.${t.table}`)), foreignKeys: s.foreignKeys };
  return [...enableStatements(only), ...alwaysIdentities(s).map((c) => restoreIdentitySql(c))];
}

/** What `before` had on that `now` has not (off, unvalidated, gone, or an identity no longer ALWAYS). */
export function notRestoredObjects(before: GuardState, now: GuardState): GuardedObject[] {
  const b = asState(before);
  const n = asState(now);
  const written = new Set(b.tables);
  const scoped: WriteSafetyState = { triggers: b.triggers.filter((t) => written.has(`${t.tableOwner}.${t.table}`)), foreignKeys: b.foreignKeys };
  const out: GuardedObject[] = checkRestored(scoped, n).map((f) => ({ what: `${f.kind} ${f.name} on ${f.table}`, fix: f.fixSql }));
  for (const c of alwaysIdentities(b)) {
    const m = n.identities.find((x) => x.schema === c.schema && x.table === c.table && x.column === c.column);
    if (!m || m.generation !== 'ALWAYS') {
      out.push({ what: `identity column ${c.schema}.${c.table}.${c.column} (was GENERATED ALWAYS)`, fix: m ? `${restoreIdentitySql(c)};` : '-- the column is no longer an identity column: recreate it from the schema export' });
    }
  }
  return out;
}

/** Reads the state for the written tables (Oracle names `OWNER.TABLE`). */
export async function readGuardState(session: OracleSession, schema: string, tables: readonly string[]): Promise<OracleGuardState> {
  const safety = writeSafetyState(await session.query(TRIGGER_STATE_SQL, { schema }), await session.query(FOREIGN_KEY_STATE_SQL, { schema }));
  const identities = identityColumnsFromRows(schema, await session.query(IDENTITY_COLUMNS_SQL, { schema }));
  return { ...safety, identities, tables: [...tables] };
}

/**
 * `recorded` with the triggers, foreign keys and identity columns of `now` that it does not hold
 * (created since it was recorded, while the export streamed), in their state now: switched off for
 * the fall-back and on again after it like the others (measured before on MySQL: a trigger created
 * while streaming was dropped for the fall-back and never created again, the mysql-chaos run).
 */
export function withObjectsCreatedSince(recorded: GuardState, now: GuardState): GuardState {
  const r = asState(recorded);
  const n = asState(now);
  const triggerKey = (t: { owner: string; name: string }) => `${t.owner}.${t.name}`;
  const keyKey = (f: { owner: string; table: string; name: string }) => `${f.owner}.${f.table}.${f.name}`;
  const identityKey = (c: IdentityColumn) => `${c.schema}.${c.table}.${c.column}`;
  const known = new Set([...r.triggers.map(triggerKey), ...r.foreignKeys.map(keyKey), ...r.identities.map(identityKey)]);
  const triggers = n.triggers.filter((t) => !known.has(triggerKey(t)));
  const foreignKeys = n.foreignKeys.filter((f) => !known.has(keyKey(f)));
  const identities = n.identities.filter((c) => !known.has(identityKey(c)));
  if (triggers.length + foreignKeys.length + identities.length === 0) return recorded;
  return { ...r, triggers: [...r.triggers, ...triggers], foreignKeys: [...r.foreignKeys, ...foreignKeys], identities: [...r.identities, ...identities] } satisfies OracleGuardState;
}

export class OracleWriteGuard implements WriteGuard {
  constructor(private readonly db: DbConfig) {}

  completeRecord(recorded: GuardState, now: GuardState): GuardState {
    return withObjectsCreatedSince(recorded, now);
  }

  async read(tables: readonly TableRef[]): Promise<GuardState> {
    const schema = oracleSchemaOf(this.db);
    return withDataSession(this.db, async (s) => {
      const oracle = await readOracleTables(s, schema);
      const names = tables.map((t) => resolveOracleTable(oracle, schema, t)).map((t) => `${t.schema}.${t.name}`);
      return readGuardState(s, schema, names);
    });
  }

  active(state: GuardState): GuardedObject[] {
    return activeObjects(state);
  }

  disableScript(before: GuardState): string {
    return plsqlBlock('disable the triggers, foreign keys and GENERATED ALWAYS identities that act on fall-back writes (as a privileged user)', guardDisableStatements(before));
  }

  enableScript(before: GuardState): string {
    return plsqlBlock('enable again what was disabled for the fall-back (as a privileged user)', guardEnableStatements(before));
  }

  async disable(before: GuardState): Promise<void> {
    await this.run(guardDisableStatements(before));
  }

  /**
   * Runs every enable statement even when one fails (a foreign key that no longer validates must not
   * keep the triggers off); the failures are reported together by their ORA- codes.
   */
  async enable(before: GuardState): Promise<void> {
    const statements = guardEnableStatements(before);
    if (statements.length === 0) return;
    const failed: string[] = [];
    await withDataSession(this.db, async (s) => {
      for (const sql of statements) {
        try {
          await s.execute(sql);
        } catch (e) {
          failed.push(`${sql} (${oracleErrorCode(e instanceof TandemError ? e.cause ?? e : e) ?? 'error'})`);
        }
      }
    });
    if (failed.length > 0) {
      throw new TandemError('TANDEM_DATA', `${failed.length} of ${statements.length} statement(s) enabling triggers, foreign keys and identities failed on the source: ${failed.join('; ')}.`, {
        hint: 'A foreign key that does not validate (ORA-02298) means rows written during the fall-back have no parent: find them, fix them, and run the statement again.',
      });
    }
  }

  notRestored(before: GuardState, now: GuardState): GuardedObject[] {
    return notRestoredObjects(before, now);
  }

  /** DDL commits on its own in Oracle: each statement is done once it returns. */
  private async run(statements: readonly string[]): Promise<void> {
    if (statements.length === 0) return;
    await withDataSession(this.db, async (s) => {
      for (const sql of statements) await s.execute(sql);
    });
  }
}
