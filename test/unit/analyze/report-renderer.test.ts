import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSchema, renderAnalysisReport } from '../../../src/analyze/index.js';
import type { AnalysisResult } from '../../../src/analyze/index.js';

const meta = { migrationUuid: '2f1c-uuid', sourceDbType: 'postgresql', sourceDbName: 'shop' };

async function sample(): Promise<AnalysisResult> {
  return analyzeSchema([
    {
      path: 'schema/tables/table.sql',
      sql: "CREATE TABLE t (id int PRIMARY KEY, x xml, note text DEFAULT '<script>alert(1)</script>');\nCREATE INDEX t_g ON t USING gist (note);\nCREATE TABLE ev (id int PRIMARY KEY, at timestamptz);\nCREATE INDEX ev_at ON ev (at DESC);",
    },
    { path: 'schema/views/view.sql', sql: 'CREATE VIEW v AS SELECT (' },
  ]);
}

test('json report is the analysis result plus meta', async () => {
  const result = await sample();
  const parsed = JSON.parse(renderAnalysisReport(result, 'json', meta)) as AnalysisResult & { meta: typeof meta };
  assert.deepEqual(parsed.meta, meta);
  assert.deepEqual(parsed.issues, result.issues);
  assert.deepEqual(parsed.summary, result.summary);
  assert.deepEqual(parsed.parseErrors, result.parseErrors);
  assert.equal(parsed.targetDbVersion, result.targetDbVersion);
});

test('txt report groups issues by category with object, location, statement and suggestion', async () => {
  const result = await sample();
  const txt = renderAnalysisReport(result, 'txt', meta);
  assert.match(txt, /Migration UUID: 2f1c-uuid/);
  assert.match(txt, /Target YugabyteDB version: 2024\.2\.0\.0/);
  const features = txt.indexOf('Unsupported features (');
  const datatypes = txt.indexOf('Unsupported data types (');
  const performance = txt.indexOf('Performance advice (');
  assert.ok(features > 0 && datatypes > features && performance > datatypes, 'categories in order');
  assert.match(txt, /\[gist-index\]\n {2}Object: {5}INDEX t_g\n {2}Location: {3}schema\/tables\/table\.sql:2/);
  assert.match(txt, /Suggestion: YugabyteDB has no GiST indexes/);
  assert.match(txt, / {4}CREATE INDEX t_g ON t USING gist \(note\)/);
  assert.match(txt, /schema\/views\/view\.sql:1: syntax error/);
  assert.match(txt, /TABLE\s+2\s+1/);
});

test('txt report says when there is nothing to fix', async () => {
  const result = await analyzeSchema([{ path: 'a.sql', sql: 'CREATE TABLE t (id int PRIMARY KEY);' }]);
  assert.match(renderAnalysisReport(result, 'txt', {}), /No issues found\./);
});

test('html report is self-contained and escapes statement text', async () => {
  const result = await sample();
  const html = renderAnalysisReport(result, 'html', { ...meta, sourceDbName: 'shop & "co"' });
  assert.match(html, /^<!DOCTYPE html>/);
  assert.ok(!html.includes('<script>'), 'raw <script> must not appear');
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(html.includes('shop &amp; &quot;co&quot;'));
  assert.ok(!/<link|<script|src="http/.test(html), 'no external resources');
  assert.match(html, /<h2>Unsupported features \(\d+\)<\/h2>/);
  assert.match(html, /<h2>Files that did not parse<\/h2>/);
  assert.ok(html.includes('schema/tables/table.sql:2'));
});
