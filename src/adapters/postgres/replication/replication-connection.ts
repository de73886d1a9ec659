/**
 * A walsender connection (`replication: 'database'`) for the replication commands: IDENTIFY_SYSTEM,
 * CREATE_REPLICATION_SLOT and DROP_REPLICATION_SLOT. Such a connection accepts only the simple query
 * protocol, which pg uses for parameterless queries; so every value in a command is validated or
 * quoted here.
 *
 * The exported snapshot trap: a snapshot made by `EXPORT_SNAPSHOT` lives only while this connection
 * stays idle. After {@link ReplicationConnection.createSlotWithSnapshot} the connection refuses every
 * command until the caller calls `release()` on the result, i.e. after every snapshot reader ran
 * `SET TRANSACTION SNAPSHOT`.
 */
import pg from 'pg';
import { TandemError } from '../../../core/errors.js';
import { openPgClient, SESSION_TIMEOUTS_SQL, toConnectionPlan, type PgConnectionPlan } from '../pg-connection.js';
import { log } from '../../../core/logger.js';
import { parseLsn } from './lsn.js';
import type { Lsn } from './lsn.js';
import { toReplicationError } from './replication-errors.js';

/**
 * A connection plan (`connectionPlan(db)`: TLS as its ssl mode says), or pg settings for a single
 * attempt; `replication` is set by this class.
 */
export type ReplicationConnectionConfig = pg.ClientConfig | PgConnectionPlan;

/** The user a plan connects as, for messages. */
export function replicationUser(config: ReplicationConnectionConfig): string | undefined {
  const plan = toConnectionPlan(config);
  return plan.db?.user ?? plan.attempts[0]?.config.user;
}

/** The role of the database streamed from ("source", "target"), when the config says it. */
export function replicationRole(config: ReplicationConnectionConfig): string | undefined {
  return toConnectionPlan(config).db?.role;
}

/** The server's answer to IDENTIFY_SYSTEM. */
export interface SystemIdentity {
  /** Unique identifier of the cluster, as the decimal text the server sends. */
  readonly systemId: string;
  readonly timeline: number;
  /** Current WAL flush position. */
  readonly xLogPos: Lsn;
  /** The database this connection is bound to. */
  readonly dbName: string | null;
}

/** A newly created logical slot. */
export interface CreatedSlot {
  readonly slotName: string;
  /** The first LSN the slot will deliver changes after: start streaming here. */
  readonly consistentPoint: Lsn;
}

/** A slot created with an exported snapshot that stays valid until `release()`. */
export interface SlotWithSnapshot extends CreatedSlot {
  /** Pass to `SET TRANSACTION SNAPSHOT '<name>'` in REPEATABLE READ transactions of other sessions. */
  readonly snapshotName: string;
  /**
   * Declares that every snapshot reader has imported the snapshot, so the connection may run
   * commands again (which ends the snapshot). Idempotent.
   */
  release(): void;
}

const SLOT_NAME = /^[a-z0-9_]{1,63}$/;

/** Throws a TandemError unless `name` is a valid replication slot name (PostgreSQL's own rule). */
export function assertSlotName(name: string): void {
  if (!SLOT_NAME.test(name)) {
    throw new TandemError('TANDEM_USAGE', `invalid replication slot name '${name}': use 1–63 lower-case letters, digits or underscores.`);
  }
}

/** One replication-mode connection. Close it with {@link ReplicationConnection.close}. */
export class ReplicationConnection {
  private holdingSnapshot = false;
  private closed = false;
  /** An error the server or socket raised while no command was running (e.g. termination). */
  private lastError: unknown;

  private constructor(
    private readonly client: pg.Client,
    private readonly user: string | undefined,
    private readonly role: string | undefined,
  ) {
    // Without a listener, an error while idle (pg_terminate_backend, network) would crash the process.
    client.on('error', (err) => {
      this.lastError = err;
    });
  }

  /**
   * Opens a replication connection to `config.database`.
   * @example const rc = await ReplicationConnection.open(connectionPlan(source));
   */
  static async open(config: ReplicationConnectionConfig): Promise<ReplicationConnection> {
    const user = replicationUser(config);
    const role = replicationRole(config);
    const client = await openPgClient(
      toConnectionPlan(config),
      // @types/pg does not declare `replication`, which pg passes on in the startup packet.
      (c) => new pg.Client({ ...c, replication: 'database' } as pg.ClientConfig),
      (err) => toReplicationError(err, { action: 'Opening a replication connection', user, role }),
    );
    // The database's limits for its applications apply to a replication connection too: an
    // idle_in_transaction_session_timeout ended the session that exports the snapshot while its
    // readers were attaching ("invalid snapshot identifier", found by CI under load with 100 ms).
    // A server that takes no SQL on a replication connection keeps its own settings.
    await client.query(SESSION_TIMEOUTS_SQL).catch((e: Error) => log.debug(`replication connection: session timeouts not set (${e.message})`));
    return new ReplicationConnection(client, user, role);
  }

  /** Runs IDENTIFY_SYSTEM. */
  async identifySystem(): Promise<SystemIdentity> {
    const row = (await this.run('IDENTIFY_SYSTEM', 'Identifying the server')).rows[0];
    return {
      systemId: String(row.systemid),
      timeline: Number(row.timeline),
      xLogPos: parseLsn(row.xlogpos),
      dbName: row.dbname ?? null,
    };
  }

  /**
   * Creates a logical pgoutput slot and exports its snapshot (PostgreSQL 12–18). The connection then
   * holds the snapshot: it refuses other commands until `release()` is called; closing it ends the
   * snapshot too.
   */
  async createSlotWithSnapshot(slotName: string): Promise<SlotWithSnapshot> {
    assertSlotName(slotName);
    const row = (
      await this.run(`CREATE_REPLICATION_SLOT ${slotName} LOGICAL pgoutput EXPORT_SNAPSHOT`, 'Creating the replication slot', slotName)
    ).rows[0];
    this.holdingSnapshot = true;
    return {
      slotName: row.slot_name,
      consistentPoint: parseLsn(row.consistent_point),
      snapshotName: row.snapshot_name,
      release: () => {
        this.holdingSnapshot = false;
      },
    };
  }

  /**
   * Creates a logical pgoutput slot without a snapshot (`NOEXPORT_SNAPSHOT`), the form YugabyteDB
   * also accepts; used where no snapshot is copied (the fall-back stream).
   */
  async createSlot(slotName: string): Promise<CreatedSlot> {
    assertSlotName(slotName);
    const row = (
      await this.run(`CREATE_REPLICATION_SLOT ${slotName} LOGICAL pgoutput NOEXPORT_SNAPSHOT`, 'Creating the replication slot', slotName)
    ).rows[0];
    return { slotName: row.slot_name, consistentPoint: parseLsn(row.consistent_point) };
  }

  /**
   * Drops a slot. With `wait` (PostgreSQL 13+), waits for a walsender still using it to stop instead
   * of failing; the default fails if the slot is active.
   */
  /**
   * Drops the slot. With `missingOk`, a slot that is gone by the time the server drops it is no
   * error: a slot a killed process was still creating (its walsender waiting for open transactions
   * and not noticing its client is gone) vanishes by itself when that creation ends, which is what
   * a WAIT drop waits for.
   */
  async dropSlot(slotName: string, options: { wait?: boolean; missingOk?: boolean } = {}): Promise<void> {
    assertSlotName(slotName);
    try {
      await this.run(`DROP_REPLICATION_SLOT ${slotName}${options.wait ? ' WAIT' : ''}`, 'Dropping the replication slot', slotName);
    } catch (e) {
      const code = (e as { cause?: { code?: string } }).cause?.code ?? (e as { code?: string }).code;
      if (!(options.missingOk && code === '42704')) throw e;
    }
  }

  /** True when a replication slot of this name exists on the server (any database). */
  async slotExists(slotName: string): Promise<boolean> {
    assertSlotName(slotName);
    // A logical walsender accepts plain SQL over the simple query protocol; the name is validated above.
    const r = await this.run(`SELECT 1 FROM pg_catalog.pg_replication_slots WHERE slot_name = '${slotName}'`, 'Looking up the replication slot', slotName);
    return r.rows.length > 0;
  }

  /** Ends the connection (and any snapshot it still holds). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.holdingSnapshot = false;
    await this.client.end().catch(() => {});
  }

  private async run(sql: string, action: string, slotName?: string): Promise<pg.QueryResult> {
    if (this.closed) throw new Error('replication connection is closed');
    if (this.holdingSnapshot) {
      // Any command here would silently end the exported snapshot the readers depend on.
      throw new Error('replication connection holds an exported snapshot: call release() once every reader has imported it');
    }
    if (this.lastError) throw this.lastError;
    try {
      return await this.client.query(sql);
    } catch (err) {
      throw toReplicationError(err, { action, user: this.user, role: this.role, slotName });
    }
  }
}
