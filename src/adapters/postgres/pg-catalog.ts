import type pg from 'pg';
import { describeDb, type DbConfig } from '../../core/db-config.js';
import { TandemError } from '../../core/errors.js';
import { primaryKeyFinding, tableKeyOf, type ExportPurpose, type PrerequisiteFinding, type SourceCatalog, type TableInfo } from '../../core/engine/catalog.js';
import { connectPg } from './pg-connection.js';
import { q } from '../../core/sql-names.js';
import { listSourceTables, pgBool, qualified, type SourceTable } from './source-catalog.js';
import { replicationProblems } from './replication/replication-prerequisites.js';
import { describeFiring, firingTriggersRefusal, mayUseReplicaRole, readFiringTriggers, readTriggersAndForeignKeys, replicaRoleRefusal } from './firing-triggers.js';

/** A table as the PostgreSQL catalog describes it: the engine-neutral facts, and what the snapshot plans with. */
export interface PgTableInfo extends TableInfo {
  readonly pg: SourceTable;
}

/** The PostgreSQL facts of a table this engine's catalog listed (the workflow hands them back unchanged). */
export function pgTableOf(t: TableInfo): SourceTable {
  const pgTable = (t as Partial<PgTableInfo>).pg;
  if (!pgTable) throw new Error(`internal: table ${t.schema}.${t.name} was not listed by the PostgreSQL catalog`);
  return pgTable;
}

/** The engine-neutral view of a catalog table; `estimatedBytes` is the heap's pages (of every partition). */
export function toTableInfo(t: SourceTable): PgTableInfo {
  return {
    schema: t.schema, name: t.name, id: String(t.oid), columns: t.columns, columnTypes: t.columnTypes, primaryKey: t.primaryKey,
    ...(t.generated.length > 0 ? { generatedColumns: t.generated } : {}),
    estimatedRows: t.estimatedRows, estimatedBytes: t.pages * 8192, pg: t,
    ...(t.partitioned ? { partitions: t.leaves.map((l) => `${l.schema}.${l.name}`).sort() } : {}),
  };
}

/** A finding made of a TandemError a check threw (code, message and fix kept). */
export function findingOf(e: unknown): PrerequisiteFinding {
  if (!(e instanceof TandemError)) throw e;
  return { severity: 'error', code: e.code, message: e.message, fix: e.hint ?? '' };
}

/** The source's catalog over one connection. */
export class PgSourceCatalog implements SourceCatalog {
  private constructor(private readonly db: DbConfig, private readonly client: pg.Client) {}

  static async open(db: DbConfig): Promise<PgSourceCatalog> {
    return new PgSourceCatalog(db, await connectPg(db));
  }

  async missingSchemas(names: readonly string[]): Promise<string[]> {
    const r = await this.client.query('SELECT s FROM unnest($1::text[]) s WHERE NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = s)', [names]);
    return r.rows.map((row) => String(row.s));
  }

  async listSchemas(): Promise<string[]> {
    const r = await this.client.query("SELECT nspname FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema' ORDER BY nspname");
    return r.rows.map((row) => String(row.nspname));
  }

  async listTables(schemas: readonly string[]): Promise<PgTableInfo[]> {
    return (await listSourceTables(this.client, [...schemas])).map(toTableInfo);
  }

  async tablesByIds(ids: readonly string[]): Promise<PgTableInfo[]> {
    return (await listSourceTables(this.client, { oids: ids.map(Number) })).map(toTableInfo);
  }

  /**
   * Read privileges on every table and its schema, and on the schemas' sequences; the primary-key rule; for a live export the
   * replication settings (wal_level, the REPLICATION attribute, a free slot and WAL sender), what
   * creating the publication needs (CREATE on the database, owning each table), UPDATE on the
   * sequences a fall-back sets (a warning, recorded for the fall-back), and no
   * table with REPLICA IDENTITY NOTHING or an identity index other than its primary key (its
   * updates and deletes could not be streamed with the key they are applied by). For a live
   * export with partitioned tables, warnings that a TRUNCATE of one of their partitions is not
   * streamed (on the source; on the target, recorded for the fall-back).
   */
  async checkPrerequisites(purpose: ExportPurpose): Promise<PrerequisiteFinding[]> {
    const oids = purpose.tables.map((t) => pgTableOf(t).oid);
    // Every problem is collected (the checks below read only the catalog), so that one run names
    // everything a new user must grant rather than one round of fixes per run.
    const findings: PrerequisiteFinding[] = [];
    const unreadable = await readPrivilegeFinding(this.client, this.db.user, oids, [...new Set([...this.db.schemas, ...purpose.tables.map((t) => t.schema)])]);
    if (unreadable) findings.push(unreadable);
    if (purpose.live) {
      const encoding = String((await this.client.query("SELECT current_setting('server_encoding') AS e")).rows[0].e);
      const warning = sourceEncodingWarning(encoding);
      if (warning) findings.push(warning);
      // ENABLE ALWAYS / REPLICA triggers fire in a fall-back's writing sessions too: the fall-back refuses to write until they are disabled.
      const firing = await readFiringTriggers(this.client, { oids });
      if (firing.length > 0) {
        findings.push({
          severity: 'warning', code: 'TANDEM_PREREQUISITE', fallBack: true, fix: '',
          message: `Triggers${firing.some((f) => f.kind === 'RULE') ? ' and rules' : ''} that fire even for replicated rows: ${firing.map((f) => describeFiring(f, true)).join(', ')}. If the migration falls back, they would fire for every row Tandem writes back to the source and repeat what the target's did: import data to source refuses to write until they are disabled (it names the statements).`,
        });
      }
      // Without the replica role every trigger and foreign key acts on a fall-back's rows: the fall-back refuses to write until the user may set it.
      if (!(await mayUseReplicaRole(this.client))) {
        const acting = await readTriggersAndForeignKeys(this.client, { oids });
        if (acting.length > 0) {
          findings.push({
            severity: 'warning', code: 'TANDEM_PRIVILEGE', fallBack: true, fix: `As a superuser: GRANT SET ON PARAMETER session_replication_role TO ${this.db.user}; (PostgreSQL 15 and later; before 15, only a superuser may set it).`,
            message: `User ${this.db.user} may not SET session_replication_role = replica: if the migration falls back, the rows Tandem writes back to the source would fire these triggers and foreign-key checks and actions and repeat what the target's did (${acting.join(', ')}), so import data to source refuses to write until the user may.`,
          });
        }
      }
    }
    // Row-level security that applies to this user: every read would see only the rows its policies
    // allow (the snapshot, and the verification, which would then compare the same subset).
    const leaves = purpose.tables.flatMap((t) => pgTableOf(t).leaves.map((l) => qualified(l.schema, l.name)));
    // The tables and their partitions, once: row-level security here, unlogged ones below (live only).
    const relations = (await this.client.query(
      `SELECT n.nspname || '.' || c.relname AS t, c.relrowsecurity AND row_security_active(c.oid) AS rls, c.relpersistence = 'u' AS unlogged
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.oid = ANY($1::oid[]) OR c.oid = ANY(SELECT to_regclass(x)::oid FROM unnest($2::text[]) x) ORDER BY 1`, [oids, leaves])).rows;
    const rls = relations.filter((r) => pgBool(r.rls));
    if (rls.length > 0) {
      findings.push({
        severity: 'error', code: 'TANDEM_PRIVILEGE',
        message: `User ${this.db.user} reads ${rls.map((r) => r.t).join(', ')} through row-level security: the snapshot (and the verification) would see only the rows its policies allow.`,
        fix: `As a superuser: ALTER ROLE ${this.db.user} BYPASSRLS; (or migrate as the tables' owner, where they are not FORCE ROW LEVEL SECURITY).`,
      });
    }
    const pk = primaryKeyFinding(purpose);
    if (pk) findings.push(pk);
    if (!purpose.live) return findings;
    findings.push(...(await replicationProblems(this.client, 1)).problems.map(findingOf));
    const publishing = await publicationPrivilegeFinding(this.client, this.db.user, oids);
    if (publishing) findings.push(publishing);
    const sequences = await sequenceUpdateFinding(this.client, this.db.user, this.db.schemas);
    if (sequences) findings.push({ ...sequences, severity: 'warning', fallBack: true });
    // Unlogged tables write no WAL: logical decoding never sees their changes (a publication refuses them).
    const names = relations.filter((r) => pgBool(r.unlogged)).map((r) => r.t as string);
    if (names.length > 0) {
      findings.push({
        severity: 'error', code: 'TANDEM_PREREQUISITE',
        message: `Unlogged tables write no WAL, so their changes cannot be streamed: ${names.join(', ')}.`,
        fix: `ALTER TABLE … SET LOGGED; on each of them (it rewrites the table), or leave them out (--exclude-table-list ${names.join(',')}), or migrate offline (--export-type snapshot-only).`,
      });
    }
    const nothing = await this.client.query(
      `SELECT n.nspname || '.' || c.relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE (c.oid = ANY($1::oid[]) OR c.oid = ANY(SELECT to_regclass(x)::oid FROM unnest($2::text[]) x)) AND c.relreplident = 'n' ORDER BY 1`, [oids, leaves]);
    if (nothing.rows.length > 0) {
      findings.push({
        severity: 'error', code: 'TANDEM_PREREQUISITE',
        message: `Tables with REPLICA IDENTITY NOTHING cannot stream updates or deletes: ${nothing.rows.map((r) => r.t).join(', ')}.`,
        fix: 'ALTER TABLE … REPLICA IDENTITY DEFAULT; on each of them.',
      });
    }
    // An identity index other than the primary key's: deletes and key changes would come without
    // the primary key the target's rows are found by. A partition's own setting counts (its changes
    // are logged with it, then published through the root).
    const otherIndex = await this.client.query(
      `SELECT n.nspname || '.' || c.relname AS t, ic.relname AS idx FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_index i ON i.indrelid = c.oid AND i.indisreplident JOIN pg_class ic ON ic.oid = i.indexrelid
        WHERE (c.oid = ANY($1::oid[]) OR c.oid = ANY(SELECT to_regclass(x)::oid FROM unnest($2::text[]) x)) AND c.relreplident = 'i' AND NOT i.indisprimary ORDER BY 1`, [oids, leaves]);
    if (otherIndex.rows.length > 0) {
      findings.push({
        severity: 'error', code: 'TANDEM_PREREQUISITE',
        message: `Tables whose REPLICA IDENTITY is an index other than the primary key would stream deletes and primary-key changes without the primary key, so they could not be applied to their rows: ${otherIndex.rows.map((r) => `${r.t} (index ${r.idx})`).join(', ')}.`,
        // A table without a primary key needs one first: REPLICA IDENTITY DEFAULT or FULL alone
        // leaves it refused as keyless (measured before: the pg-chaos run followed this fix in vain).
        fix: otherIndex.rows.some((r) => purpose.tables.find((t) => tableKeyOf(t) === r.t)?.primaryKey.length === 0)
          ? 'On a table without a primary key, add one (ALTER TABLE … DROP CONSTRAINT <the unique key>, ADD PRIMARY KEY (<its columns>); a constraint\'s index cannot become the key with USING INDEX), then ALTER TABLE … REPLICA IDENTITY DEFAULT; on the others, ALTER TABLE … REPLICA IDENTITY DEFAULT; (or FULL).'
          : 'ALTER TABLE … REPLICA IDENTITY DEFAULT; on each of them (or FULL).',
      });
    }
    // A deferrable primary key cannot be a replica identity: once the table is in the publication,
    // PostgreSQL refuses every UPDATE and DELETE the application runs on it ("does not have a
    // replica identity and publishes updates").
    const deferrable = await this.client.query(
      `SELECT n.nspname || '.' || c.relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary AND NOT i.indimmediate
        WHERE (c.oid = ANY($1::oid[]) OR c.oid = ANY(SELECT to_regclass(x)::oid FROM unnest($2::text[]) x)) AND c.relreplident = 'd' ORDER BY 1`, [oids, leaves]);
    if (deferrable.rows.length > 0) {
      findings.push({
        severity: 'error', code: 'TANDEM_PREREQUISITE',
        message: `Tables whose primary key is DEFERRABLE have no replica identity: once they were published, the source would refuse every UPDATE and DELETE the application runs on them: ${deferrable.rows.map((r) => r.t).join(', ')}.`,
        fix: 'ALTER TABLE … REPLICA IDENTITY FULL; on each of them (every update then logs the whole old row), or make the primary key NOT DEFERRABLE (drop and add it again).',
      });
    }
    findings.push(...partitionTruncateFindings(purpose.tables.map(pgTableOf)));
    return findings;
  }

  /**
   * A fall-back writes the target's changes into the migrated tables (INSERT, UPDATE, DELETE) and
   * sets the migrated sequences at its cutover (setval needs UPDATE on each). The export's user owns
   * the tables (the publication needs it), but import data to source may run as another user. What
   * the writer itself refuses (triggers that fire in replica mode; no SET session_replication_role
   * where triggers or foreign keys would act) is found here too, so that one run names everything
   * to fix rather than one thing per run.
   */
  async checkWritePrerequisites(tables: readonly TableInfo[] = []): Promise<PrerequisiteFinding[]> {
    const oids = tables.map((t) => pgTableOf(t).oid);
    const readOnly = await readOnlyFinding(this.client, describeDb(this.db));
    if (readOnly) return [readOnly];
    const writes = await tableWriteFinding(this.client, this.db.user, oids);
    const sequences = await sequenceUpdateFinding(this.client, this.db.user, this.db.schemas);
    const findings = [writes, sequences].filter((f): f is PrerequisiteFinding => f !== undefined);
    if (oids.length === 0) return findings;
    const where = describeDb(this.db);
    const firing = await readFiringTriggers(this.client, { oids });
    if (firing.length > 0) {
      const refusal = firingTriggersRefusal(firing, where);
      findings.push({ severity: 'error', code: 'TANDEM_PREREQUISITE', message: refusal.message, fix: refusal.fix });
    }
    if (!(await mayUseReplicaRole(this.client))) {
      const acting = await readTriggersAndForeignKeys(this.client, { oids });
      if (acting.length > 0) {
        const refusal = replicaRoleRefusal(this.db.user, where, acting);
        findings.push({ severity: 'error', code: 'TANDEM_PRIVILEGE', message: refusal.message, fix: refusal.fix });
      }
    }
    return findings;
  }

  async disabledObjects(schemas: readonly string[]): Promise<string[]> {
    const r = await this.client.query(
      `SELECT format('trigger %s on %s.%s', t.tgname, n.nspname, c.relname) AS what FROM pg_trigger t
         JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE NOT t.tgisinternal AND t.tgenabled = 'D' AND n.nspname = ANY($1)
       UNION ALL
       SELECT format('constraint %s on %s.%s (NOT VALID)', co.conname, n.nspname, c.relname) FROM pg_constraint co
         JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE NOT co.convalidated AND n.nspname = ANY($1)`, [[...schemas]]);
    return r.rows.map((row) => String(row.what));
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => {});
  }
}

/**
 * Tandem's publications publish through the partitioned table (`publish_via_partition_root`), so
 * that a partition's changes arrive as its root's; PostgreSQL then publishes a TRUNCATE only when
 * it names the partitioned table itself: a TRUNCATE run on one of its partitions (at any level) is
 * not published at all, and the rows it removed stay on the other side. Nothing in the stream
 * shows it, so the user is told before: on the source (while streaming), and, recorded for the
 * cutover with fall-back, on the target (whose fall-back stream publishes the same way).
 */
export function partitionTruncateFindings(tables: readonly SourceTable[]): PrerequisiteFinding[] {
  const partitioned = tables.filter((t) => t.partitioned).map((t) => qualified(t.schema, t.name));
  if (partitioned.length === 0) return [];
  const names = partitioned.join(', ');
  const instead = 'truncate the partitioned table itself, or DELETE from the partition';
  return [{
    severity: 'warning', code: 'TANDEM_PREREQUISITE', fix: '',
    message: `A TRUNCATE run on a partition of ${names} (rather than on the partitioned table) is not streamed: PostgreSQL does not publish it through the partitioned table, so the rows it removes on the source stay on the target. While the migration runs, ${instead}.`,
  }, {
    severity: 'warning', code: 'TANDEM_PREREQUISITE', fallBack: true, fix: '',
    message: `If the migration falls back: a TRUNCATE run on a partition of ${names} on the target after the cutover is not streamed back either (the rows it removes stay on the source); ${instead}.`,
  }];
}

/**
 * A fall-back writes the target's changes back into the source, and YugabyteDB stores UTF-8: a
 * source database in another encoding (LATIN1, WIN1252, EUC_JP, …) cannot store every character
 * the application may write on the target after the cutover. PostgreSQL refuses such a value
 * (SQLSTATE 22P05), and since a database's encoding cannot be changed, the fall-back could never go
 * past it. SQL_ASCII stores the bytes as they come, so UTF-8 text goes back unchanged.
 */
export function sourceEncodingWarning(encoding: string): PrerequisiteFinding | undefined {
  if (encoding === 'UTF8' || encoding === 'SQL_ASCII') return undefined;
  return {
    severity: 'warning', code: 'TANDEM_PREREQUISITE', fallBack: true, fix: '',
    message: `The source database's encoding is ${encoding}, and YugabyteDB stores UTF-8: if the migration falls back, only characters ${encoding} has can be written back. `
      + `A value with any other character written on the target after the cutover would stop the fall-back at that change for good (a database's encoding cannot be changed); `
      + `the application must write only ${encoding}'s characters on the target while a fall-back may be needed.`,
  };
}

/**
 * What reading the snapshot needs: USAGE on each table's schema and SELECT on the table, and SELECT
 * on every sequence of `schemas` (export data reads their values, before a live export's stream and
 * at its cutover: without it the export would stop there, a live one after its slot and publication
 * exist). One finding naming every object, with the GRANTs for the schemas and sequences named.
 */
export async function readPrivilegeFinding(client: pg.ClientBase, user: string, oids: readonly number[], schemas: readonly string[]): Promise<PrerequisiteFinding | undefined> {
  const tables = (await client.query(
    `SELECT n.nspname AS schema, format('%I.%I', n.nspname, c.relname) AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = ANY($1::oid[]) AND NOT (has_table_privilege(c.oid, 'SELECT') AND has_schema_privilege(n.oid, 'USAGE')) ORDER BY 2`, [[...oids]])).rows;
  const sequences = (await client.query(
    `SELECT format('%I.%I', n.nspname, c.relname) AS s FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'S' AND n.nspname = ANY($1::text[])
        -- CASE: the planner may test the privilege before the relkind, and it refuses other relations.
        AND CASE WHEN c.relkind = 'S' THEN NOT has_sequence_privilege(c.oid, 'SELECT') ELSE false END
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e') ORDER BY 1`, [[...schemas]])).rows.map((r) => String(r.s));
  if (tables.length === 0 && sequences.length === 0) return undefined;
  const problems: string[] = [];
  const fixes: string[] = [];
  if (tables.length > 0) {
    const inSchemas = [...new Set(tables.map((r) => q(String(r.schema))))].join(', ');
    problems.push(`User ${user} cannot read: ${tables.map((r) => r.t).join(', ')}.`);
    fixes.push(`GRANT USAGE ON SCHEMA ${inSchemas} TO ${q(user)}; GRANT SELECT ON ALL TABLES IN SCHEMA ${inSchemas} TO ${q(user)};`);
  }
  if (sequences.length > 0) {
    problems.push(`User ${user} cannot read the sequence(s) ${sequences.join(', ')}: export data reads their values (a live export after creating its replication slot), and would stop there.`);
    fixes.push(`GRANT SELECT ON SEQUENCE ${sequences.join(', ')} TO ${q(user)};`);
  }
  return { severity: 'error', code: 'TANDEM_PRIVILEGE', message: problems.join(' '), fix: `As an owner or superuser: ${fixes.join(' ')}` };
}

/**
 * CREATE PUBLICATION … FOR TABLE needs CREATE on the database and ownership of every table it
 * lists (being a member of the owner's role counts; a superuser passes both). Without them the
 * publication could not be created, after the slot's wait for open transactions: said here, before
 * anything exists, with the GRANT / ALTER … OWNER that fixes it.
 */
export async function publicationPrivilegeFinding(client: pg.ClientBase, user: string, oids: readonly number[]): Promise<PrerequisiteFinding | undefined> {
  const r = await client.query(
    `SELECT has_database_privilege(current_user, current_database(), 'CREATE') AS can_create, current_database() AS db,
            (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser`);
  const row = r.rows[0];
  const canCreate = pgBool(row.can_create) || pgBool(row.superuser);
  const notOwned = pgBool(row.superuser) ? [] : (await client.query(
    `SELECT format('%I.%I', n.nspname, c.relname) AS t, c.relowner::regrole::text AS owner
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = ANY($1::oid[]) AND NOT pg_has_role(current_user, c.relowner, 'USAGE') ORDER BY 1`, [oids])).rows;
  if (canCreate && notOwned.length === 0) return undefined;
  const problems: string[] = [];
  const fixes: string[] = [];
  if (!canCreate) {
    problems.push(`User ${user} lacks CREATE on database ${row.db}, which creating the publication needs.`);
    fixes.push(`GRANT CREATE ON DATABASE ${q(String(row.db))} TO ${q(user)};`);
  }
  if (notOwned.length > 0) {
    problems.push(`User ${user} neither owns nor is a member of the owner of ${notOwned.map((t) => `${t.t} (owner ${t.owner})`).join(', ')}: a publication lists only tables its creator owns.`);
    const owners = [...new Set(notOwned.map((t) => String(t.owner)))];
    fixes.push(`GRANT ${owners.join(', ')} TO ${q(user)}; (membership in the tables' owner) or ALTER TABLE … OWNER TO ${q(user)}; on each of them`);
  }
  return { severity: 'error', code: 'TANDEM_PRIVILEGE', message: problems.join(' '), fix: `As a superuser (or the owner): ${fixes.join(' ')}` };
}

/**
 * A database its sessions cannot write (a hot standby, or default_transaction_read_only on for the
 * server, database or role, as a DBA may set it to stop the application before a cutover): a
 * fall-back could write nothing there (measured before: an internal error once the application had
 * moved to the target; the server-restarts run).
 */
async function readOnlyFinding(client: pg.ClientBase, where: string): Promise<PrerequisiteFinding | undefined> {
  const r = (await client.query(`SELECT pg_is_in_recovery() AS standby, current_setting('default_transaction_read_only') AS ro`)).rows[0];
  const standby = pgBool(r.standby);
  if (!standby && r.ro !== 'on') return undefined;
  return {
    severity: 'error', code: 'TANDEM_PREREQUISITE',
    message: `${where} is read-only (${standby ? 'a hot standby' : 'default_transaction_read_only = on'}): the fall-back could write nothing into it.`,
    fix: standby ? 'Point Tandem at the primary.' : 'Make it writable: ALTER SYSTEM RESET default_transaction_read_only; SELECT pg_reload_conf(); (or ALTER DATABASE/ROLE … RESET default_transaction_read_only, run while connected to another database: a session of a read-only database cannot change it). To stop the application\'s writes, stop the application or revoke its own privileges instead.',
  };
}

/** The tables among `oids` this session's user may not INSERT into, UPDATE or DELETE from, with what each lacks. */
export async function tableWriteFinding(client: pg.ClientBase, user: string, oids: readonly number[]): Promise<PrerequisiteFinding | undefined> {
  if (oids.length === 0) return undefined;
  const r = await client.query(
    `SELECT format('%I.%I', n.nspname, c.relname) AS t,
            array_to_string(ARRAY(SELECT p FROM unnest(ARRAY['INSERT', 'UPDATE', 'DELETE']) p WHERE NOT has_table_privilege(c.oid, p)), ', ') AS missing
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ANY($1::oid[]) ORDER BY 1`, [[...oids]]);
  const lacking = r.rows.filter((row) => row.missing !== '');
  if (lacking.length === 0) return undefined;
  const names = lacking.map((row) => String(row.t));
  return {
    severity: 'error', code: 'TANDEM_PRIVILEGE',
    message: `User ${user} may not write the target's changes into ${lacking.map((row) => `${row.t} (lacks ${row.missing})`).join(', ')}: the fall-back would stop at its first change there. Nothing was written.`,
    fix: `As an owner or superuser: GRANT INSERT, UPDATE, DELETE ON ${names.join(', ')} TO ${q(user)};`,
  };
}

/**
 * The sequences of `schemas` the user may not set: a fall-back's cutover restores each of them on
 * the source with setval, which needs UPDATE (its owner, or a superuser, has it).
 */
export async function sequenceUpdateFinding(client: pg.ClientBase, user: string, schemas: readonly string[]): Promise<PrerequisiteFinding | undefined> {
  const r = await client.query(
    `SELECT format('%I.%I', n.nspname, c.relname) AS s FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'S' AND n.nspname = ANY($1::text[])
        -- CASE: the planner may test the privilege before the relkind, and it refuses other relations.
        AND CASE WHEN c.relkind = 'S' THEN NOT has_sequence_privilege(c.oid, 'UPDATE') ELSE false END
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e') ORDER BY 1`, [[...schemas]]);
  if (r.rows.length === 0) return undefined;
  const names = r.rows.map((row) => String(row.s));
  return {
    severity: 'error', code: 'TANDEM_PRIVILEGE',
    message: `User ${user} lacks UPDATE on the sequence(s) ${names.join(', ')}: a fall-back's cutover sets them on the source, and would stop there.`,
    fix: `As an owner or superuser: GRANT UPDATE ON SEQUENCE ${names.join(', ')} TO ${q(user)};`,
  };
}
