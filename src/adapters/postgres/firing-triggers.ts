import type pg from 'pg';
import { quoteIdent } from '../../core/sql-names.js';
import { TandemError } from '../../core/errors.js';

/** A trigger or rewrite rule that fires even in a replica-mode session (ENABLE ALWAYS or ENABLE REPLICA). */
export interface FiringTrigger {
  /** The table, schema-qualified and quoted as SQL needs it. */
  table: string;
  /** The trigger's (or rule's) name, quoted as SQL needs it. */
  trigger: string;
  mode: 'ALWAYS' | 'REPLICA';
  /** What it is, as `ALTER TABLE … ENABLE/DISABLE` names it. */
  kind: 'TRIGGER' | 'RULE';
}

/** `name on table (MODE)` (`(ENABLE MODE)` with `enable`), a rule's name preceded by `rule`. */
export function describeFiring(f: FiringTrigger, enable = false): string {
  return `${f.kind === 'RULE' ? 'rule ' : ''}${f.trigger} on ${f.table} (${enable ? 'ENABLE ' : ''}${f.mode})`;
}

/**
 * The triggers and rewrite rules of the given tables (by oid, or by schema and name) and of their
 * partitions that
 * session_replication_role = replica does not switch off: the writers' sessions would fire them for
 * every replicated row (a rule rewrites the writer's statement: DO ALSO repeats what the other
 * side's rule did, DO INSTEAD replaces the write).
 */
export async function readFiringTriggers(client: pg.Client, tables: { oids: number[] } | { names: { schema: string; name: string }[] }): Promise<FiringTrigger[]> {
  const byOid = 'oids' in tables;
  const named = byOid ? 'SELECT unnest($1::oid[])' : `SELECT c0.oid FROM pg_catalog.pg_class c0 JOIN pg_catalog.pg_namespace n0 ON n0.oid = c0.relnamespace
      WHERE (n0.nspname, c0.relname) IN (SELECT * FROM unnest($1::text[], $2::text[]))`;
  // The tables and their partitions (and inheritance children), at every level: a trigger set on a
  // partition fires for the rows routed into it (the fix-verify run: one on a partition fired for
  // every loaded and streamed row).
  const which = `c.oid IN (WITH RECURSIVE tree(oid) AS (${named} UNION SELECT i.inhrelid FROM pg_catalog.pg_inherits i JOIN tree ON i.inhparent = tree.oid) SELECT oid FROM tree)`;
  const r = await client.query(
    `SELECT format('%I.%I', n.nspname, c.relname) AS tbl, quote_ident(t.tgname) AS trg, t.tgenabled AS mode, 'TRIGGER' AS kind
       FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE ${which} AND NOT t.tgisinternal AND t.tgenabled IN ('A', 'R')
        -- a partition's clone of its parent's trigger, in the parent's mode, is the parent's (named once)
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_trigger pt ON pt.tgrelid = i.inhparent
                         WHERE i.inhrelid = t.tgrelid AND pt.tgname = t.tgname AND pt.tgenabled = t.tgenabled)
     UNION ALL
     SELECT format('%I.%I', n.nspname, c.relname), quote_ident(w.rulename), w.ev_enabled, 'RULE'
       FROM pg_catalog.pg_rewrite w JOIN pg_catalog.pg_class c ON c.oid = w.ev_class JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE ${which} AND w.rulename <> '_RETURN' AND w.ev_enabled IN ('A', 'R')
      ORDER BY 4 DESC, 1, 2`,
    byOid ? [tables.oids] : [tables.names.map((x) => x.schema), tables.names.map((x) => x.name)]);
  return r.rows.map((x) => ({ table: String(x.tbl), trigger: String(x.trg), mode: x.mode === 'A' ? 'ALWAYS' : 'REPLICA', kind: x.kind === 'RULE' ? 'RULE' : 'TRIGGER' }));
}

/**
 * The SQLSTATE of `firingCheckSql`'s refusal (division by zero: a plain statement, which costs the
 * server a fifth of what a DO block does, measured 0.09 against 0.46 ms per batch). The writer then
 * looks for what it met (`readFiringTriggers`, the generated columns), as it does after any error.
 */
export const FIRING_CHECK_SQLSTATE = '22012';

/** A table as `firingCheckSql` looks at it. */
export interface LookedAtTable {
  readonly schema: string;
  readonly name: string;
  /** Its columns generated when the writer started, which must still be. */
  readonly generated?: readonly string[];
  /** A partitioned table (or one whose children its writes may reach): its partitions are looked at too. */
  readonly partitioned?: boolean;
}

/**
 * A statement for the end of a writer's transaction, before its COMMIT: it fails
 * (`FIRING_CHECK_SQLSTATE`) when a trigger or rule on one of `tables` (or on the partitions of a
 * partitioned one) fires in replica-mode sessions, or when a column generated when the writer
 * started is an ordinary column now (ALTER TABLE … DROP EXPRESSION: the other side's changes leave
 * its values out, so every row written now would hold NULL there; measured before: found only by the
 * cutover's verification). Exact on PostgreSQL: the transaction's writes hold a lock on each written
 * table that ALTER TABLE … ENABLE ALWAYS/REPLICA, CREATE TRIGGER, CREATE RULE and DROP EXPRESSION
 * wait for, so such a change either came before a row was written (the trigger fired, and is seen
 * here, and the transaction rolls back) or cannot come before the commit (measured before: a
 * trigger set to ENABLE ALWAYS while the fall-back wrote fired for every replicated row until the
 * writer restarted; fix-verify-47).
 */
export function firingCheckSql(tables: readonly LookedAtTable[], options: { rules?: boolean } = {}): string {
  // A batch whose changes cancel out writes no table.
  if (tables.length === 0) return 'SELECT 1 AS tandem_look';
  const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
  const regclass = (t: LookedAtTable) => `${literal(`${quoteIdent(t.schema)}.${quoteIdent(t.name)}`)}::pg_catalog.regclass`;
  const plainTables = tables.filter((t) => !t.partitioned);
  const trees = tables.filter((t) => t.partitioned);
  // A plain table's own triggers only: its writes (ONLY, or an INSERT into it) never reach an
  // inheritance child. A partitioned table's rows are in its partitions, at every level.
  const rel = (column: string) => [
    ...(plainTables.length ? [`${column} IN (${plainTables.map(regclass).join(', ')})`] : []),
    ...(trees.length ? [`${column} IN (WITH RECURSIVE tree(oid) AS (SELECT unnest(ARRAY[${trees.map(regclass).join(', ')}])::pg_catalog.oid`
      + ' UNION SELECT i.inhrelid FROM pg_catalog.pg_inherits i JOIN tree ON i.inhparent = tree.oid) SELECT oid FROM tree)'] : []),
  ].join(' OR ');
  const conditions = [`EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t WHERE (${rel('t.tgrelid')}) AND NOT t.tgisinternal AND t.tgenabled IN ('A', 'R'))`];
  // COPY runs no rules (a loading batch's look leaves them out; the fix-verify-48b run).
  if (options.rules !== false) conditions.push(`EXISTS (SELECT 1 FROM pg_catalog.pg_rewrite w WHERE (${rel('w.ev_class')}) AND w.rulename <> '_RETURN' AND w.ev_enabled IN ('A', 'R'))`);
  const generated = tables.filter((t) => t.generated && t.generated.length > 0).map((t) => `(a.attrelid = ${regclass(t)} AND a.attname IN (${t.generated!.map(literal).join(', ')}))`);
  if (generated.length) conditions.push(`EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE (${generated.join(' OR ')}) AND a.attgenerated = '' AND NOT a.attisdropped)`);
  return `SELECT 1 / (CASE WHEN ${conditions.join(' OR ')} THEN 0 ELSE 1 END) AS tandem_look`;
}

/**
 * Whether this session may SET session_replication_role = replica (a superuser, or on PostgreSQL
 * 15+ a user granted SET on the parameter); the setting is put back at once.
 */
export async function mayUseReplicaRole(client: pg.Client): Promise<boolean> {
  try {
    await client.query('SET session_replication_role = replica');
    await client.query('RESET session_replication_role');
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === '42501') return false;
    throw e;
  }
}

/**
 * How a user comes to be allowed SET session_replication_role = replica, as a fix line; with
 * `yugabyte`, also how on YugabyteDB (a target).
 */
export function replicaRoleGrant(user: string, yugabyte = false): string {
  const u = quoteIdent(user);
  return `As a superuser: GRANT SET ON PARAMETER session_replication_role TO ${u}; (PostgreSQL 15 and later; before 15 only a superuser may set it: ALTER ROLE ${u} SUPERUSER;)`
    + (yugabyte ? `. On YugabyteDB: GRANT yb_superuser TO ${u}; (or make it a superuser).` : '.');
}

/**
 * What acts on the rows written into these tables in an ordinary session (one not in replica
 * role): their enabled triggers ("trigger t on s.x", left out with `foreignKeysOnly`) and the
 * foreign keys on them or referencing them ("foreign key f on s.y").
 */
export async function readTriggersAndForeignKeys(client: pg.Client, tables: { oids: number[] } | { names: readonly { schema: string; name: string }[] },
  foreignKeysOnly = false): Promise<string[]> {
  const byOid = 'oids' in tables;
  const which = byOid ? 'c.oid = ANY($1::oid[])' : '(n.nspname, c.relname) IN (SELECT * FROM unnest($1::text[], $2::text[]))';
  const triggers = foreignKeysOnly ? '' : `SELECT format('trigger %I on %s', t.tgname, t.tgrelid::regclass) AS what FROM pg_catalog.pg_trigger t
      WHERE t.tgrelid IN (SELECT oid FROM w) AND NOT t.tgisinternal AND t.tgenabled IN ('O', 'A')
     UNION ALL
     `;
  const r = await client.query<{ what: string }>(
    `WITH w AS (SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE ${which})
     ${triggers}SELECT format('foreign key %I on %s', co.conname, co.conrelid::regclass) AS what FROM pg_catalog.pg_constraint co
      WHERE co.contype = 'f' AND co.conparentid = 0 AND (co.conrelid IN (SELECT oid FROM w) OR co.confrelid IN (SELECT oid FROM w))
     ORDER BY 1`,
    byOid ? [tables.oids] : [tables.names.map((x) => x.schema), tables.names.map((x) => x.name)]);
  return r.rows.map((x) => x.what);
}

/**
 * A writer's refusal: `hint` is what its error says (the fix, then "rerun the same import command");
 * `fix` is the fix alone, for a check that reports it before any import runs (a finding of
 * `checkWritePrerequisites`, which the cutover with fall-back repeats in its own refusal).
 */
export interface Refusal {
  readonly message: string;
  readonly fix: string;
  readonly hint: string;
}

/**
 * The refusal of a writer whose tables have triggers or rules that fire in replica mode, as the
 * writer throws it and as `import data to source` reports it before starting one.
 */
export function firingTriggersRefusal(firing: readonly FiringTrigger[], where: string, whileWriting = false): Refusal {
  const rules = firing.some((x) => x.kind === 'RULE');
  const disable = `Disable them while Tandem writes: ${firing.map((x) => `ALTER TABLE ${x.table} DISABLE ${x.kind} ${x.trigger};`).join(' ')}`;
  const restore = `Once Tandem no longer writes to this database (after the cutover away from it), set them back: ${firing.map((x) => `ALTER TABLE ${x.table} ENABLE ${x.mode} ${x.kind} ${x.trigger};`).join(' ')}`;
  return {
    message: `Triggers${rules ? ' and rules' : ''} on ${where} fire for the rows Tandem writes (ENABLE ALWAYS or ENABLE REPLICA: session_replication_role = replica does not stop them), and would repeat what the other side's ${rules ? 'triggers and rules' : 'triggers'} already did${rules ? ' (a DO INSTEAD rule would replace the write)' : ''}: ${firing.map((x) => describeFiring(x)).join(', ')}. ${whileWriting
      ? 'They were enabled while Tandem was writing there: the transaction that met them was rolled back, so nothing of it was written (PostgreSQL enables a trigger or rule on a table only once the transactions writing it have ended, so it fired for none of the rows written before).'
      : 'Nothing was written.'}`,
    fix: `${disable} ${restore}`,
    hint: `${disable} Then rerun the same import command: it resumes. ${restore}`,
  };
}

/** `firingTriggersRefusal` as the writer throws it (TANDEM_PREREQUISITE), `prefix` before its message. */
export function firingTriggersError(firing: readonly FiringTrigger[], where: string, whileWriting = false, prefix = ''): TandemError {
  const refusal = firingTriggersRefusal(firing, where, whileWriting);
  return new TandemError('TANDEM_PREREQUISITE', `${prefix}${refusal.message}`, { hint: refusal.hint });
}

/** The refusal of a writer that may not SET session_replication_role where `acting` (triggers, foreign keys) would act on its rows. */
export function replicaRoleRefusal(user: string, where: string, acting: readonly string[]): Refusal {
  return {
    message: `User ${user} may not SET session_replication_role = replica on ${where}, so the rows Tandem writes there would fire these tables' triggers and foreign-key checks and actions, repeating what the other side already did: ${acting.join(', ')}. Nothing was written.`,
    fix: replicaRoleGrant(user),
    hint: `${replicaRoleGrant(user)} Then rerun the same import command: it resumes where it stopped.`,
  };
}
