/**
 * The TLS flags of the spec (`--source-ssl-mode`, `-ssl-root-cert`, `-ssl-cert`, `-ssl-key`,
 * `-ssl-crl` and the target's): known to the commands and the config file, resolved to absolute
 * paths, remembered in meta.db (paths only) so later commands need only the password.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { resolveOptions } from '../../../src/cli/option-resolver.js';
import { COMMANDS } from '../../../src/cli/command-registry.js';
import { CommandContext } from '../../../src/cli/command-context.js';
import { MetaStore } from '../../../src/core/meta-store.js';
import { resolveDbConfig } from '../../../src/cli/db-config-resolver.js';
import { toStored } from '../../../src/core/db-config.js';

const SECTIONS = new Set(COMMANDS.map((c) => c.configSection));
const command = (words: string) => COMMANDS.find((c) => c.words.join(' ') === words)!;

test('export data takes every source TLS flag, import data every target TLS flag', () => {
  const names = (words: string) => command(words).options.map((o) => o.name);
  for (const flag of ['ssl-mode', 'ssl-root-cert', 'ssl-cert', 'ssl-key', 'ssl-crl']) {
    assert.ok(names('export data').includes(`source-${flag}`), `export data --source-${flag}`);
    assert.ok(names('import data').includes(`target-${flag}`), `import data --target-${flag}`);
  }
});

test('no ssl mode given resolves to nothing (meta.db or prefer decide later); the config file sections take the TLS keys', () => {
  const specs = command('export data').options;
  const none = resolveOptions(specs, {}, {}, undefined, 'export-data', SECTIONS);
  assert.equal(none.has('source-ssl-mode'), false);
  const config = { source: { 'ssl-mode': 'verify-full', 'ssl-root-cert': '/ca.pem', 'ssl-cert': '/c.crt', 'ssl-key': '/c.key', 'ssl-crl': '/r.crl' } };
  const o = resolveOptions(specs, {}, {}, config, 'export-data', SECTIONS);
  assert.deepEqual(['source-ssl-mode', 'source-ssl-root-cert', 'source-ssl-cert', 'source-ssl-key', 'source-ssl-crl'].map((k) => o.get(k)),
    ['verify-full', '/ca.pem', '/c.crt', '/c.key', '/r.crl']);
});

test('resolveDbConfig: relative TLS paths become absolute, meta.db remembers them (never the key contents), a flag overrides', async () => {
  const meta = MetaStore.open(join(mkdtempSync(join(tmpdir(), 'tandem-meta-')), 'meta.db'));
  const ctxOf = (flags: Record<string, string>) => {
    const all = { 'source-db-type': 'postgresql', 'source-db-host': 'db1', 'source-db-user': 'app', 'source-db-name': 'shop', 'source-db-password': 'ssl-test-pw', yes: true, ...flags };
    return new CommandContext('export data', new Map(Object.entries(all)), new Set(Object.keys(all)));
  };
  const first = await resolveDbConfig(ctxOf({
    'source-ssl-mode': 'verify-full', 'source-ssl-root-cert': 'certs/ca.pem', 'source-ssl-cert': 'certs/c.crt', 'source-ssl-key': 'certs/c.key', 'source-ssl-crl': '/abs/r.crl',
  }), meta, 'source');
  assert.deepEqual([first.sslMode, first.sslRootCert, first.sslCert, first.sslKey, first.sslCrl],
    ['verify-full', resolve('certs/ca.pem'), resolve('certs/c.crt'), resolve('certs/c.key'), '/abs/r.crl']);
  meta.setDbConfig('source', toStored(first));
  assert.deepEqual(meta.getDbConfig('source'), {
    type: 'postgresql', host: 'db1', port: 5432, user: 'app', database: 'shop', schemas: ['public'],
    sslMode: 'verify-full', sslRootCert: resolve('certs/ca.pem'), sslCert: resolve('certs/c.crt'), sslKey: resolve('certs/c.key'), sslCrl: '/abs/r.crl',
  });

  // A later command with only the password gets the stored settings.
  const later = new CommandContext('export data', new Map<string, string | boolean>([['source-db-password', 'ssl-test-pw'], ['yes', true]]), new Set(['source-db-password']));
  const again = await resolveDbConfig(later, meta, 'source');
  assert.deepEqual([again.host, again.sslMode, again.sslRootCert, again.sslKey], ['db1', 'verify-full', resolve('certs/ca.pem'), resolve('certs/c.key')]);

  // A flag wins over meta.db; `system` stays a word, not a path.
  const changed = await resolveDbConfig(ctxOf({ 'source-ssl-mode': 'verify-full', 'source-ssl-root-cert': 'system' }), meta, 'source');
  assert.deepEqual([changed.sslMode, changed.sslRootCert, changed.sslCert], ['verify-full', 'system', resolve('certs/c.crt')]);
  meta.close();
});
