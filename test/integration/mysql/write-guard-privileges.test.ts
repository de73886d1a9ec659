/**
 * `--disable-triggers-and-fks true` on MariaDB 10.11 (binlogged, log_bin_trust_function_creators
 * off, as every live migration runs) with a migration user short of a privilege, through the
 * workflow's guard steps and the MySQL write guard as `export data` and `import data to source`
 * run them: Tandem never drops a trigger it could not create again. A definition hidden when the
 * export started (no TRIGGER privilege) is read once the privilege is granted, before the first
 * drop, and the cutover to source recreates the trigger; a user without SUPER is refused with the
 * cause and the fix before anything is dropped, and so is one who may not create a trigger for
 * its DEFINER.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startMariaDb, type MariaDbServer } from '../../helpers/mariadb-server.js';
import { loadEngine } from '../../../src/adapters/engines.js';
import type { SourceEngine } from '../../../src/core/engine/engine.js';
import type { DbConfig } from '../../../src/core/db-config.js';
import { MetaStore } from '../../../src/core/meta-store.js';
import { streamReporter } from '../../../src/core/reporter.js';
import type { Migration, Side } from '../../../src/workflow/migration-context.js';
import { GUARD_KEY, guardAtCutover, guardBeforeWrites, recordGuardBaseline, writeGuardOf, type GuardRecord } from '../../../src/workflow/cutover/write-guard-steps.js';
import type { MySqlGuardState } from '../../../src/adapters/mysql/mysql-write-guard.js';

let maria: MariaDbServer;
let engine: SourceEngine;

before(async () => {
  maria = await startMariaDb();
  engine = await loadEngine('mysql');
});
after(async () => {
  await maria?.stop();
});

function collector(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({ write(chunk, _e, done) { chunks.push(String(chunk)); done(); } }) as Writable & { text: () => string };
  w.text = () => chunks.join('');
  return w;
}

/** Database `name` with tables t1, t2 and the trigger t2_ai on t2; a user `user` with `grants` on it; a meta.db whose snapshot holds t1 and t2. */
async function setup(name: string, user: string, grants: string) {
  await maria.createDatabase(name);
  await maria.sql(name, `
    CREATE TABLE t1 (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, v int);
    CREATE TABLE t2 (id int NOT NULL PRIMARY KEY, v int);
    CREATE TRIGGER t2_ai AFTER INSERT ON t2 FOR EACH ROW INSERT INTO t1 (v) VALUES (NEW.v);
    CREATE USER '${user}'@'%' IDENTIFIED BY 'pw-${user}';
    GRANT ${grants} TO '${user}'@'%';`);
  const db: DbConfig = { role: 'source', type: 'mysql', host: maria.host, port: maria.port, user, password: `pw-${user}`, database: name, schemas: ['public'], sslMode: 'disable' };
  const meta = MetaStore.open(join(mkdtempSync(join(tmpdir(), 'tandem-myguard-')), 'meta.db'));
  meta.migrationUuid();
  for (const t of ['t1', 't2']) meta.putSnapshotTable({ tableKey: `public.${t}`, schemaName: 'public', tableName: t, columns: ['id', 'v'], format: 'text', exportedRows: 0, status: 'DONE' });
  const migration = { meta, uuid: meta.migrationUuid(), exportDir: undefined, close: () => meta.close() } as unknown as Migration;
  const side: Side = { db, engine };
  const out = collector();
  const err = collector();
  const triggers = async () => (await maria.sql(name, `SELECT TRIGGER_NAME AS n, ACTION_STATEMENT AS s FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = '${name}'`)).map((r) => `${r.n}: ${r.s}`);
  const record = () => meta.getValue<GuardRecord>(GUARD_KEY) as { before: MySqlGuardState; disabledByTandem?: MySqlGuardState } | undefined;
  return { meta, migration, side, guard: writeGuardOf(side)!, out, err, reporter: streamReporter(out, err), triggers, record };
}

const TABLES = [{ schema: 'public', name: 't1' }, { schema: 'public', name: 't2' }];
const T2_AI = 't2_ai: INSERT INTO t1 (v) VALUES (NEW.v)';

test('a trigger whose definition was hidden when the export started is not dropped until Tandem can read it; read then, it is recreated at the cutover to source', { timeout: 120_000 }, async () => {
  // SUPER (so DROP/CREATE TRIGGER pass the binlog check) but no TRIGGER: SHOW CREATE TRIGGER is refused.
  const s = await setup('shop3', 'mig3', 'SELECT, INSERT, UPDATE, DELETE ON shop3.* TO \'mig3\'@\'%\'; GRANT SUPER ON *.*');
  try {
    await recordGuardBaseline(s.migration, s.side, TABLES, { reporter: s.reporter });
    assert.deepEqual(s.record()!.before.triggers.map((t) => [t.name, t.table, t.createSql]), [['t2_ai', 't2', null]]);
    assert.match(s.err.text(), /--disable-triggers-and-fks true: fix this before the cutover to target, or "import data to source" will refuse to write: Tandem cannot read the definition of trigger\(s\) t2_ai on shop3/);

    // import data to source, still without TRIGGER: refused, nothing dropped, nothing recorded as dropped.
    await assert.rejects(guardBeforeWrites(s.reporter, s.migration, s.guard, true, new AbortController().signal, 20),
      (e: { code?: string; message?: string }) => e.code === 'TANDEM_PRIVILEGE' && /cannot read the definition of trigger\(s\) t2_ai on shop3, so it would not be able to recreate them: it drops none/.test(e.message ?? ''));
    assert.deepEqual(await s.triggers(), [T2_AI]);
    assert.equal(s.record()!.disabledByTandem, undefined);

    // Granted as told, rerun: the definition is recorded, then the trigger dropped.
    await maria.sql(undefined, "GRANT TRIGGER ON shop3.* TO 'mig3'@'%'");
    assert.equal(await guardBeforeWrites(s.reporter, s.migration, s.guard, true, new AbortController().signal, 20), true);
    assert.deepEqual(await s.triggers(), []);
    const rec = s.record()!;
    for (const state of [rec.before, rec.disabledByTandem!]) {
      assert.equal(state.triggers.length, 1);
      assert.match(String(state.triggers[0]!.createSql), /^CREATE DEFINER=`root`@`[^`]+` TRIGGER t2_ai AFTER INSERT ON t2 FOR EACH ROW INSERT INTO t1 \(v\) VALUES \(NEW\.v\)$/);
    }
    assert.doesNotMatch(s.out.text(), /was not visible to Tandem/);

    // The cutover to source creates it again, and finds nothing missing.
    assert.deepEqual(await guardAtCutover(s.reporter, s.migration, s.guard), []);
    assert.deepEqual(await s.triggers(), [T2_AI]);
  } finally {
    s.meta.close();
  }
});

test('without SUPER, with binary logging on and log_bin_trust_function_creators off: refused with the cause and the fix before anything is dropped', { timeout: 120_000 }, async () => {
  const s = await setup('shop4', 'mig4', 'SELECT, INSERT, UPDATE, DELETE, TRIGGER ON shop4.*');
  try {
    assert.deepEqual(await maria.sql(undefined, 'SELECT @@GLOBAL.log_bin AS b, @@GLOBAL.log_bin_trust_function_creators AS t'), [{ b: 1, t: 0 }]);
    await recordGuardBaseline(s.migration, s.side, TABLES, { reporter: s.reporter });
    assert.match(s.err.text(), /--disable-triggers-and-fks true: fix this before the cutover to target, or "import data to source" will refuse to write: The source has binary logging on and log_bin_trust_function_creators off, and 'mig4' lacks the SUPER privilege/);

    // The trigger is root's: the way round SUPER needs SET USER as well, said at once (measured
    // before: only after log_bin_trust_function_creators was set; the docs-claims run).
    const refused = (e: { code?: string; message?: string; hint?: string }) => e.code === 'TANDEM_PRIVILEGE'
      && /^The source has binary logging on and log_bin_trust_function_creators off, and 'mig4' lacks the SUPER privilege: the server refuses it DROP and CREATE TRIGGER, so Tandem drops none of the triggers \(t2_ai\) on shop4\. Trigger\(s\) t2_ai \(DEFINER `root`@`[^`]+`\) also belong to another user, which needs SET USER \(or SUPER\) as well\.$/.test(e.message ?? '')
      && /GRANT SUPER ON \*\.\* TO 'mig4'@'<host>'; or both GRANT SET USER ON \*\.\* TO 'mig4'@'<host>'; \(MySQL: SET_USER_ID\) and, as an administrator, SET GLOBAL log_bin_trust_function_creators = 1;/.test(e.hint ?? '');
    await assert.rejects(guardBeforeWrites(s.reporter, s.migration, s.guard, true, new AbortController().signal, 20), refused);
    assert.deepEqual(await s.triggers(), [T2_AI]);
    assert.equal(s.record()!.disabledByTandem, undefined);
    // The guard's own drop refuses the same way (no "internal error" from the server's 1419).
    await assert.rejects(s.guard.disable(await s.guard.read(TABLES)), refused);
    assert.deepEqual(await s.triggers(), [T2_AI]);

    // The fix the hint names. The trigger is root's: creating it again for that DEFINER needs SET USER, refused until granted.
    await maria.sql(undefined, 'SET GLOBAL log_bin_trust_function_creators = 1');
    try {
      await assert.rejects(guardBeforeWrites(s.reporter, s.migration, s.guard, true, new AbortController().signal, 20),
        (e: { code?: string; message?: string }) => e.code === 'TANDEM_PRIVILEGE'
          && /^Trigger\(s\) t2_ai \(DEFINER `root`@`[^`]+`\) on shop4 belong to another user, and 'mig4' may not create a trigger for another DEFINER: Tandem drops none of the triggers \(t2_ai\)\.$/.test(e.message ?? ''));
      assert.deepEqual(await s.triggers(), [T2_AI]);
      assert.equal(s.record()!.disabledByTandem, undefined);
      await maria.sql(undefined, "GRANT SET USER ON *.* TO 'mig4'@'%'");
      // Dropped for the fall-back, recreated at the cutover to source.
      assert.equal(await guardBeforeWrites(s.reporter, s.migration, s.guard, true, new AbortController().signal, 20), true);
      assert.deepEqual(await s.triggers(), []);
      assert.deepEqual(await guardAtCutover(s.reporter, s.migration, s.guard), []);
      assert.deepEqual(await s.triggers(), [T2_AI]);
    } finally {
      await maria.sql(undefined, 'SET GLOBAL log_bin_trust_function_creators = 0');
    }
  } finally {
    s.meta.close();
  }
});

test('a trigger created on a written table after the export started is recorded before the fall-back drops it: the printed recreate script holds it, and the cutover to source creates it again or names it (measured before: dropped as told and never recreated, the mysql-chaos run)', { timeout: 120_000 }, async () => {
  const s = await setup('shop5', 'mig5', "ALL ON shop5.* TO 'mig5'@'%'; GRANT SUPER ON *.*");
  try {
    await recordGuardBaseline(s.migration, s.side, TABLES);
    assert.deepEqual(s.record()!.before.triggers.map((t) => t.name), ['t2_ai']);
    // Created while the export streams.
    await maria.sql('shop5', 'CREATE TRIGGER t1_bu BEFORE UPDATE ON t1 FOR EACH ROW SET NEW.v = NEW.v + 1');
    // Without consent: the drop script and the recreate script both name it, and it is recorded.
    const stop = new AbortController();
    const waiting = guardBeforeWrites(s.reporter, s.migration, s.guard, false, stop.signal, 20);
    await new Promise((r) => setTimeout(r, 300));
    const printed = s.out.text();
    assert.match(printed, /DROP TRIGGER `shop5`\.`t1_bu`;/);
    assert.match(printed, /this enables exactly what was enabled when the export started \(and what was created since\):\n-- recreate the triggers[^\n]*\n(?:.*\n)*.*TRIGGER t1_bu BEFORE UPDATE ON t1 FOR EACH ROW SET NEW\.v = NEW\.v \+ 1/);
    assert.deepEqual(s.record()!.before.triggers.map((t) => t.name).sort(), ['t1_bu', 't2_ai']);
    // The DBA drops both as told; the cutover to source then names the new one too while it is missing.
    await maria.sql('shop5', 'DROP TRIGGER t1_bu; DROP TRIGGER t2_ai');
    assert.equal(await waiting, true);
    const missing = await guardAtCutover(s.reporter, s.migration, s.guard);
    assert.equal(missing.length, 2, missing.join('; '));
    assert.ok(missing.some((m) => /t1_bu/.test(m)), missing.join('; '));
    stop.abort();
  } finally {
    s.meta.close();
  }
  // With consent: Tandem drops it and creates it again at the cutover to source.
  const c = await setup('shop6', 'mig6', "ALL ON shop6.* TO 'mig6'@'%'; GRANT SUPER ON *.*");
  try {
    await recordGuardBaseline(c.migration, c.side, TABLES, { reporter: c.reporter });
    await maria.sql('shop6', 'CREATE TRIGGER t1_bu BEFORE UPDATE ON t1 FOR EACH ROW SET NEW.v = NEW.v + 1');
    assert.equal(await guardBeforeWrites(c.reporter, c.migration, c.guard, true, new AbortController().signal, 20), true);
    assert.deepEqual(await c.triggers(), []);
    assert.match(c.out.text(), /The script that does it by hand:\n-- recreate the triggers[^\n]*\n(?:.*\n)*.*TRIGGER t1_bu BEFORE UPDATE ON t1/);
    assert.deepEqual(await guardAtCutover(c.reporter, c.migration, c.guard), []);
    assert.deepEqual((await c.triggers()).sort(), ['t1_bu: SET NEW.v = NEW.v + 1', T2_AI]);
  } finally {
    c.meta.close();
  }
});
