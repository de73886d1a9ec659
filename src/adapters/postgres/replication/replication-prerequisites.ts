/**
 * Checks, over an ordinary connection and before anything is created, that the source can stream
 * changes: wal_level, the REPLICATION attribute, a free slot and a free WAL sender.
 */
import type pg from 'pg';
import { TandemError } from '../../../core/errors.js';
import { SENDERS_HINT, SLOTS_HINT, WAL_LEVEL_HINT } from './replication-errors.js';
import { q } from '../../../core/sql-names.js';

/** What the check found; returned when everything is in order. */
export interface ReplicationSettings {
  readonly walLevel: string;
  readonly maxReplicationSlots: number;
  readonly usedReplicationSlots: number;
  readonly maxWalSenders: number;
  readonly activeWalSenders: number;
  readonly serverVersionNum: number;
}

/** Whether `current_user` may stream changes: a superuser, the REPLICATION attribute, or Amazon RDS's rds_replication. */
const CAN_REPLICATE_SQL = `r.rolsuper OR r.rolreplication
             OR (EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'rds_replication')
                 AND pg_catalog.pg_has_role(current_user, 'rds_replication', 'member'))`;

/** Whether the session's user may stream changes (what `checkReplicationPrerequisites` requires of it). */
export async function userMayReplicate(client: pg.ClientBase): Promise<boolean> {
  const { rows } = await client.query(`SELECT ${CAN_REPLICATE_SQL} AS can_replicate FROM pg_catalog.pg_roles r WHERE r.rolname = current_user`);
  // Connections from connectPg return every value as text ('f', 't').
  return rows[0]?.can_replicate === true || rows[0]?.can_replicate === 't';
}

/**
 * Every problem that would keep the source from streaming (wal_level, the REPLICATION attribute,
 * a free slot, a free WAL sender), each a TandemError naming its fix, with the settings read: the
 * prerequisite check names them all in one run.
 * @param slotsNeeded slots and WAL senders the caller is about to use; default 1.
 */
export async function replicationProblems(client: pg.ClientBase, slotsNeeded = 1): Promise<{ settings: ReplicationSettings; problems: TandemError[] }> {
  const { rows } = await client.query(`
    SELECT current_setting('wal_level') AS wal_level,
           current_setting('max_replication_slots')::int AS max_slots,
           (SELECT count(*) FROM pg_catalog.pg_replication_slots)::int AS used_slots,
           current_setting('max_wal_senders')::int AS max_senders,
           (SELECT count(*) FROM pg_catalog.pg_stat_replication)::int AS active_senders,
           current_setting('server_version_num')::int AS version_num,
           current_user AS user_name,
           ${CAN_REPLICATE_SQL} AS can_replicate
      FROM pg_catalog.pg_roles r WHERE r.rolname = current_user`);
  // Connections from connectPg return every value as text ('f', '10'): never test them for truthiness.
  const raw = rows[0];
  const row = {
    ...raw,
    can_replicate: raw.can_replicate === true || raw.can_replicate === 't',
    max_slots: Number(raw.max_slots), used_slots: Number(raw.used_slots),
    max_senders: Number(raw.max_senders), active_senders: Number(raw.active_senders), version_num: Number(raw.version_num),
  };
  const problems: TandemError[] = [];
  if (row.wal_level !== 'logical') {
    problems.push(new TandemError('TANDEM_PREREQUISITE', `wal_level is '${row.wal_level}', but live migration needs 'logical'.`, { hint: WAL_LEVEL_HINT }));
  }
  if (!row.can_replicate) {
    const user = q(row.user_name);
    problems.push(new TandemError('TANDEM_PRIVILEGE', `The database user ${user} lacks the REPLICATION attribute needed to stream changes.`, {
      hint: `Run as a superuser: ALTER ROLE ${user} WITH REPLICATION; (on Amazon RDS: GRANT rds_replication TO ${user};)`,
    }));
  }
  if (row.max_slots - row.used_slots < slotsNeeded) {
    problems.push(new TandemError('TANDEM_PREREQUISITE', `No free replication slot: ${row.used_slots} of max_replication_slots = ${row.max_slots} are in use.`, { hint: SLOTS_HINT }));
  }
  if (row.max_senders - row.active_senders < slotsNeeded) {
    problems.push(new TandemError('TANDEM_PREREQUISITE', `No free WAL sender: ${row.active_senders} of max_wal_senders = ${row.max_senders} are in use.`, { hint: SENDERS_HINT }));
  }
  const settings = {
    walLevel: row.wal_level,
    maxReplicationSlots: row.max_slots,
    usedReplicationSlots: row.used_slots,
    maxWalSenders: row.max_senders,
    activeWalSenders: row.active_senders,
    serverVersionNum: row.version_num,
  };
  return { settings, problems };
}

/**
 * Throws a TandemError (TANDEM_PREREQUISITE or TANDEM_PRIVILEGE) naming the fix for the first problem.
 * @param slotsNeeded slots and WAL senders the caller is about to use; default 1.
 */
export async function checkReplicationPrerequisites(client: pg.ClientBase, slotsNeeded = 1): Promise<ReplicationSettings> {
  const { settings, problems } = await replicationProblems(client, slotsNeeded);
  if (problems.length > 0) throw problems[0];
  return settings;
}
