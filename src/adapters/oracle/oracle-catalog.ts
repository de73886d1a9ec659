import type { DbConfig } from '../../core/db-config.js';
import { TandemError } from '../../core/errors.js';
import { primaryKeyFinding, type ExportPurpose, type PrerequisiteFinding, type SourceCatalog, type TableInfo } from '../../core/engine/catalog.js';
import { COLUMNS_SQL, OBJECT_TABLES_SQL, oracleTablesFromRows, PRIMARY_KEYS_SQL, TABLES_SQL } from './catalog.js';
import { FLUSH_TABLE } from './capture/logminer-sql.js';
import { MARKER_TABLE } from './capture/marker-table.js';
import type { OracleSession } from './connection.js';
import { oracleSchemaOf } from './oracle-config.js';
import { checkNameCollisions, namesSchema, oracleTableOf, toOracleTableInfo, type OracleTableInfo } from './oracle-names.js';
import { exportFindings, writeFindings } from './oracle-prerequisite-findings.js';
import { CURRENT_USER_SQL, openDataSession } from './oracle-sessions.js';
import { checkOraclePrerequisites } from './prerequisites.js';
import { oracleTypeFamily, type OracleTable } from './values/oracle-type.js';

/**
 * The Oracle source's catalog over one session: the migrated schema's tables (with target names
 * outside and the Oracle table inside, `oracle-names.ts`), the preparation check of the spec
 * (`prerequisites.ts`), and disabled triggers and constraints.
 *
 * NOT RUN AGAINST A LIVE ORACLE: the SQL is the tested text of `catalog.ts` and `prerequisites.ts`;
 * the mapping of their rows is tested with fixtures.
 */

/** Table sizes from the optimizer statistics (0 when never gathered). Binds: :schema. */
export const TABLE_STATS_SQL = `SELECT t.TABLE_NAME, NVL(t.NUM_ROWS, 0) AS NUM_ROWS, NVL(t.BLOCKS, 0) AS BLOCKS,
       NVL((SELECT ts.BLOCK_SIZE FROM USER_TABLESPACES ts WHERE ts.TABLESPACE_NAME = t.TABLESPACE_NAME), 8192) AS BLOCK_SIZE
  FROM ALL_TABLES t WHERE t.OWNER = :schema`;

/** Whether a user (schema) exists. Binds: :name. */
export const SCHEMA_EXISTS_SQL = 'SELECT USERNAME FROM ALL_USERS WHERE USERNAME = :name';

/** Disabled triggers and disabled or unvalidated constraints of the schema, in words. Binds: :schema. */
export const DISABLED_OBJECTS_SQL = `SELECT 'trigger ' || OWNER || '.' || TRIGGER_NAME || ' on ' || TABLE_OWNER || '.' || TABLE_NAME AS WHAT
  FROM ALL_TRIGGERS WHERE TABLE_OWNER = :schema AND STATUS = 'DISABLED'
UNION ALL
SELECT 'constraint ' || CONSTRAINT_NAME || ' on ' || OWNER || '.' || TABLE_NAME || CASE WHEN STATUS = 'DISABLED' THEN ' (DISABLED)' ELSE ' (NOT VALIDATED)' END
  FROM ALL_CONSTRAINTS WHERE OWNER = :schema AND CONSTRAINT_TYPE IN ('P', 'U', 'R', 'C') AND (STATUS = 'DISABLED' OR VALIDATED = 'NOT VALIDATED')
   AND CONSTRAINT_NAME NOT LIKE 'BIN$%'`;

/** Tandem's own tables (LogMiner's flush table, the marker table): never migrated, whatever schema they are in. */
export const TANDEM_TABLES: ReadonlySet<string> = new Set([FLUSH_TABLE, MARKER_TABLE]);

/** Every table of `schema` with its columns and primary key (names as Oracle stores them), Tandem's own left out. */
export async function readOracleTables(session: OracleSession, schema: string): Promise<OracleTable[]> {
  const tables = (await session.query(TABLES_SQL, { schema })).filter((r) => !TANDEM_TABLES.has(String(r.TABLE_NAME)));
  const columns = await session.query(COLUMNS_SQL, { schema });
  const keys = await session.query(PRIMARY_KEYS_SQL, { schema });
  const out = oracleTablesFromRows(schema, tables, columns, keys);
  checkNameCollisions(out);
  return out;
}

/** The tables as the workflow sees them, with size estimates from `TABLE_STATS_SQL`'s rows. */
export function oracleTableInfos(tables: readonly OracleTable[], stats: readonly Record<string, unknown>[]): OracleTableInfo[] {
  const byName = new Map(stats.map((r) => [String(r.TABLE_NAME), r]));
  return tables.map((t) => {
    const s = byName.get(t.name);
    return toOracleTableInfo(t, s ? { rows: Number(s.NUM_ROWS ?? 0), blocks: Number(s.BLOCKS ?? 0), blockSize: Number(s.BLOCK_SIZE ?? 8192) } : {});
  });
}

/** A warning for columns whose type Tandem cannot carry (their values would stop the copy), or undefined. */
export function unsupportedColumnsFinding(tables: readonly OracleTable[]): PrerequisiteFinding | undefined {
  const cols = tables.flatMap((t) => t.columns.filter((c) => !c.virtual && oracleTypeFamily(c.type) === 'unsupported').map((c) => `${t.name}.${c.name} (${c.type.dataType})`));
  if (cols.length === 0) return undefined;
  return {
    severity: 'error', code: 'TANDEM_UNSUPPORTED',
    message: `Columns of types Tandem does not migrate (BFILE, object types, collections, ANYDATA, …): ${cols.join(', ')}.`,
    fix: 'Leave these tables out with --exclude-table-list (and copy them another way), or change the columns to a supported type on the source.',
  };
}

/** A warning naming the schema's object tables (rows of OBJECT_TABLES_SQL), which Tandem does not list or migrate; undefined when there are none. */
export function objectTablesFinding(rows: readonly Record<string, unknown>[]): PrerequisiteFinding | undefined {
  if (rows.length === 0) return undefined;
  const names = rows.map((r) => `${String(r.TABLE_NAME)} (OF ${String(r.TABLE_TYPE ?? '?')})`);
  return {
    severity: 'warning', code: 'TANDEM_UNSUPPORTED',
    message: `Object tables, which Tandem does not migrate (they are not among the schema's tables, and will be missing on the target): ${names.join(', ')}.`,
    fix: 'Copy them another way, or make them relational tables on the source (CREATE TABLE … AS SELECT … FROM the object table) before the migration starts.',
  };
}

export class OracleSourceCatalog implements SourceCatalog {
  private readonly schema: string;

  private constructor(private readonly db: DbConfig, private readonly session: OracleSession) {
    this.schema = oracleSchemaOf(db);
  }

  static async open(db: DbConfig): Promise<OracleSourceCatalog> {
    return new OracleSourceCatalog(db, await openDataSession(db));
  }

  async missingSchemas(names: readonly string[]): Promise<string[]> {
    const missing: string[] = [];
    for (const n of names) {
      const stored = namesSchema(this.schema, n) ? this.schema : n;
      if ((await this.session.query(SCHEMA_EXISTS_SQL, { name: stored })).length === 0) missing.push(n);
    }
    return missing;
  }

  /** Oracle users (schemas), as stored (unquoted names in upper case); Oracle-maintained ones left out. */
  async listSchemas(): Promise<string[]> {
    const rows = await this.session.query("SELECT username AS name FROM all_users WHERE oracle_maintained = 'N' ORDER BY username", {});
    return rows.map((r) => String((r as { NAME?: unknown; name?: unknown }).NAME ?? (r as { name?: unknown }).name));
  }

  async listTables(schemas: readonly string[]): Promise<OracleTableInfo[]> {
    for (const s of schemas) {
      if (!namesSchema(this.schema, s)) {
        throw new TandemError('TANDEM_UNKNOWN_SCHEMA', `Schema ${s} is not the migrated Oracle schema ${this.schema}.`, { hint: 'An Oracle migration moves one schema: the one of --source-db-schema.' });
      }
    }
    if ((await this.session.query(SCHEMA_EXISTS_SQL, { name: this.schema })).length === 0) {
      throw new TandemError('TANDEM_UNKNOWN_SCHEMA', `Oracle schema ${this.schema} does not exist (or the user cannot see it).`, {
        hint: 'Oracle stores unquoted names in upper case: --source-db-schema hr means HR; quote a mixed-case name. Check the spelling and the SELECT ANY TABLE grant.',
      });
    }
    const tables = await readOracleTables(this.session, this.schema);
    return oracleTableInfos(tables, await this.session.query(TABLE_STATS_SQL, { schema: this.schema }));
  }

  /**
   * The spec's preparation (ARCHIVELOG, supplemental logging, the user's grants, and for a live
   * export what a later fall-back needs, as warnings), the primary-key rule and unsupported column
   * types. Every error goes into one finding whose fix holds all the SQL.
   */
  async checkPrerequisites(purpose: ExportPurpose): Promise<PrerequisiteFinding[]> {
    const user = String((await this.session.query(CURRENT_USER_SQL))[0]?.USERNAME ?? this.db.user.toUpperCase());
    const tables = purpose.tables.map(oracleTableOf);
    const findings = await checkOraclePrerequisites(this.session, { schema: this.schema, user, live: purpose.live, fallBack: purpose.live, tables: tables.map((t) => t.name) });
    const out = exportFindings(findings, purpose.live, primaryKeyFinding(purpose));
    const types = unsupportedColumnsFinding(tables);
    const objectTables = objectTablesFinding(await this.session.query(OBJECT_TABLES_SQL, { schema: this.schema }));
    return [...out, ...(types ? [types] : []), ...(objectTables ? [objectTables] : [])];
  }

  /** The fall-back steps of the spec (metadata user and tables, writer role with its grants), as errors. */
  async checkWritePrerequisites(tables: readonly TableInfo[]): Promise<PrerequisiteFinding[]> {
    const user = String((await this.session.query(CURRENT_USER_SQL))[0]?.USERNAME ?? this.db.user.toUpperCase());
    const names = tables.map((t) => oracleTableOf(t).name);
    return writeFindings(await checkOraclePrerequisites(this.session, { schema: this.schema, user, live: false, fallBack: true, tables: names }));
  }

  async disabledObjects(schemas: readonly string[]): Promise<string[]> {
    if (!schemas.some((s) => namesSchema(this.schema, s))) return [];
    return (await this.session.query(DISABLED_OBJECTS_SQL, { schema: this.schema })).map((r) => String(r.WHAT));
  }

  async close(): Promise<void> {
    await this.session.close();
  }
}
