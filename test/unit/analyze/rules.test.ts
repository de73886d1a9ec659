import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_RULES, analyzeSchema } from '../../../src/analyze/index.js';
import { RULE_CASES, type RuleCase } from './rule-cases.js';

async function ruleIdsFor(sql: string, version?: string, statistics?: RuleCase['statistics']): Promise<string[]> {
  const result = await analyzeSchema([{ path: 'schema/test.sql', sql }], { ...(version !== undefined && { targetDbVersion: version }), ...(statistics && { statistics }) });
  assert.deepEqual(result.parseErrors, [], `test SQL must parse: ${sql}`);
  return result.issues.map((i) => i.ruleId);
}

test('there are at least 30 rules and every rule id is unique and kebab-case', () => {
  const ids = ALL_RULES.map((r) => r.id);
  assert.ok(ids.length >= 30, `only ${ids.length} rules`);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
});

test('every rule has a trigger case and a clean case', () => {
  const covered = new Set(RULE_CASES.map((c) => c.ruleId));
  for (const rule of ALL_RULES) assert.ok(covered.has(rule.id), `no test case for ${rule.id}`);
});

for (const c of RULE_CASES) {
  test(`${c.ruleId}: fires on the offending DDL`, async () => {
    const ids = await ruleIdsFor(c.triggers, c.version, c.statistics);
    assert.ok(ids.includes(c.ruleId), `expected ${c.ruleId}, got [${ids.join(', ')}]`);
  });
  test(`${c.ruleId}: stays quiet on similar valid DDL`, async () => {
    const ids = await ruleIdsFor(c.clean, c.version, c.statistics);
    assert.ok(!ids.includes(c.ruleId), `unexpected ${c.ruleId} in [${ids.join(', ')}]`);
  });
  const fixedIn = c.fixedIn;
  if (fixedIn !== undefined) {
    test(`${c.ruleId}: not reported for YugabyteDB ${fixedIn}, where it is fixed`, async () => {
      const ids = await ruleIdsFor(c.triggers, fixedIn, c.statistics);
      assert.ok(!ids.includes(c.ruleId), `unexpected ${c.ruleId} for ${fixedIn} in [${ids.join(', ')}]`);
    });
  }
}
