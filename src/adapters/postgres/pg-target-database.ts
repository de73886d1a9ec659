import type pg from 'pg';
import type { DbConfig } from '../../core/db-config.js';
import type { SequenceValueRow } from '../../core/meta-store.js';
import type { SequenceRestoreResult } from '../../core/engine/sequences.js';
import type { PrerequisiteFinding, TableRef } from '../../core/engine/catalog.js';
import { publicationPrivilegeFinding } from './pg-catalog.js';
import type {
  BrokenForeignKey, SchemaApplyOptions, SchemaApplyResult, SchemaStatement, SnapshotBatch, SnapshotLoader, TargetDatabase, TargetLoad, TargetNode, TargetTable, TargetTableCheck,
} from '../../core/engine/target.js';
import { describeDb } from '../../core/db-config.js';
import { TandemError } from '../../core/errors.js';
import { readYbSettings, ybSettingWarnings } from '../yugabyte/cluster-settings.js';
import { discoverYbNodes } from '../yugabyte/node-discovery.js';
import { HAS_CLUSTER_METRICS_SQL, readClusterLoad } from '../yugabyte/cluster-load.js';
import { connectPg, prepareWritingSession, serverInfo } from './pg-connection.js';
import { pgBool } from './source-catalog.js';
import { firingTriggersError, mayUseReplicaRole, readFiringTriggers, readTriggersAndForeignKeys, replicaRoleGrant } from './firing-triggers.js';
import { replicationProblems, userMayReplicate } from './replication/replication-prerequisites.js';
import { quoteIdent } from '../../core/sql-names.js';
import { applySchemaStatements } from './schema-applier.js';
import { brokenForeignKeys } from './foreign-key-check.js';
import { TRANSIENT_CONFLICTS, sqlStatesOf } from './sql-state.js';
import {
  DEFAULT_METADATA_SCHEMA, SnapshotFileReader, batchIsRecorded, checkTargetTables, ensureSnapshotMetadata, importedBatchKeys, loadBatch,
  loadedSnapshot, requireSequenceUpdate, restoreSequence, startSnapshot,
} from './target-writer.js';

/**
 * One loading connection: COPY of a batch's bytes plus its record in the spec's batch table, in one
 * transaction; its own open snapshot files.
 */
class PgSnapshotLoader implements SnapshotLoader {
  private readonly files = new SnapshotFileReader();

  constructor(private readonly client: pg.Client, private readonly migrationUuid: string) {}

  async load(batch: SnapshotBatch): Promise<void> {
    await loadBatch(this.client, batch, this.migrationUuid, this.files);
  }

  isAlive(): Promise<boolean> {
    return this.client.query('SELECT 1').then(() => true, () => false);
  }

  isRecorded(batch: SnapshotBatch): Promise<boolean> {
    return batchIsRecorded(this.client, this.migrationUuid, batch.fileName, batch.batchNo);
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => {});
    await this.files.close();
  }
}

/**
 * The target as PostgreSQL or YugabyteDB: YugabyteDB (detected from `version()`) gets the spec's
 * settings checked and its nodes listed (`yb_servers()`) so loading connections spread over them.
 * One admin connection, opened when first needed and closed by `close`.
 */
export class PgTargetDatabase implements TargetDatabase {
  private client?: Promise<pg.Client>;
  private warnedReplicationRole = false;
  /** `replicationSetupProblems`, once per instance. */
  private setupProblems?: Promise<TandemError[]>;
  /** Whether the server has `yb_servers_metrics()` (looked up once). */
  private clusterMetrics?: boolean;

  constructor(private readonly db: DbConfig, private readonly onWarning: (message: string) => void) {}

  async inspect(): Promise<{ warnings: string[]; nodes: TargetNode[] }> {
    const admin = await this.admin();
    const info = await serverInfo(admin);
    if (!info.isYugabyte) return { warnings: [], nodes: [] };
    const warnings = ybSettingWarnings(await readYbSettings(admin));
    const nodes = await discoverYbNodes(admin).catch((e) => {
      warnings.push(`yb_servers() failed (${(e as Error).message}); all connections go to ${this.db.host}:${this.db.port}`);
      return [];
    });
    return { warnings, nodes };
  }

  async loadedSnapshot(migrationUuid: string): Promise<{ snapshotId: string; tables: string[] } | undefined> {
    return loadedSnapshot(await this.admin(), migrationUuid);
  }

  async importedBatchKeys(migrationUuid: string): Promise<Set<string>> {
    return importedBatchKeys(await this.admin(), migrationUuid);
  }

  async checkLiveImport(tables: readonly TableRef[] = []): Promise<string[]> {
    const admin = await this.admin();
    const user = this.db.user;
    if (!(await mayUseReplicaRole(admin))) {
      // The change writer refuses it too (PgChangeTarget); said here before the snapshot is loaded.
      throw new TandemError('TANDEM_PRIVILEGE',
        `User ${user} may not SET session_replication_role = replica on the target ${describeDb(this.db)}, which the change import needs: the triggers and foreign keys that "import schema --post-snapshot-import" creates while changes stream would otherwise fire and act for every row Tandem writes, repeating what the source already did. Nothing was written.`,
        { hint: `${replicaRoleGrant(user, true)} Then rerun the same import command.` });
    }
    const warnings: string[] = [];
    if (!(await userMayReplicate(admin))) {
      warnings.push(`User ${user} on the target lacks the REPLICATION attribute (or superuser): a fall-back streams the target's changes, so "initiate cutover to target --prepare-for-fall-back true" would stop there, with the application already stopped. Give it now, as a superuser on the target: ALTER ROLE ${quoteIdent(user)} WITH REPLICATION;`);
    }
    for (const p of await this.replicationSetupProblems(admin)) {
      warnings.push(`${p.message} A fall-back streams the target's changes, so "initiate cutover to target --prepare-for-fall-back true" would stop there, with the application already stopped. Fix it now: ${p.hint ?? ''}`.trimEnd());
    }
    const publication = await this.publicationProblem(admin, tables);
    if (publication) warnings.push(`${publication.message} A fall-back streams the target's changes through a publication of the migrated tables, so "initiate cutover to target --prepare-for-fall-back true" would stop there, with the application already stopped. Fix it now: ${publication.fix}`);
    return warnings;
  }

  /** Whether the fall-back's publication of `tables` could be created on the target (CREATE on the database, ownership of each table). */
  private async publicationProblem(admin: pg.Client, tables: readonly TableRef[]): Promise<PrerequisiteFinding | undefined> {
    if (tables.length === 0) return undefined;
    const oids = (await admin.query(
      `SELECT c.oid::int AS oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE (n.nspname, c.relname) IN (SELECT * FROM unnest($1::text[], $2::text[]))`, [tables.map((t) => t.schema), tables.map((t) => t.name)])).rows.map((r) => Number(r.oid));
    return publicationPrivilegeFinding(admin, this.db.user, oids);
  }

  async streamProblems(tables: readonly TableRef[] = []): Promise<string[]> {
    const admin = await this.admin();
    const problems: string[] = [];
    if (!(await userMayReplicate(admin))) {
      problems.push(`User ${this.db.user} lacks the REPLICATION attribute (or superuser); as a superuser on the target: ALTER ROLE ${quoteIdent(this.db.user)} WITH REPLICATION;`);
    }
    for (const p of await this.replicationSetupProblems(admin)) problems.push(`${p.message} Fix: ${p.hint ?? ''}`.trimEnd());
    const publication = await this.publicationProblem(admin, tables);
    if (publication) problems.push(`${publication.message} Fix: ${publication.fix}`);
    return problems;
  }

  /**
   * What in a PostgreSQL target's settings would keep the fall-back from streaming: wal_level not
   * logical, no free replication slot or WAL sender (the user's REPLICATION attribute is looked at
   * apart). Before, none was looked at, and a target at wal_level = replica stopped the cutover with
   * fall-back at its slot, with the application stopped (fix-verify-47). Not on YugabyteDB, whose
   * change stream is set up otherwise (not testable here).
   */
  private replicationSetupProblems(admin: pg.Client): Promise<TandemError[]> {
    // Asked once per instance: import data's start asks for its warnings and its record in turn.
    this.setupProblems ??= (async () => {
      if ((await serverInfo(admin)).isYugabyte) return [];
      const { problems } = await replicationProblems(admin, 1);
      return problems.filter((p) => p.code !== 'TANDEM_PRIVILEGE');
    })();
    return this.setupProblems;
  }

  async checkTables(tables: readonly TargetTable[], fresh: ReadonlySet<string>, changes: boolean): Promise<TargetTableCheck> {
    const admin = await this.admin();
    const check = await checkTargetTables(admin, tables, fresh);
    const refusals: { error: TandemError; replicaRole?: boolean }[] = [];
    if (check.missingTables.length === 0) {
      try {
        await this.requireReplicaRoleForForeignKeys(admin, tables);
      } catch (e) {
        if (!(e instanceof TandemError)) throw e;
        refusals.push({ error: e, replicaRole: true });
      }
      // Triggers and rules set to fire in replica sessions (ENABLE ALWAYS / REPLICA) fire for every
      // snapshot row too: refused with the other checks, before the load (measured before: only the
      // change writer refused them, after the snapshot had fired them for every row, and an offline
      // import never did; the docs-claims-2 run). Rules only where changes are written too, or
      // where a table is loaded through a staging table (its INSERT … SELECT runs them): COPY runs
      // none (measured before: one refused an offline import; the 48th session's runs; and with
      // only COPY in mind, an ALWAYS rule fired for every row of a staged load: fix-verify-49).
      const staged = tables.filter((t) => check.castWhileLoading?.some((c) => c.table === `${t.schema}.${t.name}`));
      const firing = tables.length === 0 ? [] : (await readFiringTriggers(admin, { names: [...tables] })).filter((f) => changes || f.kind === 'TRIGGER');
      if (!changes && staged.length > 0) firing.push(...(await readFiringTriggers(admin, { names: staged })).filter((f) => f.kind === 'RULE'));
      if (firing.length > 0) {
        refusals.push({ error: firingTriggersError(firing, describeDb(this.db)) });
      }
    }
    // The metadata schema is created right after the checks: a user who may not is told with them.
    const meta = (await admin.query(
      `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS present,
              has_database_privilege(current_database(), 'CREATE') AS may_create`, [DEFAULT_METADATA_SCHEMA])).rows[0];
    if (!pgBool(meta.present) && !pgBool(meta.may_create)) refusals.push({ error: this.metadataSchemaRefusal() });
    return refusals.length > 0 ? { ...check, refusals } : check;
  }

  private metadataSchemaRefusal(): TandemError {
    return new TandemError('TANDEM_PRIVILEGE', `User ${this.db.user} cannot create the schema ${DEFAULT_METADATA_SCHEMA} on the target.`, {
      hint: `GRANT CREATE ON DATABASE ${this.db.database} TO ${this.db.user};`,
    });
  }

  /**
   * A loading session that may not SET session_replication_role = replica checks foreign keys row
   * by row. The tables load in no order of theirs (a child before its parent) and each batch
   * commits on its own, so a row whose parent is not loaded yet fails, and a cycle of keys (even
   * deferred ones) can never load: refused before anything is written when a loaded table has a
   * foreign key, referencing or referenced. With none the load goes on (`openLoader` says so).
   */
  private async requireReplicaRoleForForeignKeys(admin: pg.Client, tables: readonly TargetTable[]): Promise<void> {
    if (tables.length === 0 || await mayUseReplicaRole(admin)) return;
    const keys = await readTriggersAndForeignKeys(admin, { names: tables }, true);
    if (keys.length === 0) return;
    const user = this.db.user;
    throw new TandemError('TANDEM_PRIVILEGE',
      `User ${user} may not SET session_replication_role = replica on the target ${describeDb(this.db)}, so the snapshot would load with these foreign keys checked row by row: ${keys.join(', ')}. Tables load in no particular order and each batch commits on its own, so a row whose parent is not loaded yet would be refused (and a cycle of keys could never load). Nothing was written.`,
      { hint: `${replicaRoleGrant(user, true)} Then rerun the same import command.` });
  }

  async ensureSnapshotMetadata(): Promise<void> {
    try {
      await ensureSnapshotMetadata(await this.admin());
    } catch (e) {
      if ((e as { code?: string }).code === '42501') throw this.metadataSchemaRefusal();
      throw e;
    }
  }

  async startSnapshot(migrationUuid: string, snapshotId: string, reloadTables: readonly string[]): Promise<void> {
    await startSnapshot(await this.admin(), migrationUuid, snapshotId, reloadTables);
  }

  async openLoader(migrationUuid: string, node?: TargetNode): Promise<SnapshotLoader> {
    const client = await connectPg(node ? { ...this.db, host: node.host, port: node.port } : this.db);
    await prepareWritingSession(client);
    try {
      // Loads tables in any order: foreign keys and triggers must not fire on restored rows.
      await client.query('SET session_replication_role = replica');
    } catch (e) {
      if (!this.warnedReplicationRole) {
        this.warnedReplicationRole = true;
        // checkTables let this through: no loaded table has a foreign key.
        this.onWarning(`cannot set session_replication_role (${(e as Error).message}); no loaded table has a foreign key, so the load goes on (a trigger on a loaded table would fire for each row).`);
      }
    }
    return new PgSnapshotLoader(client, migrationUuid);
  }

  transientConflict(error: unknown): string | undefined {
    return sqlStatesOf(error).find((c) => TRANSIENT_CONFLICTS.includes(c));
  }

  async setSnapshotSequences(values: readonly SequenceValueRow[]): Promise<SequenceRestoreResult[]> {
    const admin = await this.admin();
    const restored: SequenceRestoreResult[] = [];
    await requireSequenceUpdate(admin, values.map((s) => {
      const [schema, ...rest] = s.sequenceKey.split('.');
      return [schema!, rest.join('.')] as const;
    }));
    for (const s of values) {
      const [schema, ...rest] = s.sequenceKey.split('.');
      const result = await restoreSequence(admin, schema!, rest.join('.'), s.lastValue, s.isCalled);
      if (result) restored.push(result);
    }
    return restored;
  }

  async applySchema(statements: readonly SchemaStatement[], options: SchemaApplyOptions): Promise<SchemaApplyResult> {
    return applySchemaStatements(await this.admin(), statements, options);
  }

  async brokenForeignKeys(tables: readonly TableRef[]): Promise<BrokenForeignKey[]> {
    return brokenForeignKeys(await this.admin(), tables);
  }

  async targetLoad(): Promise<TargetLoad | undefined> {
    const admin = await this.admin();
    this.clusterMetrics ??= pgBool((await admin.query(HAS_CLUSTER_METRICS_SQL)).rows[0].present);
    return this.clusterMetrics ? readClusterLoad(admin) : undefined;
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) await (await client.catch(() => undefined))?.end().catch(() => {});
  }

  private admin(): Promise<pg.Client> {
    if (!this.client) {
      const opening = connectPg(this.db);
      // A failed connect is reported by the call that needed it; the next call tries again.
      this.client = opening;
      opening.catch(() => { if (this.client === opening) this.client = undefined; });
    }
    return this.client;
  }
}
