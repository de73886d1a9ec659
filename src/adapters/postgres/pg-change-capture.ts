import type { MarkerKind } from '../../core/change-event.js';
import type { DbConfig } from '../../core/db-config.js';
import type { PrerequisiteFinding, TableInfo, TableRef } from '../../core/engine/catalog.js';
import { type ChangeCapture, type ChangeCounts, type ChangeStream, type ChangeStreamLabels, type ChangeStreamNames, type OpenWriters, type StreamConfirmations, type StreamStart, type WriteHold, writeHold } from '../../core/engine/change-capture.js';
import type { SnapshotSession } from '../../core/engine/snapshot.js';
import { tableKeyOf } from '../../core/engine/catalog.js';
import pg from 'pg';
import { log } from '../../core/logger.js';
import { connectPg, connectionPlan, withPg } from './pg-connection.js';
import { findingOf, type PgTableInfo } from './pg-catalog.js';
import { attachSnapshotReaders } from './pg-snapshot-source.js';
import { PgChangeStream } from './pg-change-stream.js';
import { emitDurableMessage, WAL_FLUSH_MESSAGE } from './logical-message.js';
import { peekPendingChanges } from './slot-inspection.js';
import { ReplicationConnection } from './replication/replication-connection.js';
import { watchSlotCreation } from './replication/slot-wait.js';
import { checkReplicationPrerequisites } from './replication/replication-prerequisites.js';
import { createPublication, dropPublication } from './replication/publication.js';
import { formatLsn, lsnToPosition, positionToLsn } from './replication/lsn.js';
import { SLOT_INVALIDATED_HINT } from './replication/replication-errors.js';

/** The slot and publication of one side's stream: `tandem_<id>` on the source, `tandem_fb_<id>` on the target (fall-back). */
export function pgStreamNames(names: ChangeStreamNames): { slot: string; publication: string } {
  const id = names.id.replace(/-/g, '').slice(0, 20);
  return names.side === 'source'
    ? { slot: `tandem_${id}`, publication: `tandem_pub_${id}` }
    : { slot: `tandem_fb_${id}`, publication: `tandem_fb_pub_${id}` };
}

/** Slot WAL above which the stream warns when max_slot_wal_keep_size is unlimited. */
const UNLIMITED_WARN_BYTES = 10 * 1024 ** 3;

/**
 * Change capture on PostgreSQL (and YugabyteDB, which speaks the same replication protocol): a
 * publication listing the migrated tables (never Tandem's metadata), a logical replication slot
 * with pgoutput whose exported snapshot the readers share (`EXPORT_SNAPSHOT`; without a snapshot
 * `NOEXPORT_SNAPSHOT`, the form YugabyteDB accepts), markers as transactional logical messages
 * committed synchronously, and a peek at the slot for writes after a marker. Positions are commit
 * end LSNs as 16 hex digits (`replication/lsn.ts`).
 */
export class PgChangeCapture implements ChangeCapture {
  readonly labels: ChangeStreamLabels;
  readonly record: Readonly<Record<string, string>>;
  private readonly slot: string;
  private readonly publication: string;
  private markerClient: Promise<pg.Client> | undefined;
  private admin: { readonly client: Promise<pg.Client>; users: number } | undefined;
  private markerChain: Promise<void> = Promise.resolve();

  constructor(private readonly db: DbConfig, private readonly names: ChangeStreamNames) {
    const { slot, publication } = pgStreamNames(names);
    this.slot = slot;
    this.publication = publication;
    this.record = { slot, publication };
    this.labels = {
      stream: `replication slot ${slot}`,
      name: slot,
      objects: `replication slot ${slot} and publication ${publication}`,
      brief: `slot ${slot}, publication ${publication}`,
      changeLog: 'WAL',
      dropStream: `SELECT pg_drop_replication_slot('${slot}');`,
      dropAll: `SELECT pg_drop_replication_slot('${slot}'); DROP PUBLICATION ${publication};`,
    };
  }

  async checkPrerequisites(): Promise<PrerequisiteFinding[]> {
    return this.withAdmin(async (client) => {
      try {
        await checkReplicationPrerequisites(client, 1);
        return [];
      } catch (e) {
        return [findingOf(e)];
      }
    });
  }

  async prepare(tables: readonly TableRef[]): Promise<{ droppedLeftover: boolean }> {
    return this.withAdmin(async (admin) => {
      // A replication connection only for a leftover slot (its DROP waits until no one uses it): at
      // a cutover, every connection opened is part of the application's downtime.
      const leftover = (await admin.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [this.slot])).rows.length > 0;
      if (leftover) {
        const rc = await ReplicationConnection.open(connectionPlan(this.db));
        try {
          // Gone meanwhile is fine: an interrupted run's half-created slot ends with its creation.
          await rc.dropSlot(this.slot, { wait: true, missingOk: true });
        } finally {
          await rc.close().catch(() => {});
        }
      }
      await dropPublication(admin, this.publication);
      await createPublication(admin, this.publication, tables.map((t) => ({ schema: t.schema, name: t.name })));
      return { droppedLeftover: leftover };
    });
  }

  /**
   * Runs `fn` on a connection shared by the calls that overlap it and closed when the last one
   * ends: at a cutover the check and the objects run at once, and every connection opened then is
   * a server process forked while the application waits (about 30 ms each on a test machine here,
   * one at a time). The client queues the calls' queries; none of them opens a transaction.
   */
  private async withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
    const shared = (this.admin ??= { client: connectPg(this.db), users: 0 });
    shared.users++;
    try {
      return await fn(await shared.client);
    } finally {
      if (--shared.users === 0) {
        if (this.admin === shared) this.admin = undefined;
        await shared.client.then((c) => c.end()).catch(() => {});
      }
    }
  }

  async createWithSnapshot(readers: number, onWaiting?: (message: string) => void): Promise<StreamStart & { snapshot: SnapshotSession }> {
    const rc = await ReplicationConnection.open(connectionPlan(this.db));
    try {
      const slot = await watchSlotCreation(this.db, rc.createSlotWithSnapshot(this.slot), onWaiting);
      const snapshot = await attachSnapshotReaders(this.db, slot.snapshotName, readers, async () => {
        slot.release();
        await rc.close().catch(() => {});
      });
      return { startPosition: lsnToPosition(slot.consistentPoint), snapshot };
    } finally {
      await rc.close().catch(() => {});
    }
  }

  async createWithoutSnapshot(onWaiting?: (message: string) => void): Promise<StreamStart> {
    const opened = Date.now();
    const rc = await ReplicationConnection.open(connectionPlan(this.db));
    try {
      log.debug(`replication connection for ${this.slot} opened in ${Date.now() - opened} ms`);
      const slot = await watchSlotCreation(this.db, rc.createSlot(this.slot), onWaiting);
      return { startPosition: lsnToPosition(slot.consistentPoint) };
    } finally {
      await rc.close().catch(() => {});
    }
  }

  async exists(): Promise<boolean> {
    return withPg(this.db, async (client) => (await client.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [this.slot])).rows.length > 0);
  }

  open(from: string, tables: readonly TableInfo[], onWarning?: (message: string) => void, confirmations?: StreamConfirmations): ChangeStream {
    return new PgChangeStream({
      ...(confirmations ? { confirmations } : {}),
      source: this.db, slotName: this.slot, publicationName: this.publication, startLsn: positionToLsn(from),
      primaryKeys: new Map(tables.map((t) => [tableKeyOf(t), t.primaryKey])),
      columns: new Map(tables.map((t) => [tableKeyOf(t), t.columns])),
      namesByOid: new Map(tables.flatMap((t) => {
        const pgTable = (t as Partial<PgTableInfo>).pg;
        // The catalog hands the oid over as text (Tandem installs no type parsers).
        return pgTable ? [[Number(pgTable.oid), { schema: t.schema, name: t.name }] as const] : [];
      })),
      onWarning,
    });
  }

  /**
   * A transactional logical-decoding message: decoded after every earlier commit, and committed
   * synchronously so it (and every earlier commit) reaches the stream at once even on a server that
   * runs with synchronous_commit off.
   */
  /**
   * One connection kept for markers and heartbeats: a cutover marker is part of the application's
   * downtime, and opening a connection (TLS, SCRAM) can take longer than writing the marker. A kept
   * connection that has died (server restart, idle timeout) is replaced once.
   */
  writeMarker(marker: MarkerKind | 'heartbeat'): Promise<void> {
    // One at a time: two callers' statements must not interleave on the kept connection.
    const run = this.markerChain.then(() => this.writeMarkerNow(marker));
    this.markerChain = run.catch(() => {});
    return run;
  }

  private async writeMarkerNow(marker: MarkerKind | 'heartbeat'): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const pending = (this.markerClient ??= connectPg(this.db));
      let client: pg.Client;
      try {
        client = await pending;
      } catch (e) {
        if (this.markerClient === pending) this.markerClient = undefined;
        throw e;
      }
      try {
        await emitDurableMessage(client, marker);
        return;
      } catch (e) {
        if (this.markerClient === pending) this.markerClient = undefined;
        await client.end().catch(() => {});
        // Only a connection that failed is worth a second try; a server's refusal is the answer.
        const refused = e instanceof pg.DatabaseError && !/^(08|57P)/.test(e.code ?? '');
        if (refused || attempt >= 2) throw e;
      }
    }
  }

  async close(): Promise<void> {
    await this.markerChain;
    const pending = this.markerClient;
    this.markerClient = undefined;
    if (pending) await pending.then((c) => c.end(), () => {}).catch(() => {});
  }

  /**
   * Sessions of this database in a transaction that has written (an xid assigned: a read-only one
   * has none), and transactions prepared for two-phase commit in it.
   */
  async openWriters(): Promise<OpenWriters> {
    return withPg(this.db, async (client) => {
      const r = await client.query(
        `SELECT format('session pid %s (user %s, %s, transaction open since %s)', pid, usename, coalesce(state, 'state hidden from this user'),
                  coalesce(to_char(xact_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS "UTC"'), 'a time hidden from this user')) AS what
           FROM pg_catalog.pg_stat_activity
          WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()
            -- Another role's session shows a user without pg_read_all_stats its transaction id but
            -- not its type (nor its state and start): it counts.
            AND coalesce(backend_type, 'client backend') = 'client backend'
         UNION ALL
         SELECT format('prepared transaction %L (owner %s, prepared at %s)', gid, owner, to_char(prepared AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS "UTC"'))
           FROM pg_catalog.pg_prepared_xacts WHERE database = current_database()
         ORDER BY 1`);
      return { open: r.rows.map((x) => String(x.what)) };
    });
  }

  /**
   * LOCK TABLE … IN SHARE MODE on the tables that exist, in a transaction held open until released:
   * SHARE conflicts with the ROW EXCLUSIVE lock every INSERT, UPDATE, DELETE takes (and TRUNCATE's),
   * not with reads, the slot's peek or its drop. Then the WAL is flushed (`changesAfter` also does):
   * a commit that returned before the lock, with synchronous_commit off, is readable by the peek.
   */
  async holdWrites(tables: readonly TableRef[], timeoutMs: number): Promise<WriteHold> {
    const client = await connectPg(this.db);
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.round(timeoutMs))}`);
      const existing = await client.query(
        `SELECT format('%I.%I', n.nspname, c.relname) AS name
           FROM unnest($1::text[], $2::text[]) AS v(schema, name)
           JOIN pg_namespace n ON n.nspname = v.schema JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = v.name
          WHERE c.relkind IN ('r', 'p')`, [tables.map((t) => t.schema), tables.map((t) => t.name)]);
      const names = existing.rows.map((r) => String(r.name));
      if (names.length > 0) await client.query(`LOCK TABLE ${names.join(', ')} IN SHARE MODE`);
    } catch (e) {
      await client.end().catch(() => {});
      throw e;
    }
    return writeHold(async () => { await client.query('COMMIT'); }, async () => { await client.end().catch(() => {}); });
  }

  async changesAfter(position: string | undefined, _tables: readonly TableRef[]): Promise<ChangeCounts> {
    return withPg(this.db, async (client) => {
      // Commits that returned to the application but are not flushed yet (synchronous_commit off)
      // are invisible to a peek: flush the WAL first, or such writes would be missed.
      await emitDurableMessage(client, WAL_FLUSH_MESSAGE);
      return peekPendingChanges(client, this.slot, this.publication, { after: position === undefined ? undefined : positionToLsn(position) });
    });
  }

  /** Warns when the slot holds more WAL than is comfortable (a stalled importer fills the database's disk). */
  async retentionWarning(): Promise<string | undefined> {
    return withPg(this.db, async (client) => {
      const r = await client.query(
        `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint AS retained,
                current_setting('max_slot_wal_keep_size') AS keep, to_jsonb(s) ->> 'wal_status' AS wal_status
           FROM pg_replication_slots s WHERE slot_name = $1`, [this.slot]);
      if (r.rows.length === 0) return undefined;
      // wal_status (PostgreSQL 13+; read through to_jsonb so that a server without it answers too).
      const status = r.rows[0].wal_status as string | null;
      if (status === 'lost') {
        return `replication slot ${this.slot} on the ${this.names.side} was invalidated by the server (wal_status lost: it held more WAL than max_slot_wal_keep_size allows); the changes since are lost to it, and this migration cannot go on from it. ${SLOT_INVALIDATED_HINT}`;
      }
      if (status === 'unreserved') {
        return `replication slot ${this.slot} on the ${this.names.side} holds more WAL than max_slot_wal_keep_size (${String(r.rows[0].keep)}) allows (wal_status unreserved): the server invalidates it at its next checkpoint unless the export catches up, and the migration would have to start again. Raise max_slot_wal_keep_size now (ALTER SYSTEM SET max_slot_wal_keep_size = …; SELECT pg_reload_conf();).`;
      }
      const retained = Number(r.rows[0].retained);
      const keep = String(r.rows[0].keep);
      const keepBytes = keep === '-1' ? undefined : parseSize(keep);
      const limit = keepBytes !== undefined ? keepBytes * 0.8 : UNLIMITED_WARN_BYTES;
      if (retained <= limit) return undefined;
      return `replication slot ${this.slot} holds ${(retained / 1024 ** 3).toFixed(1)} GB of WAL on the ${this.names.side}${keepBytes ? ` (max_slot_wal_keep_size ${keep})` : ''}; make sure the export keeps running.`;
    });
  }

  describePosition(position: string): string {
    return formatLsn(positionToLsn(position));
  }

  async drop(): Promise<boolean> {
    return withPg(this.db, async (client) => {
      const slot = await client.query('SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1', [this.slot]);
      const existed = slot.rows.length > 0;
      if (existed) {
        if (slot.rows[0].active_pid) await client.query('SELECT pg_terminate_backend($1)', [slot.rows[0].active_pid]);
        await client.query('SELECT pg_drop_replication_slot($1)', [this.slot]);
      }
      await dropPublication(client, this.publication);
      return existed;
    });
  }
}

function parseSize(s: string): number | undefined {
  const m = /^(\d+)\s*(kB|MB|GB|TB)?$/.exec(s.trim());
  if (!m) return undefined;
  const unit = { kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 }[m[2] ?? 'MB' as 'MB'] ?? 1024 ** 2;
  return Number(m[1]) * unit;
}
