/**
 * Turns the server errors a user can fix (configuration, privileges, exhausted slots) into
 * TandemErrors that say what to change. Chosen by SQLSTATE, never by message text; the original
 * error stays as `cause`. Everything else is returned unchanged so callers can retry it.
 */
import { q } from '../../../core/sql-names.js';
import { TandemError } from '../../../core/errors.js';

/** The fields of a pg DatabaseError we rely on. */
interface ServerError {
  readonly code?: string;
  readonly routine?: string;
  readonly message?: string;
  readonly detail?: string;
}

/** What was being attempted, for the message (`user`, `slot` may be named; never values or passwords). */
export interface ReplicationErrorContext {
  readonly action: string;
  readonly user?: string;
  /** The database streamed from ("source", "target"): Amazon RDS's grant is named for a source only. */
  readonly role?: string;
  readonly slotName?: string;
}

/** Maps `err` to a TandemError when the user can fix it; otherwise returns `err` unchanged. */
export function toReplicationError(err: unknown, ctx: ReplicationErrorContext): unknown {
  if (err instanceof TandemError) return err;
  const e = err as ServerError & NodeJS.ErrnoException;
  const user = ctx.user ? q(ctx.user) : '<user>';
  const slot = ctx.slotName ?? '<slot>';
  switch (e?.code) {
    case '42501': // insufficient_privilege: "must be superuser or replication role to start walsender"
      return new TandemError('TANDEM_PRIVILEGE', `${ctx.action}: the database user lacks the REPLICATION attribute.`, {
        hint: `Run as a superuser: ALTER ROLE ${user} WITH REPLICATION;${ctx.role === 'target' ? '' : ` (on Amazon RDS: GRANT rds_replication TO ${user};)`}`,
        cause: err,
      });
    case '55000': // object_not_in_prerequisite_state: "logical decoding requires wal_level >= logical" …
      // … but also a slot the server invalidated (PostgreSQL 15: StartLogicalReplication; later
      // versions raise it elsewhere): told apart by the routine that raised it, never by the text.
      if (e.routine !== undefined && e.routine !== 'CheckLogicalDecodingRequirements') {
        return new TandemError('TANDEM_PREREQUISITE', `${ctx.action}: the server refused replication slot ${slot}: ${e.message ?? 'object not in prerequisite state'}${e.detail ? ` ${e.detail}` : ''}`, {
          hint: SLOT_INVALIDATED_HINT,
          cause: err,
          streamLost: true,
        });
      }
      return new TandemError('TANDEM_PREREQUISITE', `${ctx.action}: the server is not set up for logical decoding (wal_level must be logical).`, {
        hint: WAL_LEVEL_HINT,
        cause: err,
      });
    case '53400': // configuration_limit_exceeded: "all replication slots are in use"
      return new TandemError('TANDEM_PREREQUISITE', `${ctx.action}: all replication slots are in use (max_replication_slots).`, {
        hint: SLOTS_HINT,
        cause: err,
      });
    case '53300': // too_many_connections: "number of requested standby connections exceeds max_wal_senders"
      return new TandemError('TANDEM_PREREQUISITE', `${ctx.action}: no free WAL sender or connection slot (max_wal_senders / max_connections).`, {
        hint: SENDERS_HINT,
        cause: err,
      });
    case '42710': // duplicate_object
      return new TandemError('TANDEM_PREREQUISITE', `${ctx.action}: replication slot ${slot} already exists.`, {
        hint: `If no other migration uses it, drop it: SELECT pg_drop_replication_slot('${slot}');`,
        cause: err,
      });
    case '42704': // undefined_object: "replication slot … does not exist"
      return new TandemError('TANDEM_PREREQUISITE', `${ctx.action}: replication slot ${slot} does not exist.`, {
        hint: 'The slot was dropped or never created; the change stream cannot resume without it: start the migration again from a new snapshot (tandem end migration, then a new export dir and empty target tables).',
        cause: err,
        streamLost: true,
      });
    case '28000': // invalid_authorization_specification: no pg_hba.conf entry for replication
      return new TandemError('TANDEM_PREREQUISITE', `${ctx.action}: the server does not accept replication connections from this host.`, {
        hint: `Add a line such as "host replication ${ctx.user ?? 'all'} <client-address>/32 scram-sha-256" to pg_hba.conf and reload.`,
        cause: err,
      });
    case '22021': // character_not_in_repertoire: "invalid byte sequence for encoding "UTF8": 0xe9"
    case '22P05': // untranslatable_character
      // Raised by the walsender while it sends one change: every reconnection meets it again.
      return new TandemError('TANDEM_UNSUPPORTED', `${ctx.action}: the server could not send a changed value as UTF-8 (${e.message ?? 'invalid byte sequence'}). The stream cannot get past this change; everything before it is queued.`, {
        hint: `${NOT_UTF8_HINT} The stream cannot resume past the change: correct the values on the source, then start the migration again from a new snapshot (tandem end migration, then a new export dir and empty target tables), or leave the table out (--exclude-table-list).`,
        cause: err,
        streamLost: true,
      });
    case '28P01':
      return new TandemError('TANDEM_AUTH', `${ctx.action}: the database rejected the user name or password.`, { cause: err });
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
      return new TandemError('TANDEM_CONNECT', `${ctx.action}: could not reach the database server (${e.code}).`, { cause: err });
    default:
      return err;
  }
}

/** Why a value cannot be sent as UTF-8 (SQLSTATE 22021 or 22P05), for the stream's and the snapshot's errors. */
export const NOT_UTF8_HINT =
  'Text stored in the source database is not valid in the encoding it is sent in (a database whose encoding is SQL_ASCII keeps any bytes it is given): the target stores UTF-8 and cannot hold it.';

export const WAL_LEVEL_HINT =
  "Run ALTER SYSTEM SET wal_level = 'logical'; and restart PostgreSQL (on Amazon RDS / Aurora set rds.logical_replication = 1 in the parameter group; on Cloud SQL set the flag cloudsql.logical_decoding = on).";
export const SLOT_INVALIDATED_HINT =
  "A slot the server invalidated (pg_replication_slots.wal_status = 'lost': it held more WAL than max_slot_wal_keep_size allows, while the export was stopped or behind) no longer has the changes since, so this migration cannot resume from it: start it again from a new snapshot (tandem end migration, then a new export dir and empty target tables). To keep it from happening, raise max_slot_wal_keep_size (-1: no limit) and keep export data running; it warns when its slot's WAL nears the limit.";
export const SLOTS_HINT =
  'Drop slots nobody uses (SELECT slot_name, active FROM pg_replication_slots; SELECT pg_drop_replication_slot(\'<name>\');) or raise max_replication_slots and restart PostgreSQL.';
export const SENDERS_HINT =
  'Stop unused replication clients or raise max_wal_senders (and max_connections) and restart PostgreSQL.';


/** Quotes an SQL string literal (standard_conforming_strings on). */
export function quoteLiteral(value: string): string {
  return "'" + value.replace(/'/g, "''") + "'";
}
