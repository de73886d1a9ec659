import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conversionNoteIssues, MYSQL_NOTE_RULES } from '../../../src/analyze/rules/mysql-conversion-notes.js';
import { analyzeSchema } from '../../../src/analyze/schema-analyzer.js';
import { noteComments, commentOut } from '../../../src/adapters/mysql/schema/conversion-note.js';

const note = (rule: string, objectType: string, objectName: string, detail: string) =>
  `-- tandem-note ${JSON.stringify({ rule, objectType, objectName, detail })}`;

test('every note rule has a kebab-case id, a title and a suggestion', () => {
  for (const [id, rule] of Object.entries(MYSQL_NOTE_RULES)) {
    assert.match(id, /^mysql(-[a-z0-9]+)+$/);
    assert.ok(rule.title.length > 5 && rule.suggestion.length > 10, id);
  }
});

test('a note in a file becomes an issue at its line, with the statement that follows it', () => {
  const sql = [
    '-- TABLE objects exported by tandem.',
    '',
    '-- TABLE public.orders',
    ...noteComments([{ rule: 'mysql-partitioned-table', objectType: 'TABLE', objectName: 'public.orders', detail: 'PARTITION BY RANGE' }]).trimEnd().split('\n'),
    'CREATE TABLE public.orders (',
    '  id integer',
    ');',
    'COMMENT ON TABLE public.orders IS \'x\';',
  ].join('\n');
  assert.deepEqual(conversionNoteIssues([{ path: 'schema/tables/tables.sql', sql }]), [{
    ruleId: 'mysql-partitioned-table', category: 'migration_caveat', title: 'Partitioned table created unpartitioned (PARTITION BY RANGE)',
    objectType: 'TABLE', objectName: 'public.orders', file: 'schema/tables/tables.sql', line: 5,
    statement: 'CREATE TABLE public.orders (\n  id integer\n);', suggestion: MYSQL_NOTE_RULES['mysql-partitioned-table'].suggestion,
    docsLink: 'docs/mysql.md', appliesTo: 'all versions',
  }]);
});

test('a commented-out MySQL trigger is the statement of its note; the next object ends it', () => {
  const sql = [
    '-- TRIGGER public.trg',
    ...noteComments([{ rule: 'mysql-trigger', objectType: 'TRIGGER', objectName: 'public.t.trg', detail: 'MySQL trigger' }]).trimEnd().split('\n'),
    '-- MySQL definition:',
    ...commentOut('CREATE TRIGGER trg BEFORE INSERT ON t\nFOR EACH ROW SET NEW.a = 1').trimEnd().split('\n'),
    '',
    '-- TRIGGER public.t_mysql_on_update',
    'CREATE TRIGGER t_mysql_on_update BEFORE UPDATE ON public.t FOR EACH ROW EXECUTE FUNCTION public.f();',
  ].join('\n');
  const [issue, ...rest] = conversionNoteIssues([{ path: 'schema/triggers/triggers.sql', sql }]);
  assert.deepEqual(rest, []);
  assert.equal(issue!.category, 'unsupported_plpgsql');
  assert.equal(issue!.statement, '-- MySQL definition:\n-- CREATE TRIGGER trg BEFORE INSERT ON t\n-- FOR EACH ROW SET NEW.a = 1');
});

test('nothing is reported for files without notes, unknown rules, malformed markers or markers not at a line start', () => {
  const files = [
    { path: 'a.sql', sql: 'CREATE TABLE t (id int);\n-- an ordinary comment about tandem-note\n' },
    { path: 'b.sql', sql: `${note('pg-something-else', 'TABLE', 'public.t', 'x')}\nCREATE TABLE t (id int);\n` },
    { path: 'c.sql', sql: '-- tandem-note {"rule": "mysql-trigger", broken\n' },
    { path: 'd.sql', sql: `SELECT 1; ${note('mysql-trigger', 'TRIGGER', 'public.t', 'x')}\n` },
  ];
  assert.deepEqual(conversionNoteIssues(files), []);
});

test('analyze-schema reports the notes the export wrote (a trigger left for manual conversion)', async () => {
  const sql = [
    '-- TRIGGER public.trg',
    ...noteComments([{ rule: 'mysql-trigger', objectType: 'TRIGGER', objectName: 'public.t.trg', detail: 'MySQL trigger' }]).trimEnd().split('\n'),
    '-- MySQL definition:',
    ...commentOut('CREATE TRIGGER trg BEFORE INSERT ON t\nFOR EACH ROW SET NEW.a = 1').trimEnd().split('\n'),
  ].join('\n');
  const result = await analyzeSchema([{ path: 'schema/triggers/triggers.sql', sql }]);
  assert.deepEqual(result.issues.map((i) => [i.ruleId, i.objectName, i.file]), [['mysql-trigger', 'public.t.trg', 'schema/triggers/triggers.sql']]);
});
