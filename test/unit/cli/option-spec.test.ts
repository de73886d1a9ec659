import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coerce, parseBool, type OptionSpec } from '../../../src/cli/option-spec.js';
import { TandemError } from '../../../src/core/errors.js';
import { COMMANDS } from '../../../src/cli/command-registry.js';
import { CommandContext } from '../../../src/cli/command-context.js';
import { resolveDbConfig } from '../../../src/cli/db-config-resolver.js';

const usage = (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_USAGE' && e.exitCode === 2;

test('parseBool accepts true/false, yes/no and 1/0 in any case', () => {
  for (const v of ['true', 'TRUE', 'True', 'yes', 'YES', 'Yes', '1', ' true ', 'on', 't', 'Y']) assert.equal(parseBool(v, 'f'), true, v);
  for (const v of ['false', 'FALSE', 'False', 'no', 'NO', 'No', '0', ' no ', 'off', 'f', 'N']) assert.equal(parseBool(v, 'f'), false, v);
  assert.equal(parseBool(true, 'f'), true);
  assert.equal(parseBool(false, 'f'), false);
  assert.equal(parseBool(1, 'f'), true);
  assert.equal(parseBool(0, 'f'), false);
});

test('parseBool rejects anything else with TANDEM_USAGE naming the flag and the value', () => {
  for (const v of ['maybe', '', '2', 'tru', 'yess', '-1', 'null']) {
    assert.throws(() => parseBool(v, 'start-clean'), (e: unknown) => {
      assert.ok(usage(e), String(e));
      assert.match((e as Error).message, /--start-clean/);
      assert.match((e as Error).message, new RegExp(`"${v}"`));
      return true;
    });
  }
});

test('coerce checks ints and enums', () => {
  const int: OptionSpec = { name: 'batch-size', kind: 'int', description: '' };
  const port: OptionSpec = { name: 'source-db-port', kind: 'int', description: '' };
  const en: OptionSpec = { name: 'export-type', kind: 'enum', choices: ['a', 'b'], description: '' };
  assert.equal(coerce(int, '500'), 500);
  assert.equal(coerce(int, 7), 7);
  for (const bad of ['0', '-1', '1.5', 'ten', '', '1e3']) assert.throws(() => coerce(int, bad), usage, bad);
  // A port is 1 to 65535: 0 was taken by the driver for its default (5432, another server), 65536 crashed.
  assert.equal(coerce(port, '65535'), 65535);
  for (const bad of ['0', '65536', '99999']) assert.throws(() => coerce(port, bad), (e: unknown) => usage(e) && /takes a port from 1 to 65535/.test((e as Error).message), bad);
  // Each job is a connection: 100000 stopped the import after 53 s with a time-out naming host and port.
  const jobs: OptionSpec = { name: 'parallel-jobs', kind: 'int', description: '' };
  assert.equal(coerce(jobs, '256'), 256);
  assert.throws(() => coerce(jobs, '100000'), (e: unknown) => usage(e) && /--parallel-jobs takes at most 256 \(each job is a database connection\), not 100000\./.test((e as Error).message));
  // An empty table list was taken for no flag (every table).
  assert.throws(() => coerce({ name: 'table-list', kind: 'string', description: '' }, ' '), (e: unknown) => usage(e) && /--table-list is empty/.test((e as Error).message));
  assert.equal(coerce(en, ' b '), 'b');
  assert.throws(() => coerce(en, 'c'), (e: unknown) => usage(e) && /one of a, b/.test((e as Error).message));
  assert.equal(coerce({ name: 'x', kind: 'bool', description: '' }, 'No'), false);
  assert.equal(coerce({ name: 'x', kind: 'string', description: '' }, 12), '12');
});

test('every --*-db-port help names the default the resolver uses: the target, always YugabyteDB, 5433 (measured before: "default: 5432 for PostgreSQL, 5433 for YugabyteDB" for a target that has no type flag)', async () => {
  const helps = new Set(COMMANDS.flatMap((c) => c.options.filter((o) => o.name.endsWith('-db-port')).map((o) => `--${o.name}: ${o.description}`)));
  assert.deepEqual([...helps].sort(), [
    '--source-db-port: source database port (default: 5432 for PostgreSQL, 3306 for MySQL, 1521 for Oracle)',
    '--target-db-port: target database port (default: 5433, YugabyteDB\'s; give it for a PostgreSQL target, usually 5432)',
  ]);
  assert.equal(COMMANDS.some((c) => c.options.some((o) => o.name === 'target-db-type')), false, 'no command takes a target type');
  const resolvedPort = async (role: 'source' | 'target', type?: string) => {
    const flags: Record<string, string | boolean> = { [`${role}-db-user`]: 'app', [`${role}-db-name`]: 'shop', [`${role}-db-password`]: 'port-test-pw', yes: true, ...(type ? { [`${role}-db-type`]: type } : {}) };
    return (await resolveDbConfig(new CommandContext('export data', new Map(Object.entries(flags)), new Set(Object.keys(flags))), undefined, role)).port;
  };
  assert.deepEqual([await resolvedPort('source', 'postgresql'), await resolvedPort('source', 'mysql'), await resolvedPort('target')], [5432, 3306, 5433]);
});
