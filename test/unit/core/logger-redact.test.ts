import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '../../../src/core/logger.js';
import { runTandem } from '../../helpers/cli.js';

test('a short password is masked where it stands as a token, never inside longer words', () => {
  const log = new Logger();
  log.addSecret('x');
  assert.equal(log.redact('error [TANDEM_LOCKED]: "export-data" is already running on this export dir'),
    'error [TANDEM_LOCKED]: "export-data" is already running on this export dir');
  assert.equal(log.redact('postgres://tandem:x@db1:5432/shop'), 'postgres://tandem:********@db1:5432/shop');
  assert.equal(log.redact("connect failed for 'x' and x"), "connect failed for '********' and ********");
  assert.equal(log.redact('x'), '********');
});

test('a password that is also a name the messages print (a schema, a user) is masked only where it stands as a password (measured before: "Loading ********.t", the pg-fidelity run)', () => {
  const log = new Logger();
  log.addSecret('x');
  log.addPublicNames(['x', 'tandem', undefined]);
  assert.equal(log.redact('Loading x.t (batch 1 of snapshot-79e389b0/x.t.0.0.bin) failed'), 'Loading x.t (batch 1 of snapshot-79e389b0/x.t.0.0.bin) failed');
  assert.equal(log.redact('postgres://tandem:x@db1:5432/shop'), 'postgres://tandem:********@db1:5432/shop');
  assert.equal(log.redact('host=h password=x user=u'), 'host=h password=******** user=u');
});

test('secrets with symbols at their edges, and the password= form, are masked', () => {
  const log = new Logger();
  log.addSecret('p@ss!');
  log.addSecret('Sommer2026');
  assert.equal(log.redact('url postgres://u:p@ss!@h/db'), 'url postgres://u:********@h/db');
  assert.equal(log.redact('xp@ss!y'), 'xp@ss!y', 'inside a longer word (x before its leading p) it is not a token');
  assert.equal(log.redact('host=h password=whatever user=u'), 'host=h password=******** user=u');
  assert.equal(log.redact('user=u pw Sommer2026.'), 'user=u pw ********.');
  assert.equal(log.redact('Sommer2026x'), 'Sommer2026x');
});

test('through the CLI: with the password x every message stays readable, and x never appears on its own', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-redact-'));
  const r = await runTandem(['import', 'schema', '--export-dir', dir, '--target-db-password', 'x', '--target-db-host', '127.0.0.1']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /error \[TANDEM_EXPORT_DIR\]: .* is not a Tandem export dir/);
  assert.match(r.stderr, /[Rr]un "tandem export schema" or "tandem export data" with this --export-dir first/);
  assert.doesNotMatch(r.stderr, /\*{8}/, 'nothing needed masking');
});

test('a log file that cannot be written drops the line with one warning on stderr, never a throw', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-log-'));
  const log = new Logger();
  log.open(dir, 'export data');
  log.info('first line');
  assert.match(readFileSync(join(dir, 'export-data.log'), 'utf8'), /INFO first line/);
  rmSync(dir, { recursive: true, force: true }); // the directory is gone: every append fails with ENOENT
  const warned: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string) => { warned.push(String(chunk)); return true; }) as typeof process.stderr.write;
  try {
    assert.doesNotThrow(() => log.warn('second line'));
    assert.doesNotThrow(() => log.error('third line'));
  } finally {
    process.stderr.write = write;
  }
  assert.equal(warned.length, 1, warned.join(''));
  assert.match(warned[0]!, /^WARNING: cannot write the log file .*export-data\.log \(ENOENT.*\); log lines are dropped until it can be written\.\n$/);
});
