/**
 * The preparation the spec asks of the DBA for an Oracle source ("Prepare the source database",
 * standalone container database and RDS), checked: the queries to run (text) and a pure evaluator
 * from their result rows to findings, each with the SQL that fixes it. Nothing here connects; the
 * runner at the bottom takes any session with a `query` method.
 *
 * Where Tandem asks for more than the spec, it says why: supplemental logging of ALL columns (the
 * spec adds minimal and primary-key logging) so that every change carries complete row images: the
 * importer orders changes that meet on unique keys other than the primary key, and the
 * verification compares whole rows.
 */

import { oracleRepertoire, storesAllUnicode } from './values/character-set.js';

/** What to check and for what. */
export interface PrerequisiteContext {
  /** The migrated schema (upper case as Oracle stores it, e.g. HR). */
  readonly schema: string;
  /** The migration user (upper case, e.g. C##YBVOYAGER or YBVOYAGER). */
  readonly user: string;
  /** snapshot-and-changes: archive logging, supplemental logging, LogMiner grants. */
  readonly live: boolean;
  /** Fall-back planned: the metadata user and tables, the writer role. */
  readonly fallBack: boolean;
  /** Tables to migrate (names as stored); the checks cover these. */
  readonly tables: readonly string[];
  /** Force the RDS variants (detected from the RDSADMIN user otherwise). */
  readonly rds?: boolean;
}

/** One thing that is not prepared, and how to prepare it. */
export interface PrerequisiteFinding {
  /** Stable id, e.g. `archivelog`, `grants`. */
  readonly id: string;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  /** SQL (or SQL*Plus steps) that fixes it, for a DBA to review and run. */
  readonly fixSql: string;
}

/** The queries, with their binds (`:schema`, `:usr`, `:role`). Run as the migration user. */
export const PREREQUISITE_QUERIES = {
  database: `SELECT d.LOG_MODE, d.FORCE_LOGGING, d.SUPPLEMENTAL_LOG_DATA_MIN, d.SUPPLEMENTAL_LOG_DATA_PK, d.SUPPLEMENTAL_LOG_DATA_ALL, d.CDB,
       SYS_CONTEXT('USERENV', 'CON_NAME') AS CON_NAME,
       (SELECT COUNT(*) FROM ALL_USERS WHERE USERNAME = 'RDSADMIN') AS RDSADMIN_USERS,
       (SELECT MAX(VERSION) FROM PRODUCT_COMPONENT_VERSION WHERE PRODUCT LIKE 'Oracle Database%') AS VERSION,
       (SELECT VALUE FROM NLS_DATABASE_PARAMETERS WHERE PARAMETER = 'NLS_CHARACTERSET') AS CHARACTERSET,
       (SELECT COUNT(DISTINCT THREAD#) FROM V$LOG) AS REDO_THREADS
  FROM V$DATABASE d`,
  tables: `SELECT t.TABLE_NAME,
       (SELECT COUNT(*) FROM ALL_CONSTRAINTS c WHERE c.OWNER = t.OWNER AND c.TABLE_NAME = t.TABLE_NAME AND c.CONSTRAINT_TYPE = 'P') AS PRIMARY_KEYS,
       (SELECT COUNT(*) FROM ALL_LOG_GROUPS g WHERE g.OWNER = t.OWNER AND g.TABLE_NAME = t.TABLE_NAME AND g.LOG_GROUP_TYPE = 'ALL COLUMN LOGGING') AS ALL_COLUMN_LOG_GROUPS,
       (SELECT COUNT(*) FROM ALL_POLICIES p WHERE p.OBJECT_OWNER = t.OWNER AND p.OBJECT_NAME = t.TABLE_NAME AND p.SEL = 'YES' AND p.ENABLE = 'YES') AS SELECT_POLICIES,
       (SELECT COUNT(*) FROM ALL_TAB_COLS x WHERE x.OWNER = t.OWNER AND x.TABLE_NAME = t.TABLE_NAME AND (x.HIDDEN_COLUMN = 'NO' OR x.USER_GENERATED = 'YES') AND x.DATA_TYPE IN ('XMLTYPE', 'SYS.XMLTYPE')) AS XMLTYPE_COLUMNS,
       (SELECT COUNT(*) FROM ALL_TAB_COLS x WHERE x.OWNER = t.OWNER AND x.TABLE_NAME = t.TABLE_NAME AND (x.HIDDEN_COLUMN = 'NO' OR x.USER_GENERATED = 'YES') AND x.DATA_TYPE LIKE 'TIMESTAMP%WITH LOCAL TIME ZONE') AS LTZ_COLUMNS,
       (SELECT COUNT(*) FROM ALL_LOBS l WHERE l.OWNER = t.OWNER AND l.TABLE_NAME = t.TABLE_NAME) AS LOB_COLUMNS,
       (SELECT COUNT(*) FROM ALL_TAB_COLS x WHERE x.OWNER = t.OWNER AND x.TABLE_NAME = t.TABLE_NAME AND (x.HIDDEN_COLUMN = 'NO' OR x.USER_GENERATED = 'YES') AND x.DATA_TYPE IN ('LONG', 'LONG RAW')) AS LONG_COLUMNS,
       CASE WHEN LENGTHB(t.TABLE_NAME) > 30 OR LENGTHB(t.OWNER) > 30 THEN 1 ELSE 0 END
         + (SELECT COUNT(*) FROM ALL_TAB_COLS x WHERE x.OWNER = t.OWNER AND x.TABLE_NAME = t.TABLE_NAME AND (x.HIDDEN_COLUMN = 'NO' OR x.USER_GENERATED = 'YES') AND LENGTHB(x.COLUMN_NAME) > 30) AS LONG_NAMES,
       (SELECT COUNT(*) FROM ALL_TAB_COLS x WHERE x.OWNER = t.OWNER AND x.TABLE_NAME = t.TABLE_NAME AND (x.HIDDEN_COLUMN = 'NO' OR x.USER_GENERATED = 'YES')
          AND ((x.DATA_TYPE IN ('VARCHAR2', 'NVARCHAR2') AND x.DATA_LENGTH > 4000) OR (x.DATA_TYPE = 'RAW' AND x.DATA_LENGTH > 2000))) AS EXTENDED_COLUMNS,
       t.LOGGING AS TABLE_LOGGING,
       (SELECT COUNT(*) FROM ALL_TAB_PARTITIONS p WHERE p.TABLE_OWNER = t.OWNER AND p.TABLE_NAME = t.TABLE_NAME AND p.LOGGING = 'NO') AS NOLOGGING_PARTITIONS,
       (SELECT COUNT(*) FROM ALL_LOBS l WHERE l.OWNER = t.OWNER AND l.TABLE_NAME = t.TABLE_NAME AND l.LOGGING = 'NO') AS NOLOGGING_LOBS
  FROM ALL_TABLES t WHERE t.OWNER = :schema AND t.NESTED = 'NO' AND t.SECONDARY = 'N'`,
  privileges: `SELECT 'SYSTEM' AS KIND, PRIVILEGE AS NAME FROM SESSION_PRIVS
UNION ALL SELECT 'ROLE', ROLE FROM SESSION_ROLES
UNION ALL SELECT 'OBJECT', PRIVILEGE || ' ON ' || TABLE_NAME FROM USER_TAB_PRIVS WHERE GRANTEE = :usr AND OWNER = 'SYS'
UNION ALL SELECT 'OBJECT', p.PRIVILEGE || ' ON ' || p.TABLE_NAME FROM ROLE_TAB_PRIVS p WHERE p.OWNER = 'SYS'`,
  metadataUser: `SELECT USERNAME FROM ALL_USERS WHERE USERNAME = 'YBVOYAGER_METADATA'`,
  metadataColumns: `SELECT c.TABLE_NAME, c.COLUMN_NAME, c.DATA_TYPE, c.DATA_LENGTH, c.CHAR_LENGTH, c.DATA_PRECISION, c.DATA_SCALE, c.COLUMN_ID,
       (SELECT MAX(cc.POSITION) FROM ALL_CONSTRAINTS k JOIN ALL_CONS_COLUMNS cc ON cc.OWNER = k.OWNER AND cc.CONSTRAINT_NAME = k.CONSTRAINT_NAME
         WHERE k.OWNER = c.OWNER AND k.TABLE_NAME = c.TABLE_NAME AND k.CONSTRAINT_TYPE = 'P' AND cc.COLUMN_NAME = c.COLUMN_NAME) AS PK_POSITION
  FROM ALL_TAB_COLUMNS c
 WHERE c.OWNER = 'YBVOYAGER_METADATA' AND c.TABLE_NAME IN ('YBVOYAGER_IMPORT_DATA_EVENT_CHANNELS_METAINFO', 'YBVOYAGER_IMPORTED_EVENT_COUNT_BY_TABLE')
 ORDER BY c.TABLE_NAME, c.COLUMN_ID`,
  writerRoleTablePrivileges: `SELECT OWNER, TABLE_NAME, PRIVILEGE FROM ROLE_TAB_PRIVS WHERE ROLE = :role`,
  writerRoleSystemPrivileges: `SELECT PRIVILEGE FROM ROLE_SYS_PRIVS WHERE ROLE = :role`,
} as const;

/** Rows of each query (upper-case keys, as the driver returns them). */
export interface PrerequisiteRows {
  readonly database: Record<string, unknown>;
  readonly tables: readonly Record<string, unknown>[];
  readonly privileges: readonly Record<string, unknown>[];
  readonly metadataUser?: readonly Record<string, unknown>[];
  readonly metadataColumns?: readonly Record<string, unknown>[];
  readonly writerRoleTablePrivileges?: readonly Record<string, unknown>[];
  readonly writerRoleSystemPrivileges?: readonly Record<string, unknown>[];
}

/** The spec's role name for fall-back writes into `schema`. */
export function writerRoleName(schema: string): string {
  return `${schema.toUpperCase()}_WRITER_ROLE`;
}

/** The spec's system privileges for a live migration (standalone list; SET CONTAINER only in a CDB). */
const LIVE_SYSTEM_PRIVILEGES = ['CREATE SESSION', 'FLASHBACK ANY TABLE', 'SELECT ANY TABLE', 'SELECT ANY TRANSACTION', 'LOGMINING', 'CREATE TABLE', 'LOCK ANY TABLE', 'CREATE SEQUENCE'];
const LIVE_ROLES = ['SELECT_CATALOG_ROLE', 'EXECUTE_CATALOG_ROLE'];
const LIVE_VIEWS = ['V_$DATABASE', 'V_$LOG', 'V_$LOG_HISTORY', 'V_$LOGMNR_LOGS', 'V_$LOGMNR_CONTENTS', 'V_$LOGMNR_PARAMETERS', 'V_$LOGFILE', 'V_$ARCHIVED_LOG', 'V_$ARCHIVE_DEST_STATUS', 'V_$TRANSACTION', 'V_$MYSTAT', 'V_$STATNAME'];
const LIVE_PACKAGES = ['DBMS_LOGMNR', 'DBMS_LOGMNR_D'];
/** A snapshot-only export reads AS OF one SCN too. */
const OFFLINE_SYSTEM_PRIVILEGES = ['CREATE SESSION', 'FLASHBACK ANY TABLE', 'SELECT ANY TABLE'];
const OFFLINE_ROLES = ['SELECT_CATALOG_ROLE'];
const OFFLINE_VIEWS = ['V_$DATABASE'];

const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

function q(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The spec's metadata user and tables, exactly its DDL. */
export const METADATA_DDL = `CREATE USER ybvoyager_metadata IDENTIFIED BY "password";
GRANT CONNECT, RESOURCE TO ybvoyager_metadata;
ALTER USER ybvoyager_metadata QUOTA UNLIMITED ON USERS;

CREATE TABLE ybvoyager_metadata.ybvoyager_import_data_event_channels_metainfo (
             migration_uuid VARCHAR2(36),
             channel_no INT,
             last_applied_vsn NUMBER(19),
             num_inserts NUMBER(19),
             num_updates NUMBER(19),
             num_deletes NUMBER(19),
             PRIMARY KEY (migration_uuid, channel_no)
       );

CREATE TABLE ybvoyager_metadata.ybvoyager_imported_event_count_by_table (
             migration_uuid VARCHAR2(36),
             table_name VARCHAR2(250),
             channel_no INT,
             total_events NUMBER(19),
             num_inserts NUMBER(19),
             num_updates NUMBER(19),
             num_deletes NUMBER(19),
             PRIMARY KEY (migration_uuid, table_name, channel_no)
       );`;

/** The spec's writer-role statements for `schema`, granted to `user`. */
export function writerRoleSql(schema: string, user: string): string {
  const s = schema.toUpperCase();
  return `CREATE ROLE ${s}_writer_role;

BEGIN
    FOR R IN (SELECT owner, object_name FROM all_objects WHERE owner=UPPER('${s}') and object_type ='TABLE' MINUS SELECT owner, table_name from all_nested_tables where owner = UPPER('${s}'))
    LOOP
       EXECUTE IMMEDIATE 'GRANT SELECT, INSERT, UPDATE, DELETE, ALTER on '||R.owner||'."'||R.object_name||'" to  ${s}_writer_role';
    END LOOP;
END;
/

DECLARE
   v_sql VARCHAR2(4000);
BEGIN
   FOR table_rec IN (SELECT table_name FROM all_tables WHERE owner = 'YBVOYAGER_METADATA') LOOP
      v_sql := 'GRANT ALL PRIVILEGES ON YBVOYAGER_METADATA.' || table_rec.table_name || ' TO ${s}_writer_role';
      EXECUTE IMMEDIATE v_sql;
   END LOOP;
END;
/

GRANT CREATE ANY SEQUENCE, SELECT ANY SEQUENCE, ALTER ANY SEQUENCE TO ${s}_writer_role;

GRANT ${s}_writer_role TO ${user};`;
}

/** Expected shape of the metadata tables as ALL_TAB_COLUMNS shows the spec's DDL. */
const METADATA_TABLES: Record<string, { columns: [string, string][]; pk: string[] }> = {
  YBVOYAGER_IMPORT_DATA_EVENT_CHANNELS_METAINFO: {
    columns: [['MIGRATION_UUID', 'VARCHAR2(36)'], ['CHANNEL_NO', 'NUMBER(*,0)'], ['LAST_APPLIED_VSN', 'NUMBER(19,0)'], ['NUM_INSERTS', 'NUMBER(19,0)'], ['NUM_UPDATES', 'NUMBER(19,0)'], ['NUM_DELETES', 'NUMBER(19,0)']],
    pk: ['MIGRATION_UUID', 'CHANNEL_NO'],
  },
  YBVOYAGER_IMPORTED_EVENT_COUNT_BY_TABLE: {
    columns: [['MIGRATION_UUID', 'VARCHAR2(36)'], ['TABLE_NAME', 'VARCHAR2(250)'], ['CHANNEL_NO', 'NUMBER(*,0)'], ['TOTAL_EVENTS', 'NUMBER(19,0)'], ['NUM_INSERTS', 'NUMBER(19,0)'], ['NUM_UPDATES', 'NUMBER(19,0)'], ['NUM_DELETES', 'NUMBER(19,0)']],
    pk: ['MIGRATION_UUID', 'TABLE_NAME', 'CHANNEL_NO'],
  },
};

function columnTypeText(r: Record<string, unknown>): string {
  const t = str(r.DATA_TYPE);
  if (t === 'NUMBER') {
    const p = r.DATA_PRECISION === null || r.DATA_PRECISION === undefined ? '*' : str(r.DATA_PRECISION);
    const s = r.DATA_SCALE === null || r.DATA_SCALE === undefined ? null : str(r.DATA_SCALE);
    return s === null ? (p === '*' ? 'NUMBER' : `NUMBER(${p})`) : `NUMBER(${p},${s})`;
  }
  if (t === 'VARCHAR2' || t === 'CHAR' || t === 'NVARCHAR2') return `${t}(${num(r.CHAR_LENGTH) || num(r.DATA_LENGTH)})`;
  return t;
}

function grantSql(kind: 'SYSTEM' | 'ROLE' | 'OBJECT', name: string, ctx: PrerequisiteContext, cdb: boolean, rds: boolean): string {
  const container = cdb && !rds ? ' CONTAINER=ALL' : '';
  if (kind === 'OBJECT') {
    const [priv, obj] = name.split(' ON ') as [string, string];
    if (rds) {
      const grantOption = priv === 'EXECUTE' ? ',\n      p_grant_option => true' : '';
      return `begin rdsadmin.rdsadmin_util.grant_sys_object(\n      p_obj_name  => '${obj}',\n      p_grantee   => '${ctx.user}',\n      p_privilege => '${priv}'${grantOption});\nend;\n/`;
    }
    return `GRANT ${priv} ON ${obj} TO ${ctx.user}${container};`;
  }
  return `GRANT ${name} TO ${ctx.user}${container};`;
}

/** Up to ten names, and `…` when there are more. */
function listed(names: readonly string[]): string {
  return `${names.slice(0, 10).join(', ')}${names.length > 10 ? ', …' : ''}`;
}

/**
 * Findings from the query results: empty when everything the spec asks for (and the full row images
 * Tandem needs) is in place. Errors block the command; warnings are printed.
 */
export function evaluatePrerequisites(rows: PrerequisiteRows, ctx: PrerequisiteContext): PrerequisiteFinding[] {
  const out: PrerequisiteFinding[] = [];
  const db = rows.database;
  const rds = ctx.rds ?? num(db.RDSADMIN_USERS) > 0;
  const cdb = str(db.CDB) === 'YES';
  const wanted = new Set(ctx.tables);
  const tables = rows.tables.filter((t) => wanted.has(str(t.TABLE_NAME)));
  /** The tables whose `count` column is above 0, sorted. */
  const withAny = (count: string) => tables.filter((t) => num(t[count]) > 0).map((t) => str(t.TABLE_NAME)).sort();

  if (ctx.live && str(db.LOG_MODE) !== 'ARCHIVELOG') {
    out.push({
      id: 'archivelog', severity: 'error',
      message: `The database is in ${str(db.LOG_MODE) || 'an unknown'} mode; LogMiner needs ARCHIVELOG so that no redo is lost between reads.`,
      fixSql: rds
        ? "-- RDS archives redo when automated backups are on (backup retention > 0); keep archived logs long enough:\nexec rdsadmin.rdsadmin_util.set_configuration('archivelog retention hours',24);"
        : "-- As SYSDBA (the database restarts):\nalter system set db_recovery_file_dest_size = 10G;\nalter system set db_recovery_file_dest = '<oracle_path>/oradata/recovery_area' scope=spfile;\nSHUTDOWN IMMEDIATE\nSTARTUP MOUNT\nALTER DATABASE ARCHIVELOG;\nALTER DATABASE OPEN;",
    });
  }

  if (ctx.live) {
    const min = str(db.SUPPLEMENTAL_LOG_DATA_MIN);
    if (min !== 'YES' && min !== 'IMPLICIT') {
      out.push({
        id: 'supplemental-logging-minimal', severity: 'error',
        message: 'Minimal supplemental logging is off; LogMiner cannot show row changes without it.',
        fixSql: rds ? "exec rdsadmin.rdsadmin_util.alter_supplemental_logging('ADD');" : `ALTER DATABASE ADD SUPPLEMENTAL LOG DATA;${cdb ? '  -- in CDB$ROOT' : ''}`,
      });
    }
    if (str(db.SUPPLEMENTAL_LOG_DATA_ALL) !== 'YES') {
      const missing = tables.filter((t) => num(t.ALL_COLUMN_LOG_GROUPS) === 0).map((t) => str(t.TABLE_NAME)).sort();
      if (missing.length > 0) {
        const dbLevel = rds
          ? "-- or for the whole database:\n-- begin rdsadmin.rdsadmin_util.alter_supplemental_logging(p_action => 'ADD', p_type => 'ALL'); end;\n-- /"
          : '-- or for the whole database:\n-- ALTER DATABASE ADD SUPPLEMENTAL LOG DATA (ALL) COLUMNS;';
        out.push({
          id: 'supplemental-logging-all', severity: 'error',
          message: `${missing.length} table(s) lack supplemental logging of all columns (${listed(missing)}). The spec adds primary-key logging; Tandem needs complete row images (unique keys other than the primary key, whole-row verification).`,
          fixSql: `${missing.map((t) => `ALTER TABLE ${q(ctx.schema)}.${q(t)} ADD SUPPLEMENTAL LOG DATA (ALL) COLUMNS;`).join('\n')}\n${dbLevel}`,
        });
      }
    }
    const noPk = tables.filter((t) => num(t.PRIMARY_KEYS) === 0).map((t) => str(t.TABLE_NAME)).sort();
    if (noPk.length > 0) {
      out.push({
        id: 'primary-keys', severity: 'error',
        message: `${noPk.length} table(s) have no primary key (${listed(noPk)}): their changes cannot be applied exactly once.`,
        fixSql: `${noPk.map((t) => `-- ALTER TABLE ${q(ctx.schema)}.${q(t)} ADD PRIMARY KEY (<columns>);`).join('\n')}\n-- or leave them out: --exclude-table-list ${noPk.join(',')}`,
      });
    }
  }

  // More than one redo thread (Real Application Clusters, or the thread of an instance removed
  // since): each mining window ends at an SCN that only this instance's redo is known to have
  // reached on disk (the flush row's commit); another instance may not have written its redo for
  // the same SCNs yet, and a window checkpointed past it would skip those transactions for good
  // (the oracle-review-49 run; other LogMiner readers cap the window at every open thread's last
  // written SCN). Never run here, so refused rather than trusted.
  if (ctx.live && num(db.REDO_THREADS) > 1) {
    out.push({
      id: 'redo-threads', severity: 'error',
      message: `The database has ${num(db.REDO_THREADS)} redo threads (Real Application Clusters, or log groups left by an instance removed since). Tandem's LogMiner capture reads each window up to an SCN that only its own instance's redo is known to have reached, so a change committed on another instance could be skipped for good; it has never run against RAC and refuses it.`,
      fixSql: `-- The threads and their log groups:
-- SELECT THREAD#, STATUS, ENABLED, INSTANCE FROM V$THREAD;  SELECT GROUP#, THREAD#, STATUS FROM V$LOG ORDER BY THREAD#;
-- A thread of an instance that no longer runs (STATUS CLOSED): ALTER DATABASE DISABLE THREAD <n>; then drop its log groups: ALTER DATABASE DROP LOGFILE GROUP <g>;
-- Several instances open (RAC): Tandem cannot migrate it live; migrate offline (export data --export-type snapshot-only) while the application is stopped`,
    });
  }

  // NOLOGGING: a direct-path load (INSERT /*+ APPEND */, SQL*Loader direct) into a NOLOGGING table,
  // partition or LOB writes no row changes to redo (Oracle's logging_clause; error OCI-26767), so
  // LogMiner never shows them and the target would miss those rows without a word (found by the
  // oracle-review run). FORCE LOGGING on the database overrides NOLOGGING.
  if (ctx.live && str(db.FORCE_LOGGING) !== 'YES') {
    const unlogged = tables.filter((t) => str(t.TABLE_LOGGING) === 'NO' || num(t.NOLOGGING_PARTITIONS) > 0 || num(t.NOLOGGING_LOBS) > 0)
      .map((t) => str(t.TABLE_NAME)).sort();
    if (unlogged.length > 0) {
      out.push({
        id: 'nologging', severity: 'error',
        message: `${unlogged.length} table(s) are NOLOGGING, or have NOLOGGING partitions or LOBs (${listed(unlogged)}), and the database is not in FORCE LOGGING mode: a direct-path load into them (INSERT /*+ APPEND */, SQL*Loader) writes no row changes to redo, so LogMiner would never show those rows and the target would miss them.`,
        fixSql: `${rds ? 'exec rdsadmin.rdsadmin_util.force_logging(p_enable => true);' : 'ALTER DATABASE FORCE LOGGING;'}
-- or for these tables only (and each NOLOGGING partition or LOB):
${unlogged.map((t) => `-- ALTER TABLE ${q(ctx.schema)}.${q(t)} LOGGING;`).join('\n')}`,
      });
    }
  }

  // TIMESTAMP WITH LOCAL TIME ZONE: LogMiner writes these values as TO_TIMESTAMP_ITZ(…) (seen by other
  // LogMiner readers), in a time zone Tandem has not verified against a server, and the capture
  // refuses the form: the first change to such a table would stop the stream (the oracle-review run).
  const leaveOut = (names: readonly string[]) => `-- leave them out of the live migration and copy them at cutover:\n--exclude-table-list ${names.join(',')}\n-- or migrate them offline (export data --export-type snapshot-only)`;
  const ltz = withAny('LTZ_COLUMNS');
  if (ctx.live && ltz.length > 0) {
    out.push({
      id: 'local-time-zone-columns', severity: 'error',
      message: `${ltz.length} table(s) have TIMESTAMP WITH LOCAL TIME ZONE columns (${listed(ltz)}): the snapshot copies them, but their changes cannot be streamed yet (LogMiner's form for these values has not been verified against a server), so the first change would stop the stream.`,
      fixSql: leaveOut(ltz),
    });
  }

  // Names over 30 bytes (schema, table or column): LogMiner does not support them, even where the
  // database allows long identifiers (12.2+), and shows their changes as UNSUPPORTED (Oracle
  // Utilities, LogMiner's restrictions; the oracle-review-2 run): refused before the snapshot rather
  // than found at the first change.
  const longNames = withAny('LONG_NAMES');
  if (ctx.live && longNames.length > 0) {
    out.push({
      id: 'long-names', severity: 'error',
      message: `${longNames.length} table(s) have a name, a column name or a schema name longer than 30 bytes (${listed(longNames)}), which LogMiner does not support: their changes could not be streamed.`,
      fixSql: `${leaveOut(longNames)}\n-- or rename them to 30 bytes or less on the source (ALTER TABLE … RENAME TO …, ALTER TABLE … RENAME COLUMN … TO …)`,
    });
  }

  // LONG and LONG RAW: past a size LogMiner writes the text 'LONG DATA' in SQL_REDO instead of the
  // value (other LogMiner readers' observation), which would reach the target as the value: refused
  // rather than risk it (the oracle-review-2 run; never seen on a server).
  const longs = withAny('LONG_COLUMNS');
  if (ctx.live && longs.length > 0) {
    out.push({
      id: 'long-columns', severity: 'error',
      message: `${longs.length} table(s) have LONG or LONG RAW columns (${listed(longs)}): the snapshot copies them, but LogMiner shows a long value written later as the text 'LONG DATA' instead of the value, which would reach the target as the value.`,
      fixSql: `${leaveOut(longs)}\n-- or convert the columns on the source first: ALTER TABLE … MODIFY (col CLOB) (LONG RAW: BLOB)`,
    });
  }

  // Extended strings (MAX_STRING_SIZE = EXTENDED): LogMiner treats a VARCHAR2/NVARCHAR2/RAW value
  // over 4000 bytes as a LOB, in rows apart from its statement, which the capture refuses.
  const extended = withAny('EXTENDED_COLUMNS');
  if (ctx.live && extended.length > 0) {
    out.push({
      id: 'extended-string-columns', severity: 'warning',
      message: `${extended.length} table(s) have VARCHAR2, NVARCHAR2 or RAW columns longer than 4000 bytes (MAX_STRING_SIZE = EXTENDED: ${listed(extended)}): the snapshot copies their values, but LogMiner shows a value over 4000 bytes written later apart from its row, as a LOB, which Tandem does not assemble, so such a change stops the stream (TANDEM_UNSUPPORTED) and the export must start again without the table.`,
      fixSql: leaveOut(extended),
    });
  }

  // LOBs: LogMiner shows a value past about 2 KB (or in SecureFile storage) as LOB_WRITE rows apart
  // from its statement, which the capture does not assemble: it stops at the first one.
  const lobs = withAny('LOB_COLUMNS');
  if (ctx.live && lobs.length > 0) {
    out.push({
      id: 'lob-columns', severity: 'warning',
      message: `${lobs.length} table(s) have CLOB, NCLOB or BLOB columns (${listed(lobs)}): the snapshot copies their values, but LogMiner shows a LOB value larger than about 2 KB (or stored as a SecureFile) written later as LOB_WRITE rows apart from its row, which Tandem does not assemble yet, so such a change stops the stream (TANDEM_UNSUPPORTED) and the export must start again without the table.`,
      fixSql: leaveOut(lobs),
    });
  }

  // XMLType columns: LogMiner shows an XMLType value apart from its INSERT or UPDATE (XML DOC BEGIN /
  // WRITE / END rows), which the capture does not assemble: it stops at the first such change with
  // TANDEM_UNSUPPORTED rather than queue the row with the column NULL. A warning, as for LOB columns: the
  // snapshot copies XMLType values, and a table whose XML is not written after it streams normally;
  // but where it is written, the stream stops and the export starts again, so the tables are named
  // with the two ways round it. (LOB columns get the same warning, above.)
  const xml = withAny('XMLTYPE_COLUMNS');
  if (ctx.live && xml.length > 0) {
    out.push({
      id: 'xmltype-columns', severity: 'warning',
      message: `${xml.length} table(s) have XMLTYPE columns (${listed(xml)}): the snapshot copies their values, but LogMiner shows an XMLType value written later apart from its row (XML DOC rows), which Tandem does not assemble, so the first change after the snapshot that writes one stops the stream (TANDEM_UNSUPPORTED) and the export must start again without the table.`,
      fixSql: `-- leave them out of the live migration and copy them at cutover:
--exclude-table-list ${xml.join(',')}
-- or migrate them offline (export data --export-type snapshot-only) while their XML is not written`,
    });
  }

  // A fall-back writes the target's text into CHAR, VARCHAR2 and CLOB columns in the database
  // character set; Oracle replaces a character that set lacks without an error. Only a warning: the
  // fall-back is chosen later, and its writer refuses such a value before binding it.
  const characterSet = str(db.CHARACTERSET);
  if (ctx.live && characterSet !== '' && !storesAllUnicode(characterSet)) {
    const known = oracleRepertoire(characterSet) !== undefined;
    out.push({
      id: 'character-set', severity: 'warning',
      message: `The database character set is ${characterSet}, and YugabyteDB stores UTF-8: if the migration falls back, a value written on the target with a character ${characterSet} lacks cannot be written back to a CHAR, VARCHAR2 or CLOB column `
        + (known ? '(Oracle would replace it without an error, so the fall-back stops at that change, naming the column; an NVARCHAR2 or NCLOB column stores every character).'
          : `(Oracle would replace it without an error, and Tandem cannot check the characters of ${characterSet}: such a value would reach Oracle changed). Columns of the national types (NVARCHAR2, NCLOB) store every character.`),
      fixSql: '',
    });
  }

  // Grants of the migration user.
  const have = { SYSTEM: new Set<string>(), ROLE: new Set<string>(), OBJECT: new Set<string>() };
  for (const r of rows.privileges) {
    const k = str(r.KIND) as keyof typeof have;
    if (k in have) have[k].add(str(r.NAME).toUpperCase());
  }

  // Virtual Private Database policies on queries: every read (the snapshot, the verification) would
  // see only the rows they allow, and the two would agree on the subset. EXEMPT ACCESS POLICY lifts them.
  const policed = withAny('SELECT_POLICIES');
  if (policed.length > 0 && !have.SYSTEM.has('EXEMPT ACCESS POLICY')) {
    out.push({
      id: 'row-level-security', severity: 'error',
      message: `${policed.length} table(s) have Virtual Private Database policies on queries (${listed(policed)}): ${ctx.user} would read only the rows they allow, and the snapshot and the verification would both miss the rest.`,
      fixSql: `GRANT EXEMPT ACCESS POLICY TO ${q(ctx.user)};  -- for the migration; revoke it afterwards`,
    });
  }
  const missing: { kind: 'SYSTEM' | 'ROLE' | 'OBJECT'; name: string }[] = [];
  const sys = ctx.live ? [...LIVE_SYSTEM_PRIVILEGES, ...(cdb && !rds ? ['SET CONTAINER'] : [])] : OFFLINE_SYSTEM_PRIVILEGES;
  for (const p of sys) if (!have.SYSTEM.has(p)) missing.push({ kind: 'SYSTEM', name: p });
  for (const r of ctx.live ? LIVE_ROLES : OFFLINE_ROLES) if (!have.ROLE.has(r)) missing.push({ kind: 'ROLE', name: r });
  const anyDictionary = have.SYSTEM.has('SELECT ANY DICTIONARY');
  for (const v of ctx.live ? LIVE_VIEWS : OFFLINE_VIEWS) {
    if (!anyDictionary && !have.OBJECT.has(`SELECT ON ${v}`)) missing.push({ kind: 'OBJECT', name: `SELECT ON ${v}` });
  }
  if (ctx.live) for (const p of LIVE_PACKAGES) if (!have.OBJECT.has(`EXECUTE ON ${p}`)) missing.push({ kind: 'OBJECT', name: `EXECUTE ON ${p}` });
  if (missing.length > 0) {
    out.push({
      id: 'grants', severity: 'error',
      message: `${ctx.user} lacks ${missing.length} grant(s) the spec asks for: ${missing.map((m) => m.name).join(', ')}.`,
      fixSql: missing.map((m) => grantSql(m.kind, m.name, ctx, cdb, rds)).join('\n'),
    });
  }

  if (ctx.fallBack) {
    if ((rows.metadataUser ?? []).length === 0) {
      out.push({ id: 'metadata-user', severity: 'error', message: 'The ybvoyager_metadata user (schema) for fall-back progress does not exist.', fixSql: METADATA_DDL });
    } else {
      const cols = rows.metadataColumns ?? [];
      for (const [table, expected] of Object.entries(METADATA_TABLES)) {
        const mine = cols.filter((c) => str(c.TABLE_NAME) === table);
        const ddl = METADATA_DDL.split('\n\n').find((b) => b.toUpperCase().includes(`YBVOYAGER_METADATA.${table} `))!;
        if (mine.length === 0) {
          out.push({ id: `metadata-table-${table.toLowerCase()}`, severity: 'error', message: `Table YBVOYAGER_METADATA.${table} does not exist.`, fixSql: ddl });
          continue;
        }
        const got = mine.map((c) => `${str(c.COLUMN_NAME)} ${columnTypeText(c)}`);
        const want = expected.columns.map(([n, t]) => `${n} ${t}`);
        const pk = mine.filter((c) => c.PK_POSITION !== null && c.PK_POSITION !== undefined).sort((a, b) => num(a.PK_POSITION) - num(b.PK_POSITION)).map((c) => str(c.COLUMN_NAME));
        if (got.join(',') !== want.join(',') || pk.join(',') !== expected.pk.join(',')) {
          out.push({
            id: `metadata-table-${table.toLowerCase()}`, severity: 'error',
            message: `Table YBVOYAGER_METADATA.${table} differs from the spec's DDL (has ${got.join(', ')}; primary key ${pk.join(', ') || 'none'}).`,
            fixSql: `-- Tandem writes exactly the spec's columns; recreate the table (it holds only this tool's progress):\nDROP TABLE ybvoyager_metadata.${table.toLowerCase()};\n${ddl}`,
          });
        }
      }
    }
    const role = writerRoleName(ctx.schema);
    if (!have.ROLE.has(role)) {
      out.push({ id: 'writer-role', severity: 'error', message: `${ctx.user} does not have the role ${role} that fall-back writes need.`, fixSql: writerRoleSql(ctx.schema, ctx.user) });
    } else {
      const privs = new Set((rows.writerRoleTablePrivileges ?? []).map((r) => `${str(r.OWNER)}.${str(r.TABLE_NAME)}:${str(r.PRIVILEGE)}`));
      const lacking: string[] = [];
      for (const t of ctx.tables) {
        for (const p of ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'ALTER']) if (!privs.has(`${ctx.schema}.${t}:${p}`)) lacking.push(`${p} ON ${ctx.schema}.${t}`);
      }
      for (const t of Object.keys(METADATA_TABLES)) {
        for (const p of ['SELECT', 'INSERT', 'UPDATE', 'DELETE']) if (!privs.has(`YBVOYAGER_METADATA.${t}:${p}`)) lacking.push(`${p} ON YBVOYAGER_METADATA.${t}`);
      }
      const sysPrivs = new Set((rows.writerRoleSystemPrivileges ?? []).map((r) => str(r.PRIVILEGE)));
      for (const p of ['CREATE ANY SEQUENCE', 'SELECT ANY SEQUENCE', 'ALTER ANY SEQUENCE']) if (!sysPrivs.has(p)) lacking.push(p);
      if (lacking.length > 0) {
        out.push({
          id: 'writer-role-privileges', severity: 'error',
          message: `Role ${role} lacks ${lacking.length} privilege(s): ${listed(lacking)}. (Tables created after the role was set up are not covered by it.)`,
          fixSql: writerRoleSql(ctx.schema, ctx.user).split('\n\n').slice(1).join('\n\n'),
        });
      }
    }
  }
  return out;
}

/** Runs the queries through `session` and evaluates them. */
export async function checkOraclePrerequisites(
  session: { query(sql: string, binds?: Record<string, unknown>): Promise<Record<string, unknown>[]> },
  ctx: PrerequisiteContext,
): Promise<PrerequisiteFinding[]> {
  const role = writerRoleName(ctx.schema);
  const rows: PrerequisiteRows = {
    database: (await session.query(PREREQUISITE_QUERIES.database))[0] ?? {},
    tables: await session.query(PREREQUISITE_QUERIES.tables, { schema: ctx.schema }),
    privileges: await session.query(PREREQUISITE_QUERIES.privileges, { usr: ctx.user }),
    ...(ctx.fallBack ? {
      metadataUser: await session.query(PREREQUISITE_QUERIES.metadataUser),
      metadataColumns: await session.query(PREREQUISITE_QUERIES.metadataColumns),
      writerRoleTablePrivileges: await session.query(PREREQUISITE_QUERIES.writerRoleTablePrivileges, { role }),
      writerRoleSystemPrivileges: await session.query(PREREQUISITE_QUERIES.writerRoleSystemPrivileges, { role }),
    } : {}),
  };
  return evaluatePrerequisites(rows, ctx);
}
