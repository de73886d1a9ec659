/**
 * analyze-schema's reading of schema/oracle_manual/: every object left for manual conversion is one
 * issue (PL/SQL, or an object without a PostgreSQL form), every note on a converted object a caveat;
 * the files are never parsed as PostgreSQL. The layout is the schema converter's; the last test
 * checks that the converter still writes it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isManualConversionFile, kindsOfManualFile, manualConversionIssues, parseManualHeader } from '../../../src/analyze/rules/manual-conversion-files.js';
import { convertOracleDdl, manualSqlFiles } from '../../../src/adapters/oracle/schema/index.js';

const TRIGGERS = `-- TRIGGER hr.emp_bir (hr_code.sql, line 12)
-- PL/SQL is exported as it is for manual conversion (a trigger on employees)
CREATE OR REPLACE TRIGGER emp_bir
  BEFORE INSERT ON employees FOR EACH ROW
BEGIN
  -- TRIGGER-like comment inside the body stays in the body
  :new.created := SYSDATE;
END;
/

-- TRIGGER hr.emp_bur
-- PL/SQL is exported as it is for manual conversion
CREATE OR REPLACE TRIGGER emp_bur BEFORE UPDATE ON employees FOR EACH ROW BEGIN NULL; END;
/
`;

const PACKAGE_BODIES = `-- PACKAGE BODY hr.emp_pkg (hr_code.sql, line 40)
-- PL/SQL is exported as it is for manual conversion
CREATE OR REPLACE PACKAGE BODY emp_pkg AS END emp_pkg;
/
`;

const VIEWS = `-- VIEW hr.emp_tree (hr_views.sql, line 3)
-- CONNECT BY has no PostgreSQL form here
CREATE VIEW emp_tree AS SELECT employee_id FROM employees CONNECT BY PRIOR employee_id = manager_id;
`;

const NOTES = `Not converted: convert these by hand (their Oracle DDL is under oracle_manual/) (1):
  TRIGGER hr.emp_bir [PLSQL] PL/SQL is exported as it is for manual conversion

Converted without a part that PostgreSQL cannot hold (1):
  CONSTRAINT hr.jobs.jobs_c [DISABLED_CONSTRAINT] CHECK jobs_c is disabled in Oracle; it is not created

Converted with a change of behaviour (1):
  INDEX hr.emp_bmx [BITMAP_INDEX] a bitmap index becomes a B-tree index
`;

test('which files are manual ones, and the kinds each may hold', () => {
  assert.deepEqual(['schema/oracle_manual/plsql/triggers.sql', 'schema/tables/tables.sql', 'schema/oracle_manual/conversion_notes.txt', 'schema/mysql_manual/x.sql'].map(isManualConversionFile), [true, false, true, true]);
  assert.deepEqual(kindsOfManualFile('schema/oracle_manual/plsql/package_bodies.sql'), { kinds: ['PACKAGE BODY'], plsql: true });
  assert.deepEqual(kindsOfManualFile('schema/oracle_manual/plsql/other.sql'), { kinds: ['JAVA SOURCE', 'LIBRARY', 'JAVA'], plsql: true });
  assert.deepEqual(kindsOfManualFile('schema/oracle_manual/unconverted/alter_table.sql'), { kinds: ['ALTER TABLE'], plsql: false });
  assert.deepEqual(parseManualHeader('-- PACKAGE BODY hr.emp_pkg (a b.sql, line 40)', ['PACKAGE BODY']), { kind: 'PACKAGE BODY', name: 'hr.emp_pkg' });
  assert.deepEqual(parseManualHeader('-- VIEW hr."Odd View"', ['VIEW']), { kind: 'VIEW', name: 'hr."Odd View"' });
  assert.equal(parseManualHeader('-- PL/SQL is exported as it is', ['TRIGGER']), undefined);
});

test('one issue per object left for manual conversion, with its DDL; one per note on a converted object', () => {
  const issues = manualConversionIssues([
    { path: 'schema/oracle_manual/plsql/triggers.sql', sql: TRIGGERS },
    { path: 'schema/oracle_manual/plsql/package_bodies.sql', sql: PACKAGE_BODIES },
    { path: 'schema/oracle_manual/unconverted/view.sql', sql: VIEWS },
    { path: 'schema/oracle_manual/conversion_notes.txt', sql: NOTES },
    { path: 'schema/tables/tables.sql', sql: 'CREATE TABLE x (a int);' },
  ]);
  assert.deepEqual(issues.map((i) => [i.ruleId, i.category, i.objectType, i.objectName, i.file, i.line, i.title]), [
    ['oracle-plsql', 'unsupported_plpgsql', 'TRIGGER', 'hr.emp_bir', 'schema/oracle_manual/plsql/triggers.sql', 1, 'Oracle TRIGGER to convert by hand (PL/SQL)'],
    ['oracle-plsql', 'unsupported_plpgsql', 'TRIGGER', 'hr.emp_bur', 'schema/oracle_manual/plsql/triggers.sql', 11, 'Oracle TRIGGER to convert by hand (PL/SQL)'],
    ['oracle-plsql', 'unsupported_plpgsql', 'PACKAGE BODY', 'hr.emp_pkg', 'schema/oracle_manual/plsql/package_bodies.sql', 1, 'Oracle PACKAGE BODY to convert by hand (PL/SQL)'],
    ['oracle-not-converted', 'unsupported_feature', 'VIEW', 'hr.emp_tree', 'schema/oracle_manual/unconverted/view.sql', 1, 'Oracle VIEW not converted: CONNECT BY has no PostgreSQL form here'],
    ['oracle-note-disabled-constraint', 'unsupported_feature', 'CONSTRAINT', 'hr.jobs.jobs_c', 'schema/oracle_manual/conversion_notes.txt', 5, 'Converted without a part PostgreSQL cannot hold (DISABLED_CONSTRAINT)'],
    ['oracle-note-bitmap-index', 'migration_caveat', 'INDEX', 'hr.emp_bmx', 'schema/oracle_manual/conversion_notes.txt', 8, 'Converted with a change of behaviour (BITMAP_INDEX)'],
  ]);
  assert.equal(issues[0]!.statement, `CREATE OR REPLACE TRIGGER emp_bir
  BEFORE INSERT ON employees FOR EACH ROW
BEGIN
  -- TRIGGER-like comment inside the body stays in the body
  :new.created := SYSDATE;
END;
/`);
  assert.equal(issues[4]!.statement, 'CHECK jobs_c is disabled in Oracle; it is not created');
  // Converted and its block deleted: the issue is gone.
  assert.deepEqual(manualConversionIssues([{ path: 'schema/oracle_manual/plsql/triggers.sql', sql: TRIGGERS.split('\n').slice(10).join('\n') }]).map((i) => i.objectName), ['hr.emp_bur']);
});

test('the converter writes the layout analyze-schema reads', async () => {
  const result = await convertOracleDdl(`CREATE TABLE hr.t (id NUMBER(9) PRIMARY KEY);
CREATE OR REPLACE TRIGGER hr.t_bir BEFORE INSERT ON hr.t FOR EACH ROW BEGIN NULL; END;
/
`, { schema: 'HR' });
  const files = manualSqlFiles(result).map((f) => ({ path: `schema/${f.path}`, sql: f.text }));
  assert.deepEqual(files.map((f) => f.path), ['schema/oracle_manual/plsql/triggers.sql', 'schema/oracle_manual/conversion_notes.txt']);
  assert.deepEqual(manualConversionIssues(files).map((i) => [i.ruleId, i.objectType, i.objectName, i.line]), [['oracle-plsql', 'TRIGGER', 'hr.t_bir', 1]]);
});
