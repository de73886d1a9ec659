import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile, resolveOptions } from '../../../src/cli/option-resolver.js';
import { COMMANDS } from '../../../src/cli/command-registry.js';
import { connectionOptions, type OptionSpec } from '../../../src/cli/option-spec.js';
import { TandemError } from '../../../src/core/errors.js';
import { Logger } from '../../../src/core/logger.js';

const exportData = COMMANDS.find((c) => c.words.join(' ') === 'export data')!;
const SPECS = exportData.options;
const SECTIONS = new Set(COMMANDS.map((c) => c.configSection));
const resolve = (flags: Record<string, unknown>, env: NodeJS.ProcessEnv, config?: Record<string, unknown>) =>
  resolveOptions(SPECS, flags, env, config, 'export-data', SECTIONS);
const configError = (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_CONFIG';

test('defaults apply when nothing else is given', () => {
  const o = resolve({}, {});
  // No default here: export data takes the export dir's own type on a rerun, else snapshot-only.
  assert.equal(o.has('export-type'), false);
  assert.equal(o.has('parallel-jobs'), false, 'no default: export data chooses its readers itself');
  assert.equal(o.get('start-clean'), false);
  assert.equal(o.get('source-db-host'), 'localhost');
  assert.equal(o.has('source-db-password'), false);
  assert.equal(o.has('export-dir'), false);
});

test('precedence: flag > environment > command section > source: section > default', () => {
  const config = {
    'export-dir': '/from/top',
    source: { 'db-password': 'from-source-section', 'db-host': 'h-source', 'db-port': 6000, 'db-name': 'n-source' },
    'export-data': { 'source-db-password': 'from-command-section', 'source-db-host': 'h-command', 'parallel-jobs': 9, 'start-clean': 'yes' },
  };
  const env = { SOURCE_DB_PASSWORD: 'from-env' };
  const all = resolve({ 'source-db-password': 'from-flag', 'source-db-host': 'h-flag', 'parallel-jobs': '2' }, env, config);
  assert.equal(all.get('source-db-password'), 'from-flag');
  assert.equal(all.get('source-db-host'), 'h-flag');
  assert.equal(all.get('parallel-jobs'), 2);

  const noFlag = resolve({}, env, config);
  assert.equal(noFlag.get('source-db-password'), 'from-env');
  assert.equal(noFlag.get('source-db-host'), 'h-command');
  assert.equal(noFlag.get('parallel-jobs'), 9);
  assert.equal(noFlag.get('start-clean'), true);
  assert.equal(noFlag.get('source-db-port'), 6000, 'the shared source: section fills what the command section lacks');
  assert.equal(noFlag.get('source-db-name'), 'n-source');
  assert.equal(noFlag.get('export-dir'), '/from/top', 'top-level export-dir');

  const noEnv = resolve({}, { SOURCE_DB_PASSWORD: '' }, config);
  assert.equal(noEnv.get('source-db-password'), 'from-command-section', 'an empty environment variable counts as unset');

  const sharedOnly = resolve({}, {}, { source: config.source });
  assert.equal(sharedOnly.get('source-db-password'), 'from-source-section');
  assert.equal(sharedOnly.get('source-db-host'), 'h-source');
  assert.equal(sharedOnly.has('parallel-jobs'), false, 'chosen by export data when nobody gives it');
});

test('values from the config file are checked like flags', () => {
  assert.throws(() => resolve({}, {}, { 'export-data': { 'start-clean': 'maybe' } }), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_USAGE');
  assert.throws(() => resolve({}, {}, { 'export-data': { 'export-type': 'everything' } }), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_USAGE');
  assert.throws(() => resolve({ 'parallel-jobs': 'x' }, {}), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_USAGE');
});

test('unknown config keys are TANDEM_CONFIG errors; other commands\' sections are allowed', () => {
  assert.throws(() => resolve({}, {}, { 'export-data': { 'paralel-jobs': 3 } }), (e: unknown) => configError(e) && /paralel-jobs/.test((e as Error).message));
  assert.throws(() => resolve({}, {}, { source: { 'db-hots': 'x' } }), (e: unknown) => configError(e) && /db-hots/.test((e as Error).message));
  assert.throws(() => resolve({}, {}, { target: { 'db-passwd': 'x' } }), configError);
  assert.throws(() => resolve({}, {}, { 'exprot-data': {} }), (e: unknown) => configError(e) && /exprot-data/.test((e as Error).message));
  assert.throws(() => resolve({}, {}, { source: 'localhost' }), configError);
  const ok = resolve({}, {}, { 'import-data': { 'batch-size': 10 }, target: { 'db-host': 't' }, 'log-level': 'debug' });
  assert.equal(ok.get('log-level'), 'debug');
});

test('loadConfigFile reads YAML and reports unreadable or malformed files as TANDEM_CONFIG', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-config-'));
  const good = join(dir, 'good.yaml');
  writeFileSync(good, 'export-dir: /tmp/x\nsource:\n  db-host: h\n  db-port: 5433\nexport-data:\n  start-clean: true\n');
  assert.deepEqual(loadConfigFile(good), { 'export-dir': '/tmp/x', source: { 'db-host': 'h', 'db-port': 5433 }, 'export-data': { 'start-clean': true } });
  const empty = join(dir, 'empty.yaml');
  writeFileSync(empty, '');
  assert.deepEqual(loadConfigFile(empty), {});
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'source: [unclosed\n');
  assert.throws(() => loadConfigFile(bad), configError);
  const list = join(dir, 'list.yaml');
  writeFileSync(list, '- a\n- b\n');
  assert.throws(() => loadConfigFile(list), configError);
  assert.throws(() => loadConfigFile(join(dir, 'missing.yaml')), configError);
});

test('a password in the config file that YAML did not read as text is refused, not used as another password', () => {
  const specs = connectionOptions('source');
  assert.throws(() => resolveOptions(specs, {}, {}, { source: { 'db-password': 123450 } }, 'export-schema', new Set(['export-schema'])),
    (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_CONFIG' && /source\.db-password is not text \(YAML read it as a number/.test(e.message) && /Put the password in double quotes/.test(e.hint ?? '') && new Logger().redact(e.hint ?? '') === e.hint);
  const quoted = resolveOptions(specs, {}, {}, { source: { 'db-password': '0123450' } }, 'export-schema', new Set(['export-schema']));
  assert.equal(quoted.get('source-db-password'), '0123450');
});

test('an unknown top-level key in the config file is refused naming the known keys and sections (the docs-claims-2 run: none were named)', () => {
  const specs: OptionSpec[] = [{ name: 'parallel-jobs', kind: 'int', description: 'x' }];
  assert.throws(() => resolveOptions(specs, {}, {}, { 'import-data-to-target': { 'parallel-jobs': 3 } }, 'import-data', new Set(['import-data', 'import-data-to-source', 'export-data'])),
    (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_CONFIG'
      && e.message === 'Unknown top-level key "import-data-to-target" in the config file. Known: source, target, export-dir, log-level, and the commands\' sections export-data, import-data, import-data-to-source.');
});
