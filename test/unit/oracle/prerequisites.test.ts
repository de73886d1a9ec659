import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluatePrerequisites, METADATA_DDL, writerRoleSql, type PrerequisiteRows } from '../../../src/adapters/oracle/prerequisites.js';

const ALL_LIVE_GRANTS = [
  ...['CREATE SESSION', 'SET CONTAINER', 'FLASHBACK ANY TABLE', 'SELECT ANY TABLE', 'SELECT ANY TRANSACTION', 'LOGMINING', 'CREATE TABLE', 'LOCK ANY TABLE', 'CREATE SEQUENCE'].map((n) => ({ KIND: 'SYSTEM', NAME: n })),
  { KIND: 'ROLE', NAME: 'SELECT_CATALOG_ROLE' }, { KIND: 'ROLE', NAME: 'EXECUTE_CATALOG_ROLE' }, { KIND: 'ROLE', NAME: 'HR_WRITER_ROLE' },
  ...['V_$DATABASE', 'V_$LOG', 'V_$LOG_HISTORY', 'V_$LOGMNR_LOGS', 'V_$LOGMNR_CONTENTS', 'V_$LOGMNR_PARAMETERS', 'V_$LOGFILE', 'V_$ARCHIVED_LOG', 'V_$ARCHIVE_DEST_STATUS', 'V_$TRANSACTION', 'V_$MYSTAT', 'V_$STATNAME']
    .map((v) => ({ KIND: 'OBJECT', NAME: `SELECT ON ${v}` })),
  { KIND: 'OBJECT', NAME: 'EXECUTE ON DBMS_LOGMNR' }, { KIND: 'OBJECT', NAME: 'EXECUTE ON DBMS_LOGMNR_D' },
];

const meta = (table: string, cols: [string, string, number | null, number | null, number, number | null][]) =>
  cols.map(([name, type, p, s, len, pk], i) => ({ TABLE_NAME: table, COLUMN_NAME: name, DATA_TYPE: type, DATA_PRECISION: p, DATA_SCALE: s, DATA_LENGTH: len, CHAR_LENGTH: type === 'VARCHAR2' ? len : 0, COLUMN_ID: i + 1, PK_POSITION: pk }));

const SPEC_METADATA_COLUMNS = [
  ...meta('YBVOYAGER_IMPORT_DATA_EVENT_CHANNELS_METAINFO', [
    ['MIGRATION_UUID', 'VARCHAR2', null, null, 36, 1], ['CHANNEL_NO', 'NUMBER', null, 0, 22, 2], ['LAST_APPLIED_VSN', 'NUMBER', 19, 0, 22, null],
    ['NUM_INSERTS', 'NUMBER', 19, 0, 22, null], ['NUM_UPDATES', 'NUMBER', 19, 0, 22, null], ['NUM_DELETES', 'NUMBER', 19, 0, 22, null]]),
  ...meta('YBVOYAGER_IMPORTED_EVENT_COUNT_BY_TABLE', [
    ['MIGRATION_UUID', 'VARCHAR2', null, null, 36, 1], ['TABLE_NAME', 'VARCHAR2', null, null, 250, 2], ['CHANNEL_NO', 'NUMBER', null, 0, 22, 3],
    ['TOTAL_EVENTS', 'NUMBER', 19, 0, 22, null], ['NUM_INSERTS', 'NUMBER', 19, 0, 22, null], ['NUM_UPDATES', 'NUMBER', 19, 0, 22, null], ['NUM_DELETES', 'NUMBER', 19, 0, 22, null]]),
];

const WRITER_PRIVS = [
  ...['EMP', 'DEPT'].flatMap((t) => ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'ALTER'].map((p) => ({ OWNER: 'HR', TABLE_NAME: t, PRIVILEGE: p }))),
  ...['YBVOYAGER_IMPORT_DATA_EVENT_CHANNELS_METAINFO', 'YBVOYAGER_IMPORTED_EVENT_COUNT_BY_TABLE'].flatMap((t) =>
    ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'ALTER', 'INDEX', 'REFERENCES'].map((p) => ({ OWNER: 'YBVOYAGER_METADATA', TABLE_NAME: t, PRIVILEGE: p }))),
];

/** A CDB prepared exactly as the spec says, plus ALL-column supplemental logging on both tables. */
const PREPARED: PrerequisiteRows = {
  database: { LOG_MODE: 'ARCHIVELOG', SUPPLEMENTAL_LOG_DATA_MIN: 'YES', SUPPLEMENTAL_LOG_DATA_PK: 'YES', SUPPLEMENTAL_LOG_DATA_ALL: 'NO', CDB: 'YES', CON_NAME: 'ORCLPDB1', RDSADMIN_USERS: '0', VERSION: '19.0.0.0.0' },
  tables: [{ TABLE_NAME: 'EMP', PRIMARY_KEYS: '1', ALL_COLUMN_LOG_GROUPS: '1' }, { TABLE_NAME: 'DEPT', PRIMARY_KEYS: '1', ALL_COLUMN_LOG_GROUPS: '1' }, { TABLE_NAME: 'NOT_MIGRATED', PRIMARY_KEYS: '0', ALL_COLUMN_LOG_GROUPS: '0' }],
  privileges: ALL_LIVE_GRANTS,
  metadataUser: [{ USERNAME: 'YBVOYAGER_METADATA' }],
  metadataColumns: SPEC_METADATA_COLUMNS,
  writerRoleTablePrivileges: WRITER_PRIVS,
  writerRoleSystemPrivileges: [{ PRIVILEGE: 'CREATE ANY SEQUENCE' }, { PRIVILEGE: 'SELECT ANY SEQUENCE' }, { PRIVILEGE: 'ALTER ANY SEQUENCE' }],
};

const CTX = { schema: 'HR', user: 'C##YBVOYAGER', live: true, fallBack: true, tables: ['EMP', 'DEPT'] };

test('a source prepared as the spec says (and with all-column logging) has no findings', () => {
  assert.deepEqual(evaluatePrerequisites(PREPARED, CTX), []);
});

test('NOARCHIVELOG, no minimal logging, missing all-column logging and primary keys: each with its fix (standalone CDB)', () => {
  const rows: PrerequisiteRows = {
    ...PREPARED,
    database: { ...PREPARED.database, LOG_MODE: 'NOARCHIVELOG', SUPPLEMENTAL_LOG_DATA_MIN: 'NO' },
    tables: [{ TABLE_NAME: 'EMP', PRIMARY_KEYS: '1', ALL_COLUMN_LOG_GROUPS: '0' }, { TABLE_NAME: 'DEPT', PRIMARY_KEYS: '0', ALL_COLUMN_LOG_GROUPS: '1' }],
  };
  const f = evaluatePrerequisites(rows, CTX);
  assert.deepEqual(f.map((x) => x.id), ['archivelog', 'supplemental-logging-minimal', 'supplemental-logging-all', 'primary-keys']);
  assert.match(f[0]!.fixSql, /STARTUP MOUNT\nALTER DATABASE ARCHIVELOG;\nALTER DATABASE OPEN;/);
  assert.equal(f[1]!.fixSql, 'ALTER DATABASE ADD SUPPLEMENTAL LOG DATA;  -- in CDB$ROOT');
  assert.equal(f[2]!.fixSql, 'ALTER TABLE "HR"."EMP" ADD SUPPLEMENTAL LOG DATA (ALL) COLUMNS;\n-- or for the whole database:\n-- ALTER DATABASE ADD SUPPLEMENTAL LOG DATA (ALL) COLUMNS;');
  assert.match(f[3]!.message, /1 table\(s\) have no primary key \(DEPT\)/);
  // Database-level ALL logging covers every table.
  const dbAll = evaluatePrerequisites({ ...rows, database: { ...PREPARED.database, SUPPLEMENTAL_LOG_DATA_ALL: 'YES' } }, CTX);
  assert.deepEqual(dbAll.map((x) => x.id), ['primary-keys']);
  // A snapshot-only export checks none of the live requirements.
  assert.deepEqual(evaluatePrerequisites(rows, { ...CTX, live: false, fallBack: false }).map((x) => x.id), []);
});

test('RDS variants: rdsadmin procedures instead of ALTER DATABASE and GRANT on SYS objects', () => {
  const rows: PrerequisiteRows = {
    ...PREPARED,
    database: { ...PREPARED.database, LOG_MODE: 'NOARCHIVELOG', SUPPLEMENTAL_LOG_DATA_MIN: 'NO', CDB: 'NO', RDSADMIN_USERS: '1' },
    tables: [{ TABLE_NAME: 'EMP', PRIMARY_KEYS: '1', ALL_COLUMN_LOG_GROUPS: '0' }, { TABLE_NAME: 'DEPT', PRIMARY_KEYS: '1', ALL_COLUMN_LOG_GROUPS: '1' }],
    privileges: ALL_LIVE_GRANTS.filter((g) => g.NAME !== 'SELECT ON V_$TRANSACTION' && g.NAME !== 'EXECUTE ON DBMS_LOGMNR' && g.NAME !== 'LOGMINING'),
  };
  const f = evaluatePrerequisites(rows, { ...CTX, user: 'YBVOYAGER' });
  assert.deepEqual(f.map((x) => x.id), ['archivelog', 'supplemental-logging-minimal', 'supplemental-logging-all', 'grants']);
  assert.equal(f[0]!.fixSql, "-- RDS archives redo when automated backups are on (backup retention > 0); keep archived logs long enough:\nexec rdsadmin.rdsadmin_util.set_configuration('archivelog retention hours',24);");
  assert.equal(f[1]!.fixSql, "exec rdsadmin.rdsadmin_util.alter_supplemental_logging('ADD');");
  assert.match(f[2]!.fixSql, /p_type => 'ALL'/);
  assert.equal(f[3]!.message, 'YBVOYAGER lacks 3 grant(s) the spec asks for: LOGMINING, SELECT ON V_$TRANSACTION, EXECUTE ON DBMS_LOGMNR.');
  assert.equal(f[3]!.fixSql, [
    'GRANT LOGMINING TO YBVOYAGER;',
    "begin rdsadmin.rdsadmin_util.grant_sys_object(\n      p_obj_name  => 'V_$TRANSACTION',\n      p_grantee   => 'YBVOYAGER',\n      p_privilege => 'SELECT');\nend;\n/",
    "begin rdsadmin.rdsadmin_util.grant_sys_object(\n      p_obj_name  => 'DBMS_LOGMNR',\n      p_grantee   => 'YBVOYAGER',\n      p_privilege => 'EXECUTE',\n      p_grant_option => true);\nend;\n/",
  ].join('\n'));
});

test('standalone CDB grants carry CONTAINER=ALL; SELECT ANY DICTIONARY covers the V_$ views', () => {
  const rows: PrerequisiteRows = { ...PREPARED, privileges: [...ALL_LIVE_GRANTS.filter((g) => !g.NAME.startsWith('SELECT ON V_$') && g.NAME !== 'SET CONTAINER')] };
  const f = evaluatePrerequisites(rows, CTX);
  assert.equal(f.length, 1);
  assert.match(f[0]!.fixSql, /^GRANT SET CONTAINER TO C##YBVOYAGER CONTAINER=ALL;\nGRANT SELECT ON V_\$DATABASE TO C##YBVOYAGER CONTAINER=ALL;/);
  assert.equal(f[0]!.fixSql.split('\n').length, 13);
  const withDictionary = evaluatePrerequisites({ ...rows, privileges: [...rows.privileges, { KIND: 'SYSTEM', NAME: 'SELECT ANY DICTIONARY' }, { KIND: 'SYSTEM', NAME: 'SET CONTAINER' }] }, CTX);
  assert.deepEqual(withDictionary, []);
});

test('fall-back: the metadata user and tables exactly as the spec\'s DDL, and the writer role with its privileges', () => {
  const noUser = evaluatePrerequisites({ ...PREPARED, metadataUser: [] }, CTX);
  assert.deepEqual(noUser.map((x) => [x.id, x.fixSql]), [['metadata-user', METADATA_DDL]]);
  assert.match(METADATA_DDL, /CREATE TABLE ybvoyager_metadata\.ybvoyager_imported_event_count_by_table \(\n {13}migration_uuid VARCHAR2\(36\),\n {13}table_name VARCHAR2\(250\),/);

  const missingTable = evaluatePrerequisites({ ...PREPARED, metadataColumns: SPEC_METADATA_COLUMNS.filter((c) => c.TABLE_NAME !== 'YBVOYAGER_IMPORTED_EVENT_COUNT_BY_TABLE') }, CTX);
  assert.equal(missingTable.length, 1);
  assert.match(missingTable[0]!.fixSql, /^CREATE TABLE ybvoyager_metadata\.ybvoyager_imported_event_count_by_table \(/);

  const wrongType = SPEC_METADATA_COLUMNS.map((c) => (c.COLUMN_NAME === 'LAST_APPLIED_VSN' ? { ...c, DATA_PRECISION: 10 } : c));
  const w = evaluatePrerequisites({ ...PREPARED, metadataColumns: wrongType }, CTX);
  assert.equal(w.length, 1);
  assert.match(w[0]!.message, /LAST_APPLIED_VSN NUMBER\(10,0\)/);
  assert.match(w[0]!.fixSql, /DROP TABLE ybvoyager_metadata\.ybvoyager_import_data_event_channels_metainfo;/);

  const noRole = evaluatePrerequisites({ ...PREPARED, privileges: ALL_LIVE_GRANTS.filter((g) => g.NAME !== 'HR_WRITER_ROLE') }, CTX);
  assert.deepEqual(noRole.map((x) => x.id), ['writer-role']);
  assert.equal(noRole[0]!.fixSql, writerRoleSql('HR', 'C##YBVOYAGER'));
  assert.match(noRole[0]!.fixSql, /EXECUTE IMMEDIATE 'GRANT SELECT, INSERT, UPDATE, DELETE, ALTER on '\|\|R\.owner\|\|'\."'\|\|R\.object_name\|\|'" to  HR_writer_role';/);
  assert.match(noRole[0]!.fixSql, /GRANT HR_writer_role TO C##YBVOYAGER;$/);

  const lacking = evaluatePrerequisites({ ...PREPARED, writerRoleTablePrivileges: WRITER_PRIVS.filter((p) => !(p.TABLE_NAME === 'DEPT' && p.PRIVILEGE === 'DELETE')), writerRoleSystemPrivileges: [] }, CTX);
  assert.equal(lacking.length, 1);
  assert.equal(lacking[0]!.message, 'Role HR_WRITER_ROLE lacks 4 privilege(s): DELETE ON HR.DEPT, CREATE ANY SEQUENCE, SELECT ANY SEQUENCE, ALTER ANY SEQUENCE. (Tables created after the role was set up are not covered by it.)');
  assert.doesNotMatch(lacking[0]!.fixSql, /CREATE ROLE/);
});

test('Virtual Private Database policies on a migrated table\'s queries: refused offline and live unless the user is exempt', () => {
  const rows: PrerequisiteRows = {
    ...PREPARED,
    tables: [{ ...PREPARED.tables[0]!, SELECT_POLICIES: '2' }, { ...PREPARED.tables[1]!, SELECT_POLICIES: '0' }, { TABLE_NAME: 'NOT_MIGRATED', PRIMARY_KEYS: '1', ALL_COLUMN_LOG_GROUPS: '1', SELECT_POLICIES: '1' }],
  };
  for (const live of [true, false]) {
    const f = evaluatePrerequisites(rows, { ...CTX, live, fallBack: live });
    assert.deepEqual(f.map((x) => x.id), ['row-level-security'], `live ${live}`);
    assert.equal(f[0]!.message, '1 table(s) have Virtual Private Database policies on queries (EMP): C##YBVOYAGER would read only the rows they allow, and the snapshot and the verification would both miss the rest.');
    assert.equal(f[0]!.fixSql, 'GRANT EXEMPT ACCESS POLICY TO "C##YBVOYAGER";  -- for the migration; revoke it afterwards');
  }
  const exempt = { ...rows, privileges: [...ALL_LIVE_GRANTS, { KIND: 'SYSTEM', NAME: 'EXEMPT ACCESS POLICY' }] };
  assert.deepEqual(evaluatePrerequisites(exempt, CTX), []);
});

test('a database character set other than AL32UTF8/UTF8: a warning for a fall-back, saying whether Tandem can check its characters', () => {
  for (const cs of ['AL32UTF8', 'UTF8']) assert.deepEqual(evaluatePrerequisites({ ...PREPARED, database: { ...PREPARED.database, CHARACTERSET: cs } }, CTX), [], cs);
  const known = evaluatePrerequisites({ ...PREPARED, database: { ...PREPARED.database, CHARACTERSET: 'WE8MSWIN1252' } }, CTX);
  assert.deepEqual(known.map((f) => [f.id, f.severity, f.fixSql]), [['character-set', 'warning', '']]);
  assert.match(known[0]!.message, /^The database character set is WE8MSWIN1252, and YugabyteDB stores UTF-8: .*Oracle would replace it without an error, so the fall-back stops at that change, naming the column; an NVARCHAR2 or NCLOB column stores every character/);
  const unknown = evaluatePrerequisites({ ...PREPARED, database: { ...PREPARED.database, CHARACTERSET: 'JA16SJIS' } }, CTX);
  assert.match(unknown[0]!.message, /Tandem cannot check the characters of JA16SJIS: such a value would reach Oracle changed/);
  assert.deepEqual(evaluatePrerequisites({ ...PREPARED, database: { ...PREPARED.database, CHARACTERSET: 'WE8MSWIN1252' } }, { ...CTX, live: false, fallBack: false }), [], 'offline: no fall-back');
});

// Measured before: no finding at all; the live export began, and every XMLType value written after the
// snapshot reached the target as NULL (the oracle-review report, item 1). Now the capture stops at such
// a change, and this warning names the tables beforehand, with the two ways round it.
test('tables with XMLTYPE columns in a live migration: a warning naming them, with --exclude-table-list and the offline export as the ways round; nothing offline', () => {
  const rows: PrerequisiteRows = {
    ...PREPARED,
    tables: [{ ...PREPARED.tables[0]!, XMLTYPE_COLUMNS: '2' }, { ...PREPARED.tables[1]!, XMLTYPE_COLUMNS: '0' }, { TABLE_NAME: 'NOT_MIGRATED', PRIMARY_KEYS: '1', ALL_COLUMN_LOG_GROUPS: '1', XMLTYPE_COLUMNS: '1' }],
  };
  const f = evaluatePrerequisites(rows, CTX);
  assert.deepEqual(f.map((x) => [x.id, x.severity]), [['xmltype-columns', 'warning']]);
  assert.equal(f[0]!.message, '1 table(s) have XMLTYPE columns (EMP): the snapshot copies their values, but LogMiner shows an XMLType value written later apart from its row (XML DOC rows), which Tandem does not assemble, so the first change after the snapshot that writes one stops the stream (TANDEM_UNSUPPORTED) and the export must start again without the table.');
  assert.equal(f[0]!.fixSql, '-- leave them out of the live migration and copy them at cutover:\n--exclude-table-list EMP\n-- or migrate them offline (export data --export-type snapshot-only) while their XML is not written');
  assert.deepEqual(evaluatePrerequisites(rows, { ...CTX, live: false, fallBack: false }), [], 'offline: the snapshot copies XMLType values');
});

test('a live migration: NOLOGGING tables, partitions or LOBs without FORCE LOGGING are an error; TIMESTAMP WITH LOCAL TIME ZONE an error; LOB columns a warning (found by the oracle-review run)', () => {
  const rows: PrerequisiteRows = {
    ...PREPARED,
    database: { ...PREPARED.database, FORCE_LOGGING: 'NO' },
    tables: [
      { TABLE_NAME: 'EMP', PRIMARY_KEYS: '1', ALL_COLUMN_LOG_GROUPS: '1', TABLE_LOGGING: 'NO', LOB_COLUMNS: '1', NOLOGGING_LOBS: '0', NOLOGGING_PARTITIONS: '0', LTZ_COLUMNS: '0' },
      { TABLE_NAME: 'DEPT', PRIMARY_KEYS: '1', ALL_COLUMN_LOG_GROUPS: '1', TABLE_LOGGING: 'YES', LOB_COLUMNS: '2', NOLOGGING_LOBS: '1', NOLOGGING_PARTITIONS: '0', LTZ_COLUMNS: '1' },
    ],
  };
  const f = evaluatePrerequisites(rows, CTX);
  assert.deepEqual(f.map((x) => `${x.id} ${x.severity}`), ['nologging error', 'local-time-zone-columns error', 'lob-columns warning']);
  assert.match(f[0]!.message, /^2 table\(s\) are NOLOGGING, or have NOLOGGING partitions or LOBs \(DEPT, EMP\), and the database is not in FORCE LOGGING mode: a direct-path load/);
  assert.match(f[0]!.fixSql, /^ALTER DATABASE FORCE LOGGING;\n/);
  assert.match(f[1]!.message, /^1 table\(s\) have TIMESTAMP WITH LOCAL TIME ZONE columns \(DEPT\)/);
  assert.match(f[2]!.fixSql, /--exclude-table-list DEPT,EMP/);
  // FORCE LOGGING covers NOLOGGING objects; an offline export checks none of it.
  const forced = evaluatePrerequisites({ ...rows, database: { ...rows.database, FORCE_LOGGING: 'YES' } }, CTX);
  assert.deepEqual(forced.map((x) => x.id), ['local-time-zone-columns', 'lob-columns']);
  assert.deepEqual(evaluatePrerequisites(rows, { ...CTX, live: false, fallBack: false }).map((x) => x.id), []);
  // RDS: its procedure.
  const rds = evaluatePrerequisites({ ...rows, database: { ...rows.database, RDSADMIN_USERS: '1', CDB: 'NO' } }, { ...CTX, fallBack: false });
  assert.match(rds.find((x) => x.id === 'nologging')!.fixSql, /^exec rdsadmin\.rdsadmin_util\.force_logging\(p_enable => true\);/);
});

test('a live migration: names over 30 bytes and LONG or LONG RAW columns are errors, extended strings (over 4000 bytes) a warning; offline, none (the oracle-review-2 run)', () => {
  const rows: PrerequisiteRows = {
    ...PREPARED,
    tables: [
      { TABLE_NAME: 'A_TABLE_NAME_LONGER_THAN_THIRTY_BYTES', PRIMARY_KEYS: '1', ALL_COLUMN_LOG_GROUPS: '1', TABLE_LOGGING: 'YES', LOB_COLUMNS: '0', NOLOGGING_LOBS: '0', NOLOGGING_PARTITIONS: '0', LTZ_COLUMNS: '0', LONG_COLUMNS: '0', EXTENDED_COLUMNS: '0', LONG_NAMES: '1' },
      { TABLE_NAME: 'NOTES', PRIMARY_KEYS: '1', ALL_COLUMN_LOG_GROUPS: '1', TABLE_LOGGING: 'YES', LOB_COLUMNS: '0', NOLOGGING_LOBS: '0', NOLOGGING_PARTITIONS: '0', LTZ_COLUMNS: '0', LONG_COLUMNS: '1', EXTENDED_COLUMNS: '0' },
      { TABLE_NAME: 'DOCS', PRIMARY_KEYS: '1', ALL_COLUMN_LOG_GROUPS: '1', TABLE_LOGGING: 'YES', LOB_COLUMNS: '0', NOLOGGING_LOBS: '0', NOLOGGING_PARTITIONS: '0', LTZ_COLUMNS: '0', LONG_COLUMNS: '0', EXTENDED_COLUMNS: '2' },
    ],
  };
  const ctx = { ...CTX, fallBack: false, tables: ['NOTES', 'DOCS', 'A_TABLE_NAME_LONGER_THAN_THIRTY_BYTES'] };
  const all = evaluatePrerequisites(rows, ctx);
  assert.deepEqual(all.map((x) => `${x.id} ${x.severity}`), ['long-names error', 'long-columns error', 'extended-string-columns warning']);
  assert.match(all[0]!.message, /^1 table\(s\) have a name, a column name or a schema name longer than 30 bytes \(A_TABLE_NAME_LONGER_THAN_THIRTY_BYTES\), which LogMiner does not support/);
  const f = all.slice(1);
  assert.match(f[0]!.message, /^1 table\(s\) have LONG or LONG RAW columns \(NOTES\): .* as the text 'LONG DATA' instead of the value/);
  assert.match(f[0]!.fixSql, /--exclude-table-list NOTES\n[\s\S]*ALTER TABLE … MODIFY \(col CLOB\)/);
  assert.match(f[1]!.message, /^1 table\(s\) have VARCHAR2, NVARCHAR2 or RAW columns longer than 4000 bytes \(MAX_STRING_SIZE = EXTENDED: DOCS\)/);
  assert.deepEqual(evaluatePrerequisites(rows, { ...ctx, live: false, fallBack: false }).map((x) => x.id), []);
});

test('more than one redo thread (RAC, or an instance removed since) is refused for a live export, with how to find and drop a stale thread; a snapshot-only export is not (the oracle-review-49 run)', () => {
  const rac: PrerequisiteRows = { ...PREPARED, database: { ...PREPARED.database, REDO_THREADS: '2' } };
  const f = evaluatePrerequisites(rac, CTX);
  assert.deepEqual(f.map((x) => [x.id, x.severity]), [['redo-threads', 'error']]);
  assert.match(f[0]!.message, /^The database has 2 redo threads \(Real Application Clusters, .*a change committed on another instance could be skipped for good; it has never run against RAC and refuses it\.$/);
  assert.match(f[0]!.fixSql, /ALTER DATABASE DISABLE THREAD <n>;/);
  assert.match(f[0]!.fixSql, /export data --export-type snapshot-only/);
  assert.deepEqual(evaluatePrerequisites(rac, { ...CTX, live: false, fallBack: false }).filter((x) => x.id === 'redo-threads'), []);
  assert.deepEqual(evaluatePrerequisites({ ...PREPARED, database: { ...PREPARED.database, REDO_THREADS: '1' } }, CTX), []);
});
