import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSchema } from '../../../src/analyze/index.js';

const PG11 = '2.20.1.0';
const PG15 = '2025.1.0.0';

/** Names of the objects the jsonb-subscripting rule reports in `sql` for a PG11-based target. */
async function flaggedObjects(sql: string, version = PG11): Promise<string[]> {
  const result = await analyzeSchema([{ path: 'schema/test.sql', sql }], { targetDbVersion: version });
  assert.deepEqual(result.parseErrors, [], `test SQL must parse: ${sql}`);
  return result.issues.filter((i) => i.ruleId === 'jsonb-subscripting').map((i) => i.objectName).sort();
}

test('jsonb-subscripting: a jsonb parameter subscripted in a PL/pgSQL body', async () => {
  const sql = "CREATE FUNCTION s2.jf(p jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$ BEGIN RETURN p['x']; END $$;";
  assert.deepEqual(await flaggedObjects(sql), ['s2.jf']);
  assert.deepEqual(await flaggedObjects(sql, PG15), []);
});

test('jsonb-subscripting: a declared jsonb variable as the target of an assignment', async () => {
  const sql = "CREATE FUNCTION s2.app() RETURNS void LANGUAGE plpgsql AS $$\nDECLARE j jsonb := '{}'; BEGIN j['a'] := '1'; END $$;";
  assert.deepEqual(await flaggedObjects(sql), ['s2.app']);
});

test('jsonb-subscripting: a nested assignment target in an inner block and a DO block', async () => {
  const fn = "CREATE FUNCTION s2.deep() RETURNS void LANGUAGE plpgsql AS $$ BEGIN DECLARE k jsonb; BEGIN k['b']['c'] := '2'; END; END $$;";
  assert.deepEqual(await flaggedObjects(fn), ['s2.deep']);
  const doBlock = "DO $$ DECLARE k jsonb := '{}'; BEGIN k['b'] = '2'; END $$;";
  const result = await analyzeSchema([{ path: 'schema/test.sql', sql: doBlock }], { targetDbVersion: PG11 });
  assert.equal(result.issues.filter((i) => i.ruleId === 'jsonb-subscripting').length, 1);
});

test('jsonb-subscripting: a parameter referenced as $n, and parameters of a SQL function', async () => {
  assert.deepEqual(
    await flaggedObjects("CREATE FUNCTION s2.pos(text, jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$ BEGIN RETURN $2['x']; END $$;"),
    ['s2.pos'],
  );
  assert.deepEqual(await flaggedObjects("CREATE FUNCTION s2.sq(p jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT p['x'] $$;"), ['s2.sq']);
  assert.deepEqual(await flaggedObjects('CREATE FUNCTION s2.pos1(text, jsonb) RETURNS text LANGUAGE plpgsql AS $$ BEGIN RETURN $1[1]; END $$;'), []);
});

test('jsonb-subscripting: parameters and variables of a domain over jsonb', async () => {
  const sql = [
    'CREATE DOMAIN s2.doc AS jsonb;',
    "CREATE FUNCTION s2.dp(d s2.doc) RETURNS jsonb LANGUAGE plpgsql AS $$ BEGIN RETURN d['x']; END $$;",
    "CREATE FUNCTION s2.dv() RETURNS void LANGUAGE plpgsql AS $$ DECLARE v s2.doc; BEGIN v['a'] := '1'; END $$;",
  ].join('\n');
  assert.deepEqual(await flaggedObjects(sql), ['s2.dp', 's2.dv']);
});

test('jsonb-subscripting: text[], int[] and jsonb[] variables subscripted with [1] are not flagged', async () => {
  const sql = [
    'CREATE FUNCTION s2.arr(a int[], j jsonb[]) RETURNS text LANGUAGE plpgsql AS $$',
    "DECLARE t text[] := '{x}'; BEGIN t[1] := 'y'; a[1] := 2; RETURN t[1] || a[1] || j[1]; END $$;",
  ].join('\n');
  assert.deepEqual(await flaggedObjects(sql), []);
});

test('jsonb-subscripting: a variable named like a jsonb column of another table is its own type', async () => {
  const sql = [
    'CREATE TABLE s2.docs (id int PRIMARY KEY, data jsonb);',
    'CREATE TABLE s2.tags (id int PRIMARY KEY, label text);',
    'CREATE FUNCTION s2.lab() RETURNS text LANGUAGE plpgsql AS $$',
    "DECLARE data text[] := '{a}'; r text; BEGIN data[1] := 'b'; SELECT label || data[1] INTO r FROM s2.tags; RETURN data[1]; END $$;",
  ].join('\n');
  assert.deepEqual(await flaggedObjects(sql), []);
});

test('jsonb-subscripting: a name that is jsonb in one block and text[] in another is not taken for jsonb', async () => {
  const sql = [
    'CREATE FUNCTION s2.shadow() RETURNS void LANGUAGE plpgsql AS $$',
    "DECLARE v jsonb := '{}'; BEGIN DECLARE v text[]; BEGIN v[1] := 'x'; END; END $$;",
  ].join('\n');
  assert.deepEqual(await flaggedObjects(sql), []);
});
