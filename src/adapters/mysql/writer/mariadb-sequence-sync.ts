/**
 * MariaDB SEQUENCE objects at the cutovers (part of `MySqlAutoIncrementSync`, the `SequenceSync`
 * role). `export schema` creates every sequence of the database on the target under its own name
 * (`CREATE SEQUENCE <schema>.<name> … START WITH <next value not yet cached>`), so the migrated
 * sequences are the database's sequences, named as on the target.
 *
 * - Read (cutover to target): `next_not_cached_value`, as a PostgreSQL state "next value handed out
 *   is N" (not called). MariaDB hands out values from a cache it loses at a restart, so this is the
 *   lowest value no session can have been given yet: a gap at most, never a duplicate.
 * - Restore (cutover to source): `SETVAL(seq, n, is_used)` from the target's `last_value` and
 *   `is_called`, raised above the highest value of every column whose DEFAULT is `NEXTVAL(seq)`.
 *   MariaDB's SETVAL never moves a sequence backwards (it returns NULL and changes nothing), which is
 *   what the cutover wants: the source's sequence only ever moves past what the target handed out.
 *   SETVAL needs INSERT on the sequence: checked on every sequence before anything is set.
 *
 * MySQL has no sequences: its catalog lists none, and nothing here queries it.
 */
import type { Connection } from 'mysql2/promise';
import type { SequenceValue } from '../../../core/engine/sequences.js';
import { TandemError } from '../../../core/errors.js';
import { mysqlIdent } from '../catalog.js';
import type { MySqlCatalog, MySqlSequence } from '../catalog-types.js';
import { currentAccount, isAccessDenied, privilegeError } from '../privilege-errors.js';


/** One sequence's SETVAL, worked out before any is run. */
export interface MariaDbSequencePlan {
  readonly sequence: MySqlSequence;
  /** The value SETVAL is given, with `used` (is_used): the next value is value + increment when used. */
  readonly value: bigint;
  readonly used: boolean;
  /** True when a column the sequence feeds already held a value at or past the target's. */
  readonly raised: boolean;
}

/** The database's sequences as the target's sequence states (schema `targetSchema`, same names). */
export function mariaDbSequenceValues(catalog: MySqlCatalog, targetSchema: string): SequenceValue[] {
  return catalog.sequences.map((s) => ({ schema: targetSchema, name: s.name, lastValue: s.nextValue, isCalled: false }));
}

/**
 * MariaDB: `SELECT SETVAL(db.seq, value, is_used)`. Never moves the sequence backwards.
 *
 * @example
 * setMariaDbSequenceSql('shop', 'seq1', 1100n, true) // SELECT SETVAL(`shop`.`seq1`, 1100, 1)
 */
export function setMariaDbSequenceSql(database: string, name: string, value: bigint, used: boolean): string {
  return `SELECT SETVAL(${mysqlIdent(database)}.${mysqlIdent(name)}, ${value}, ${used ? 1 : 0})`;
}

/**
 * Whether a column DEFAULT (MariaDB's catalog text) is `NEXTVAL(seq)` of this database's sequence
 * `name`: `nextval(`db`.`seq`)`, `nextval(`seq`)`, `NEXT VALUE FOR seq`.
 */
export function defaultUsesSequence(defaultSql: string, database: string, name: string): boolean {
  const ident = String.raw`(?:\x60((?:[^\x60]|\x60\x60)+)\x60|([A-Za-z0-9_$]+))`;
  const m = new RegExp(String.raw`^\s*(?:nextval\s*\(\s*(?:${ident}\s*\.\s*)?${ident}\s*\)|next\s+value\s+for\s+(?:${ident}\s*\.\s*)?${ident})\s*$`, 'i').exec(defaultSql);
  if (!m) return false;
  const unq = (a?: string, b?: string) => (a !== undefined ? a.replace(/``/g, '`') : b);
  const db = unq(m[1], m[2]) ?? unq(m[5], m[6]);
  const seq = unq(m[3], m[4]) ?? unq(m[7], m[8]);
  return seq === name && (db === undefined || db === database);
}

/**
 * The SETVAL of each database sequence the target's values name, never below the columns it feeds
 * (their maxima read here). Nothing is set.
 */
export async function planMariaDbSequences(connection: Connection, catalog: MySqlCatalog, byName: ReadonlyMap<string, SequenceValue>, user: string): Promise<MariaDbSequencePlan[]> {
  const plans: MariaDbSequencePlan[] = [];
  for (const sequence of catalog.sequences) {
    const v = byName.get(sequence.name);
    if (!v) continue;
    if (!/^-?\d+$/.test(v.lastValue)) throw new TandemError('TANDEM_DATA', `The value of sequence ${sequence.name} on the target is not an integer.`);
    let value = BigInt(v.lastValue);
    let used = v.isCalled;
    let raised = false;
    if (!sequence.increment.startsWith('-')) {
      for (const t of catalog.tables) {
        for (const c of t.columns) {
          if (c.default.kind !== 'expression' || !defaultUsesSequence(c.default.sql, catalog.database, sequence.name)) continue;
          let rows: unknown;
          try {
            [rows] = await connection.query(`SELECT MAX(${mysqlIdent(c.name)}) AS m FROM ${mysqlIdent(catalog.database)}.${mysqlIdent(t.name)}`);
          } catch (e) {
            throw privilegeError(e, {
              doing: `Reading the highest ${catalog.database}.${t.name}.${c.name}, which sequence ${sequence.name} feeds (no counter or sequence was changed)`, database: catalog.database,
              account: await currentAccount(connection, user), privilegesFor: () => 'SELECT',
              then: 'rerun "import data to source", which completes the cutover to source.',
            }) ?? e;
          }
          const max = (rows as { m: string | number | null }[])[0]?.m;
          if (max === null || max === undefined || !/^-?\d+/.test(String(max))) continue;
          const top = BigInt(/^-?\d+/.exec(String(max))![0]);
          // The next value handed out would be value (+ increment when used); at or below top it collides.
          if (top > value || (top === value && !used)) {
            value = top;
            used = true;
            raised = true;
          }
        }
      }
    }
    plans.push({ sequence, value, used, raised });
  }
  return plans;
}

/**
 * The sequences the user may not SETVAL (INSERT on each): a SETVAL to the sequence's own lower
 * bound (upper bound when it counts down), which MariaDB checks the privilege of and, the sequence
 * being at or past it, leaves unchanged (no binlog event either).
 */
export async function sequencesDeniedSetval(connection: Connection, database: string, sequences: readonly MySqlSequence[]): Promise<string[]> {
  const denied: string[] = [];
  for (const s of sequences) {
    const descending = s.increment.startsWith('-');
    try {
      await connection.query(setMariaDbSequenceSql(database, s.name, BigInt(descending ? s.maxValue : s.minValue), false));
    } catch (e) {
      const errno = (e as { errno?: unknown }).errno;
      if (isAccessDenied(errno)) denied.push(s.name);
      else throw e;
    }
  }
  return denied;
}

/** TANDEM_PRIVILEGE naming every planned sequence the user may not SETVAL, checked before anything is set. */
export async function checkSequencePrivileges(connection: Connection, database: string, user: string, plans: readonly MariaDbSequencePlan[]): Promise<void> {
  const denied = await sequencesDeniedSetval(connection, database, plans.map((p) => p.sequence));
  if (denied.length === 0) return;
  const account = await currentAccount(connection, user);
  const names = denied.map((n) => `${database}.${n}`);
  throw new TandemError('TANDEM_PRIVILEGE',
    `Setting the source's sequences past the target's values: user ${account} may not SETVAL ${names.join(', ')} (it needs INSERT on ${denied.length === 1 ? 'it' : 'them'}); no counter or sequence was changed.`,
    { hint: `${denied.map((n) => `GRANT INSERT ON ${mysqlIdent(database)}.${mysqlIdent(n)} TO ${account};`).join(' ')} Then rerun "import data to source", which completes the cutover to source (the counters are set once more; the data is already there; initiating the cutover again changes nothing).` });
}
