import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { literalDateTime, pgDateFormat } from '../../../../src/adapters/oracle/schema/date-format.js';
import { readOracleDdlFiles } from '../../../../src/adapters/oracle/schema/ddl-file-reader.js';
import { manualSqlFiles, renderConversionNotes } from '../../../../src/adapters/oracle/schema/manual-files.js';
import { liveValues } from '../../../../src/adapters/oracle/schema/metadata-ddl-queries.js';
import { sequenceClause } from '../../../../src/adapters/oracle/schema/sequence-options-writer.js';
import { convert } from './convert-helpers.js';

test('literalDateTime reads TO_DATE literals with the usual format models', () => {
  const cases: [string, string, string | undefined][] = [
    [' 2019-07-01 00:00:00', 'SYYYY-MM-DD HH24:MI:SS', '2019-07-01 00:00:00'],
    ['2024-02-29', 'YYYY-MM-DD', '2024-02-29 00:00:00'],
    ['01-JUL-2022', 'DD-MON-YYYY', '2022-07-01 00:00:00'],
    ['31.12.1999 23:59', 'DD.MM.YYYY HH24:MI', '1999-12-31 23:59:00'],
    ['March 5, 2021', 'Month DD, YYYY', '2021-03-05 00:00:00'],
    ['2021-03-05 09:30 PM', 'YYYY-MM-DD HH:MI AM', '2021-03-05 21:30:00'],
    ['2023-02-30', 'YYYY-MM-DD', undefined],
    ['2023-01-01', 'YYYY-DDD', undefined],
    ['-0044-03-15', 'SYYYY-MM-DD', undefined],
  ];
  for (const [value, format, expected] of cases) assert.equal(literalDateTime(value, format), expected, `${value} / ${format}`);
  assert.equal(pgDateFormat('SYYYY-MM-DD HH24:MI:SS.FF'), 'YYYY-MM-DD HH24:MI:SS.US');
  assert.equal(pgDateFormat('HH24:MI:SS.FF3'), 'HH24:MI:SS.FF3');
  assert.equal(pgDateFormat('HH24:MI:SS.FF9'), 'HH24:MI:SS.US');
});

test('sequence options: bounds clamp to the column type, START WITH is checked', () => {
  assert.equal(sequenceClause({ start: '7', increment: '5', maxValue: '9999999999999999999999999999', cache: '1', cycle: true }, 'bigint').sql,
    'START WITH 7 INCREMENT BY 5 MINVALUE 1 NO MAXVALUE CACHE 1 CYCLE');
  assert.equal(sequenceClause({}, 'smallint').sql, 'START WITH 1 INCREMENT BY 1 MINVALUE 1 NO MAXVALUE CACHE 20 NO CYCLE');
  assert.equal(sequenceClause({ increment: '-2' }, 'integer').sql, 'START WITH -1 INCREMENT BY -2 NO MINVALUE MAXVALUE -1 CACHE 20 NO CYCLE');
  assert.equal(sequenceClause({ start: '1' }, 'bigint', '4711').sql, 'START WITH 4711 INCREMENT BY 1 MINVALUE 1 NO MAXVALUE CACHE 20 NO CYCLE');
  assert.deepEqual(sequenceClause({ startAtLimit: true }, 'bigint').notes.map((n) => n.code), ['IDENTITY_START_LIMIT']);
  assert.throws(() => sequenceClause({ start: '40000' }, 'smallint'), { code: 'SEQUENCE_RANGE' });
  assert.throws(() => sequenceClause({ start: '5', minValue: '10' }, 'bigint'), { code: 'SEQUENCE_RANGE' });
  assert.throws(() => sequenceClause({ increment: '0' }, 'bigint'), { code: 'SEQUENCE_VALUE' });
});

test('liveValues keys the live sequence values as the converter looks them up', () => {
  const v = liveValues('HR', [{ SEQUENCE_NAME: 'EMP_SEQ', LAST_NUMBER: '207' }], [{ TABLE_NAME: 'T', COLUMN_NAME: 'ID', LAST_NUMBER: '12' }]);
  assert.deepEqual([...v.sequenceValues], [['HR.EMP_SEQ', '207']]);
  assert.deepEqual([...v.identityValues], [['HR.T.ID', '12']]);
});

test('readOracleDdlFiles reads DDL files under a directory in path order, or one file; a missing path is a usage error', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tandem-oracle-files-'));
  try {
    await mkdir(join(dir, 'b'));
    await writeFile(join(dir, 'b', '02_views.sql'), 'CREATE VIEW v AS SELECT 1 x FROM dual;');
    await writeFile(join(dir, 'a_tables.sql'), '\uFEFFCREATE TABLE t (a NUMBER);');
    await writeFile(join(dir, 'pkg.pkb'), 'CREATE PACKAGE BODY p AS END;\n/');
    await writeFile(join(dir, 'notes.txt'), 'not DDL');
    const scripts = await readOracleDdlFiles(dir);
    assert.deepEqual(scripts.map((s) => s.name), ['a_tables.sql', 'b/02_views.sql', 'pkg.pkb']);
    assert.equal(scripts[0]!.text, 'CREATE TABLE t (a NUMBER);');
    assert.deepEqual((await readOracleDdlFiles(join(dir, 'a_tables.sql'))).map((s) => s.text), ['CREATE TABLE t (a NUMBER);']);
    await assert.rejects(readOracleDdlFiles(join(dir, 'missing')), { code: 'TANDEM_USAGE' });
    await mkdir(join(dir, 'empty'));
    await assert.rejects(readOracleDdlFiles(join(dir, 'empty')), { code: 'TANDEM_USAGE' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('manual files: PL/SQL by kind, other unconverted DDL by kind, and the notes report', async () => {
  const r = await convert(`CREATE TABLE t (id NUMBER);
CREATE GLOBAL TEMPORARY TABLE g (a NUMBER);
CREATE PROCEDURE p AS BEGIN NULL; END;
/
CREATE BITMAP INDEX t_bix ON t (id);`);
  const files = manualSqlFiles(r);
  assert.deepEqual(files.map((f) => f.path), ['oracle_manual/plsql/procedures.sql', 'oracle_manual/unconverted/table.sql', 'oracle_manual/conversion_notes.txt']);
  assert.equal(files[0]!.text, '-- PROCEDURE app.p (input.sql, line 3)\n-- PL/SQL is exported as it is for manual conversion\nCREATE PROCEDURE p AS BEGIN NULL; END;\n/\n');
  assert.match(files[1]!.text, /^-- TABLE app\.g \(input\.sql, line 2\)\n-- a global temporary table .*\nCREATE GLOBAL TEMPORARY TABLE g \(a NUMBER\);\n$/);
  assert.equal(renderConversionNotes(r.notes), [
    'Not converted: convert these by hand (their Oracle DDL is under oracle_manual/) (2):',
    '  TABLE app.g [GLOBAL_TEMPORARY_TABLE] a global temporary table (ON COMMIT DELETE ROWS) has no PostgreSQL counterpart: PostgreSQL temporary tables are created by each session',
    '  PROCEDURE app.p [PLSQL] PL/SQL is exported as it is for manual conversion',
    '',
    'Converted with a change of behaviour (1):',
    '  INDEX app.t_bix [BITMAP_INDEX] a bitmap index became a B-tree index',
    '',
  ].join('\n'));
});

test('an object whose converted SQL would not parse on PostgreSQL goes to the manual list instead of breaking import schema', async () => {
  const { keepParsableObjects } = await import('../../../../src/adapters/oracle/schema/convert-oracle-ddl.js');
  const good = await convert('CREATE TABLE t (a NUMBER); CREATE VIEW v AS SELECT a FROM t;');
  const broken = { ...good, objects: good.objects.map((o) => (o.name === 'v' ? { ...o, sql: 'CREATE VIEW app.v AS SELECT a FROM app.t WHERE a(+) = 1;' } : o)) };
  const checked = await keepParsableObjects(broken);
  assert.deepEqual(checked.objects.map((o) => o.name), ['app', 't']);
  assert.deepEqual(checked.manual.map((m) => `${m.kind} ${m.name} ${m.code}`), ['VIEW v PG_SYNTAX']);
  assert.deepEqual(checked.inventory.objects.map((o) => `${o.name} ${o.status}`), ['t created', 'v manual']);
});
