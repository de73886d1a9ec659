/**
 * What a PostgreSQL source user without superuser needs, each said as TANDEM_PRIVILEGE with the
 * fix before anything is created: CONNECT on the database, SELECT on the tables and on the schemas'
 * sequences, CREATE on the database and ownership of the tables for the publication of a live
 * export, UPDATE on the sequences a fall-back sets, INSERT/UPDATE/DELETE on the tables for a
 * fall-back run as another user; TRUNCATE when a fall-back applies one; and any other "permission
 * denied" the server gives, as TANDEM_PRIVILEGE rather than an internal error.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { newExportDir, runTandem, sourceFlags } from '../../helpers/cli.js';
import type { DbConfig } from '../../../src/core/db-config.js';
import { TandemError, privilegeError } from '../../../src/core/errors.js';
import { PgSourceCatalog } from '../../../src/adapters/postgres/pg-catalog.js';
import { createPublication } from '../../../src/adapters/postgres/replication/publication.js';
import { restoreSequences } from '../../../src/adapters/postgres/sequence-sync.js';
import { PgChangeTarget } from '../../../src/adapters/postgres/change-applier.js';
import { reportFindings } from '../../../src/workflow/migration-context.js';
import type { Reporter } from '../../../src/core/reporter.js';

const MIGR_PW = 'migr-pw-2718';
const silentReporter: Reporter = { print: () => {}, warn: () => {}, stdout: process.stdout, stderr: process.stderr };

let server: PgServer;

before(async () => {
  server = await startPg15();
  await server.createDatabase('shopdb');
  await server.sql('postgres', `CREATE ROLE app_owner NOLOGIN; CREATE ROLE migr LOGIN REPLICATION PASSWORD '${MIGR_PW}';`);
  // The tester's setup: REPLICATION, USAGE on the schema, SELECT on the tables, nothing more.
  await server.sql('shopdb', `CREATE SCHEMA app;
    CREATE TABLE app."Event Log" (id int PRIMARY KEY, what text);
    CREATE TABLE app.orders (id serial PRIMARY KEY, total numeric);
    ALTER TABLE app."Event Log" OWNER TO app_owner; ALTER TABLE app.orders OWNER TO app_owner;
    CREATE SEQUENCE app.invoice_seq;
    INSERT INTO app."Event Log" VALUES (1, 'start'); INSERT INTO app.orders (total) VALUES (9.5);
    GRANT USAGE ON SCHEMA app TO migr; GRANT SELECT ON ALL TABLES IN SCHEMA app TO migr;
    GRANT SELECT, USAGE ON ALL SEQUENCES IN SCHEMA app TO migr;`);
});

after(async () => {
  await server?.stop();
});

const migrConfig = (): DbConfig => ({
  type: 'postgresql', host: server.host, port: server.port, user: 'migr', password: MIGR_PW, database: 'shopdb', schemas: ['app'], role: 'source',
});

async function asMigr<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ host: server.host, port: server.port, user: 'migr', password: MIGR_PW, database: 'shopdb' });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A live export as migr (or another command of the source); it must stop before the slot or the publication exists. */
async function exportLiveFails(command: readonly string[] = ['export', 'data', '--export-type', 'snapshot-and-changes']): Promise<string> {
  const flags = sourceFlags(server, 'shopdb', 'app').map((a, i, all) => (all[i - 1] === '--source-db-user' ? 'migr' : a));
  const r = await runTandem([...command, '--export-dir', newExportDir(), ...flags], { SOURCE_DB_PASSWORD: MIGR_PW });
  const out = `--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
  assert.equal(r.code, 1, out);
  assert.match(r.stderr, /^error \[TANDEM_PRIVILEGE\]: /m, out);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at .+:\d+:\d+/, out);
  assert.deepEqual(await server.sql('shopdb', 'SELECT slot_name FROM pg_replication_slots'), [], 'a slot was left');
  assert.deepEqual(await server.sql('shopdb', 'SELECT pubname FROM pg_publication'), [], 'a publication was left');
  return r.stderr;
}

test('live export without CREATE on the database: TANDEM_PRIVILEGE with the GRANT, no slot, no publication', async () => {
  const stderr = await exportLiveFails();
  assert.match(stderr, /User migr lacks CREATE on database shopdb/);
  assert.match(stderr, /GRANT CREATE ON DATABASE "shopdb" TO "migr";/);
});

test('live export as neither owner nor member of the owner: TANDEM_PRIVILEGE naming the tables and the fix', async () => {
  await server.sql('shopdb', 'GRANT CREATE ON DATABASE shopdb TO migr');
  try {
    const stderr = await exportLiveFails();
    assert.doesNotMatch(stderr, /lacks CREATE/);
    assert.match(stderr, /neither owns nor is a member of the owner of app\."Event Log" \(owner app_owner\), app\.orders \(owner app_owner\)/);
    assert.match(stderr, /GRANT app_owner TO "migr";/);
    assert.match(stderr, /ALTER TABLE … OWNER TO "migr";/);
    // The publication itself, should a grant be revoked after the check: the same code, not an internal error.
    await asMigr((c) => assert.rejects(createPublication(c, 'tandem_pub_x', [{ schema: 'app', name: 'Event Log' }]), (e: unknown) => {
      assert.ok(e instanceof TandemError, String(e));
      assert.equal(e.code, 'TANDEM_PRIVILEGE');
      assert.match(e.message, /Cannot create publication tandem_pub_x: must be owner of table Event Log/);
      assert.match(e.hint ?? '', /ALTER TABLE … OWNER TO "migr";/);
      return true;
    }));
  } finally {
    await server.sql('shopdb', 'REVOKE CREATE ON DATABASE shopdb FROM migr');
  }
});

test('UPDATE on the sequences: a fall-back warning at export, an error before writing to the source, and TANDEM_PRIVILEGE at the restore', async () => {
  await server.sql('shopdb', 'GRANT CREATE ON DATABASE shopdb TO migr; GRANT app_owner TO migr');
  try {
    const catalog = await PgSourceCatalog.open(migrConfig());
    try {
      const tables = await catalog.listTables(['app']);
      const findings = await catalog.checkPrerequisites({ live: true, tables });
      assert.deepEqual(findings.filter((f) => f.severity === 'error'), []);
      // orders_id_seq belongs to app_owner, which migr is a member of: only invoice_seq is named.
      const sequence = findings.filter((f) => /sequence/.test(f.message));
      assert.deepEqual(sequence.map((f) => [f.severity, f.fallBack, f.message]), [[
        'warning', true, 'User migr lacks UPDATE on the sequence(s) app.invoice_seq: a fall-back\'s cutover sets them on the source, and would stop there.',
      ]]);
      const write = await catalog.checkWritePrerequisites(tables);
      assert.deepEqual(write.map((f) => [f.severity, f.code, f.fix]), [['error', 'TANDEM_PRIVILEGE', 'As an owner or superuser: GRANT UPDATE ON SEQUENCE app.invoice_seq TO "migr";']]);
    } finally {
      await catalog.close();
    }
    await asMigr((c) => assert.rejects(restoreSequences(c, [{ schema: 'app', name: 'invoice_seq', lastValue: '100', isCalled: true }]), (e: unknown) => {
      assert.ok(e instanceof TandemError, String(e));
      assert.equal(e.code, 'TANDEM_PRIVILEGE');
      assert.equal(e.message, 'User migr may not set sequence app.invoice_seq: it lacks UPDATE on it.');
      assert.match(e.hint ?? '', /GRANT UPDATE ON SEQUENCE "app"\."invoice_seq" TO "migr";/);
      return true;
    }));
    assert.deepEqual(await server.sql('shopdb', 'SELECT last_value::text AS v FROM app.invoice_seq'), [{ v: '1' }]);
  } finally {
    await server.sql('shopdb', 'REVOKE app_owner FROM migr; REVOKE CREATE ON DATABASE shopdb FROM migr');
  }
});

test('import data to source as a user that may not write the tables: TANDEM_PRIVILEGE naming each table and what it lacks, before writing', async () => {
  await server.sql('shopdb', `CREATE ROLE fallback_writer LOGIN PASSWORD '${MIGR_PW}'; GRANT USAGE ON SCHEMA app TO fallback_writer;
    GRANT SELECT, INSERT, UPDATE ON app."Event Log" TO fallback_writer; GRANT SELECT ON app.orders TO fallback_writer;
    GRANT UPDATE ON ALL SEQUENCES IN SCHEMA app TO fallback_writer;`);
  try {
    const catalog = await PgSourceCatalog.open({ ...migrConfig(), user: 'fallback_writer' });
    try {
      const write = await catalog.checkWritePrerequisites(await catalog.listTables(['app']));
      assert.deepEqual(write.map((f) => [f.severity, f.code, f.message, f.fix]), [[
        'error', 'TANDEM_PRIVILEGE',
        'User fallback_writer may not write the target\'s changes into app."Event Log" (lacks DELETE), app.orders (lacks INSERT, UPDATE, DELETE): the fall-back would stop at its first change there. Nothing was written.',
        'As an owner or superuser: GRANT INSERT, UPDATE, DELETE ON app."Event Log", app.orders TO "fallback_writer";',
      ]]);
      await server.sql('shopdb', 'GRANT DELETE ON app."Event Log" TO fallback_writer; GRANT INSERT, UPDATE, DELETE ON app.orders TO fallback_writer');
      assert.deepEqual(await catalog.checkWritePrerequisites(await catalog.listTables(['app'])), []);
    } finally {
      await catalog.close();
    }
  } finally {
    await server.sql('shopdb', 'DROP OWNED BY fallback_writer; DROP ROLE fallback_writer');
  }
});

test('import data to source names every problem of its writer in one run: table privileges, a trigger firing in replica mode, no SET session_replication_role (measured before: one per run)', async () => {
  await server.sql('shopdb', `CREATE TABLE app.lines (id int PRIMARY KEY, order_id int REFERENCES app.orders (id));
    CREATE FUNCTION app.noop() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
    CREATE TRIGGER audit AFTER INSERT ON app.lines FOR EACH ROW EXECUTE FUNCTION app.noop();
    ALTER TABLE app.lines ENABLE ALWAYS TRIGGER audit;
    CREATE ROLE fallback_writer LOGIN PASSWORD '${MIGR_PW}'; GRANT USAGE ON SCHEMA app TO fallback_writer;
    GRANT SELECT, INSERT, UPDATE, DELETE ON app."Event Log", app.orders TO fallback_writer; GRANT SELECT, INSERT, UPDATE ON app.lines TO fallback_writer;
    GRANT UPDATE ON ALL SEQUENCES IN SCHEMA app TO fallback_writer;`);
  try {
    const catalog = await PgSourceCatalog.open({ ...migrConfig(), user: 'fallback_writer' });
    try {
      const tables = await catalog.listTables(['app']);
      const write = await catalog.checkWritePrerequisites(tables);
      assert.deepEqual(write.map((f) => [f.severity, f.code]), [['error', 'TANDEM_PRIVILEGE'], ['error', 'TANDEM_PREREQUISITE'], ['error', 'TANDEM_PRIVILEGE']]);
      assert.match(write[0].message, /app\.lines \(lacks DELETE\)/);
      assert.match(write[1].message, /audit on app\.lines \(ALWAYS\)/);
      assert.match(write[1].fix, /ALTER TABLE app\.lines DISABLE TRIGGER audit;/);
      assert.match(write[2].message, /^User fallback_writer may not SET session_replication_role = replica .*foreign key lines_order_id_fkey on app\.lines/);
      // As the command reports them: one error, every problem and every fix numbered.
      assert.throws(() => reportFindings(write, silentReporter), (e: unknown) => {
        assert.ok(e instanceof TandemError, String(e));
        assert.equal(e.code, 'TANDEM_PRIVILEGE');
        assert.match(e.message, /^3 problems, each to fix before rerunning: \(1\) User fallback_writer may not write .* \(2\) Triggers on .* \(3\) User fallback_writer may not SET/);
        assert.match(e.hint ?? '', /^\(1\) As an owner or superuser: GRANT INSERT, UPDATE, DELETE ON app\.lines .* \(2\) Disable them while Tandem writes: .* \(3\) As a superuser: GRANT SET ON PARAMETER session_replication_role/);
        return true;
      });
      // Each finding's fix is the fix alone; import data to source adds its own rerun once, at the end.
      assert.doesNotMatch(write.map((f) => f.fix).join(' '), /rerun/i);
      assert.throws(() => reportFindings(write, silentReporter, 'Then rerun the same import command.'),
        (e: unknown) => e instanceof TandemError && /session_replication_role TO "?fallback_writer"?;.* Then rerun the same import command\.$/.test(e.hint ?? '') && (e.hint ?? '').split('rerun').length === 2);
      // Once each is fixed, nothing is left.
      await server.sql('shopdb', `GRANT DELETE ON app.lines TO fallback_writer; ALTER TABLE app.lines DISABLE TRIGGER audit;
        GRANT SET ON PARAMETER session_replication_role TO fallback_writer`);
      assert.deepEqual(await catalog.checkWritePrerequisites(tables), []);
    } finally {
      await catalog.close();
    }
  } finally {
    await server.sql('shopdb', `REVOKE SET ON PARAMETER session_replication_role FROM fallback_writer; DROP OWNED BY fallback_writer; DROP ROLE fallback_writer;
      DROP TABLE app.lines; DROP FUNCTION app.noop()`);
  }
});

test('a sequence the user may not SELECT: live export refused before the slot, naming the sequence and the GRANT (measured before: internal error after the slot and publication existed)', async () => {
  // As a DBA often creates one: owned by another role, the application granted only USAGE.
  await server.sql('shopdb', 'GRANT CREATE ON DATABASE shopdb TO migr; GRANT app_owner TO migr; CREATE SEQUENCE app.ticket_no; GRANT USAGE ON SEQUENCE app.ticket_no TO app_owner');
  try {
    const stderr = await exportLiveFails();
    assert.match(stderr, /User migr cannot read the sequence\(s\) app\.ticket_no: export data reads their values/);
    assert.match(stderr, /fix: As an owner or superuser: GRANT SELECT ON SEQUENCE app\.ticket_no TO "migr";/);
    // The offline export reads them too: the same finding.
    const catalog = await PgSourceCatalog.open(migrConfig());
    try {
      const findings = await catalog.checkPrerequisites({ live: false, tables: await catalog.listTables(['app']) });
      assert.deepEqual(findings.filter((f) => f.severity === 'error').map((f) => [f.code, f.fix]), [
        ['TANDEM_PRIVILEGE', 'As an owner or superuser: GRANT SELECT ON SEQUENCE app.ticket_no TO "migr";'],
      ]);
    } finally {
      await catalog.close();
    }
  } finally {
    await server.sql('shopdb', 'DROP SEQUENCE app.ticket_no; REVOKE app_owner FROM migr; REVOKE CREATE ON DATABASE shopdb FROM migr');
  }
});

test('a table and a sequence the user cannot read: one finding whose GRANTs name the schema (measured before: GRANT USAGE ON SCHEMA <schema>)', async () => {
  await server.sql('shopdb', 'CREATE TABLE app.notes (id int PRIMARY KEY); CREATE SEQUENCE app.note_no');
  try {
    const catalog = await PgSourceCatalog.open(migrConfig());
    try {
      const findings = await catalog.checkPrerequisites({ live: false, tables: await catalog.listTables(['app']) });
      assert.deepEqual(findings.map((f) => [f.severity, f.code, f.message, f.fix]), [[
        'error', 'TANDEM_PRIVILEGE',
        'User migr cannot read: app.notes. User migr cannot read the sequence(s) app.note_no: export data reads their values (a live export after creating its replication slot), and would stop there.',
        'As an owner or superuser: GRANT USAGE ON SCHEMA "app" TO "migr"; GRANT SELECT ON ALL TABLES IN SCHEMA "app" TO "migr"; GRANT SELECT ON SEQUENCE app.note_no TO "migr";',
      ]]);
    } finally {
      await catalog.close();
    }
  } finally {
    await server.sql('shopdb', 'DROP TABLE app.notes; DROP SEQUENCE app.note_no');
  }
});

test('a new user lacking every grant: one live export run names all of them, reading, REPLICATION, CREATE on the database and ownership (measured before: one round per run, 3 reruns)', async () => {
  await server.sql('postgres', "CREATE ROLE fresh LOGIN PASSWORD 'fresh-pw-31'");
  await server.sql('shopdb', 'GRANT USAGE ON SCHEMA app TO fresh');
  try {
    const flags = sourceFlags(server, 'shopdb', 'app').map((a, i, all) => (all[i - 1] === '--source-db-user' ? 'fresh' : a));
    const r = await runTandem(['export', 'data', '--export-type', 'snapshot-and-changes', '--export-dir', newExportDir(), ...flags], { SOURCE_DB_PASSWORD: 'fresh-pw-31' });
    const out = `--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
    assert.equal(r.code, 1, out);
    assert.match(r.stderr, /^error \[TANDEM_PRIVILEGE\]: 3 problems, each to fix before rerunning: \(1\) User fresh cannot read: app\."Event Log", app\.orders\./m, out);
    assert.match(r.stderr, /\(2\) The database user "fresh" lacks the REPLICATION attribute/, out);
    assert.match(r.stderr, /\(3\) User fresh lacks CREATE on database shopdb/, out);
    assert.match(r.stderr, / User fresh neither owns nor is a member of the owner of app\."Event Log" \(owner app_owner\)/, out);
    assert.match(r.stderr, /GRANT SELECT ON ALL TABLES IN SCHEMA "app" TO "fresh";.*ALTER ROLE "fresh" WITH REPLICATION;.*GRANT CREATE ON DATABASE "shopdb" TO "fresh";/s, out);
    assert.deepEqual(await server.sql('shopdb', 'SELECT slot_name FROM pg_replication_slots'), [], 'a slot was left');
    assert.deepEqual(await server.sql('shopdb', 'SELECT pubname FROM pg_publication'), [], 'a publication was left');
  } finally {
    await server.sql('shopdb', 'REVOKE USAGE ON SCHEMA app FROM fresh; REVOKE ALL ON ALL SEQUENCES IN SCHEMA app FROM fresh');
    await server.sql('postgres', 'DROP ROLE fresh');
  }
});

test('no CONNECT on the source database: TANDEM_PRIVILEGE with GRANT CONNECT (measured before: internal error, exit 70)', async () => {
  await server.sql('shopdb', 'REVOKE CONNECT ON DATABASE shopdb FROM PUBLIC');
  try {
    for (const command of [['export', 'schema'], ['export', 'data', '--export-type', 'snapshot-and-changes']]) {
      const stderr = await exportLiveFails(command);
      assert.match(stderr, /^error \[TANDEM_PRIVILEGE\]: User "migr" may not connect to the source database migr@[^ ]+\/shopdb: permission denied for database "shopdb"\./, stderr);
      assert.match(stderr, /fix: As a superuser or the database's owner: GRANT CONNECT ON DATABASE "shopdb" TO "migr"; then rerun the same command\./, stderr);
    }
  } finally {
    await server.sql('shopdb', 'GRANT CONNECT ON DATABASE shopdb TO PUBLIC');
  }
});

test('a fall-back\'s TRUNCATE refused for lack of TRUNCATE: TANDEM_PRIVILEGE naming the table and the GRANT (measured before: TANDEM_DATA "the databases differ")', async () => {
  await server.sql('shopdb', 'GRANT CREATE ON DATABASE shopdb TO migr; GRANT INSERT, UPDATE, DELETE ON app.orders TO migr');
  const orders = { schema: 'app', name: 'orders', primaryKey: ['id'], columns: ['id', 'total'] };
  // No SET on session_replication_role: orders has no trigger or foreign key, so the writer only warns.
  const writer = new PgChangeTarget(migrConfig(), { tables: [orders], onWarning: () => {} });
  try {
    await writer.prepare('7d1e2c3b-4a5f-4e6d-8c7b-9a0f1e2d3c4b', 1);
    await assert.rejects(writer.applyBatch(0, [{ schema: 'app', table: 'orders', op: 't', key: {}, vsn: 1, position: '1', txId: '1' }]), (e: unknown) => {
      assert.ok(e instanceof TandemError, String(e));
      assert.equal(e.code, 'TANDEM_PRIVILEGE');
      assert.match(e.message, /TRUNCATE of app\.orders in events 1\.\.1: permission denied for table orders \[SQLSTATE 42501\]\. Nothing of this batch was written/);
      assert.match(e.hint ?? '', /^As the table's owner or a superuser on migr@[^ ]+\/shopdb: GRANT TRUNCATE ON app\.orders TO migr; /);
      assert.doesNotMatch(e.hint ?? '', /differs/);
      return true;
    });
  } finally {
    await writer.close();
    await server.sql('shopdb', 'DROP SCHEMA ybvoyager_metadata CASCADE; REVOKE INSERT, UPDATE, DELETE ON app.orders FROM migr; REVOKE CREATE ON DATABASE shopdb FROM migr');
  }
  assert.deepEqual(await server.sql('shopdb', 'SELECT count(*)::int AS n FROM app.orders'), [{ n: 1 }]);
});

test('any other "permission denied" of the server, bare or wrapped: TANDEM_PRIVILEGE with the server\'s message (the CLI\'s safety net)', async () => {
  await server.sql('shopdb', 'CREATE TABLE app.secrets (id int)');
  try {
    const refused = await asMigr((c) => c.query('SELECT * FROM app.secrets').then(() => undefined, (e: unknown) => e));
    assert.ok(refused, 'migr read app.secrets');
    for (const e of [refused, new Error('reading the table failed', { cause: refused })]) {
      const mapped = privilegeError(e);
      assert.ok(mapped instanceof TandemError, String(e));
      assert.equal(mapped.code, 'TANDEM_PRIVILEGE');
      assert.equal(mapped.message, 'The database refused: permission denied for table secrets.');
      assert.equal(mapped.hint, 'Grant the migration user what the message names (as the object\'s owner or a superuser), then rerun the same command: it resumes.');
    }
    assert.equal(privilegeError(new Error('something else')), undefined);
  } finally {
    await server.sql('shopdb', 'DROP TABLE app.secrets');
  }
});

// The server-restarts run: a source made read-only to stop the application before a cutover with
// fall-back crashed "import data to source" with an internal error once the application had moved.
test('a read-only source (default_transaction_read_only for its database) is a fall-back write problem named as such; its errors are a prerequisite, not an internal error', async () => {
  const { readOnlyError } = await import('../../../src/core/errors.js');
  await server.sql('postgres', 'ALTER DATABASE shopdb SET default_transaction_read_only = on');
  try {
    const catalog = await PgSourceCatalog.open(migrConfig());
    try {
      const found = await catalog.checkWritePrerequisites(await catalog.listTables(['app']));
      assert.deepEqual(found.map((f) => [f.severity, f.code]), [['error', 'TANDEM_PREREQUISITE']]);
      assert.match(found[0]!.message, /is read-only \(default_transaction_read_only = on\): the fall-back could write nothing into it\.$/);
      assert.match(found[0]!.fix, /ALTER SYSTEM RESET default_transaction_read_only;/);
    } finally {
      await catalog.close();
    }
    // What a write there fails with, as every command reports it.
    await assert.rejects(server.sql('shopdb', 'CREATE SCHEMA ro_probe'), (e: unknown) => {
      const mapped = readOnlyError(e);
      assert.equal(mapped?.code, 'TANDEM_PREREQUISITE');
      assert.match(mapped!.message, /^The database is read-only: cannot execute CREATE SCHEMA in a read-only transaction\.$/);
      assert.match(mapped!.hint ?? '', /make it writable .*then rerun the same command: it resumes/);
      return true;
    });
  } finally {
    await server.sql('postgres', 'ALTER DATABASE shopdb RESET default_transaction_read_only');
  }
  const catalog = await PgSourceCatalog.open(migrConfig());
  try {
    assert.deepEqual((await catalog.checkWritePrerequisites(await catalog.listTables(['app']))).filter((f) => /read-only/.test(f.message)), []);
  } finally {
    await catalog.close();
  }
});
