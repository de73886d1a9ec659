/**
 * TLS as libpq does it, against real PostgreSQL 15 servers: one that accepts TCP connections only
 * over TLS (its certificate signed by a test CA, plain connections refused by pg_hba as on RDS with
 * forced SSL), and one without TLS. Every ssl mode, a wrong CA, a wrong host name, a CRL, client
 * certificates, the replication connection, and a live migration through the built CLI with
 * verify-full on both sides.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { makeTestCa, type TestCa } from '../../helpers/tls-ca.js';
import { startTcpRelay } from '../../helpers/tcp-relay.js';
import { runTandem, newExportDir, sourceFlags, targetFlags } from '../../helpers/cli.js';
import { startTandem, killAll, tail, eventually, type TandemProcess } from '../../helpers/live-process.js';
import * as pgConnection from '../../../src/adapters/postgres/pg-connection.js';
import { ReplicationConnection } from '../../../src/adapters/postgres/replication/replication-connection.js';
import { TandemError } from '../../../src/core/errors.js';
import type { DbConfig } from '../../../src/core/db-config.js';

const { connectPg } = pgConnection;
let ca: TestCa;
let tlsServer: PgServer; // TLS only; `cert_user` logs in with a client certificate
let plainServer: PgServer; // no TLS at all
const EITHER_USER = 'either_user'; // may log in to tlsServer with or without TLS
const EITHER_PW = 'either-pw-4711';

before(async () => {
  // libpq's default files live under ~/.postgresql: an empty home keeps this machine's out of the tests.
  process.env.HOME = mkdtempSync(join(tmpdir(), 'tandem-home-'));
  ca = makeTestCa();
  [tlsServer, plainServer] = await Promise.all([
    startPg15({}, {
      tls: {
        certFile: ca.serverCert, keyFile: ca.serverKey, caFile: ca.caCert,
        hbaLines: [
          `hostssl all ${ca.clientUser} 127.0.0.1/32 cert`, `hostssl replication ${ca.clientUser} 127.0.0.1/32 cert`,
          `host all ${EITHER_USER} 127.0.0.1/32 scram-sha-256`, // plain or TLS
        ],
      },
    }),
    startPg15(),
  ]);
  await tlsServer.sql('postgres', `CREATE ROLE ${ca.clientUser} LOGIN REPLICATION; CREATE ROLE ${EITHER_USER} LOGIN PASSWORD '${EITHER_PW}'`);
});

after(async () => {
  await killAll();
  await Promise.all([tlsServer?.stop(), plainServer?.stop()]);
});

/** A source DbConfig for `server` with the given TLS fields (sslMode, sslRootCert, sslCert, …). */
function db(server: PgServer, ssl: Record<string, string | undefined>, user = server.user): DbConfig {
  return {
    type: 'postgresql', host: server.host, port: server.port, user, password: user === server.user ? server.password : undefined,
    database: 'postgres', schemas: ['public'], role: 'source', ...ssl,
  } as DbConfig;
}

/** Connects with `c` and reports whether the session runs over TLS and the client certificate's DN. */
async function session(c: DbConfig): Promise<{ ssl: boolean; clientDn: string | null }> {
  const client = await connectPg(c);
  try {
    const r = await client.query('SELECT ssl, client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    return { ssl: r.rows[0].ssl === 't', clientDn: r.rows[0].client_dn };
  } finally {
    await client.end();
  }
}

/** Connecting with `c` must fail with a TandemError (never an internal error); returns it. */
async function refused(c: DbConfig, what: string): Promise<TandemError> {
  let client;
  try {
    client = await connectPg(c);
  } catch (e) {
    assert.ok(e instanceof TandemError, `${what}: not a TandemError but ${(e as Error)?.stack ?? String(e)}`);
    assert.ok(!`${e.message} ${e.hint}`.includes(tlsServer.password), `${what}: the password in the message`);
    return e;
  }
  await client.end();
  assert.fail(`${what}: connected`);
}

/** The message and fix as the CLI prints them. */
const text = (e: TandemError) => `${e.message}\nfix: ${e.hint ?? ''}`;

/** Switches the TLS server's certificate and waits until new connections get it. */
async function useServerCert(cert: string, key: string): Promise<void> {
  // ALTER SYSTEM refuses to run in the implicit transaction of a multi-statement query: one at a time.
  await tlsServer.sql('postgres', `ALTER SYSTEM SET ssl_cert_file = '${cert}'`);
  await tlsServer.sql('postgres', `ALTER SYSTEM SET ssl_key_file = '${key}'`);
  await tlsServer.sql('postgres', 'SELECT pg_reload_conf()');
  // A new session forks from the postmaster: once it shows the new file, the postmaster has
  // reloaded its TLS context too (both happen in the same reload step).
  await eventually(async () => {
    const [row] = await tlsServer.sql('postgres', 'SHOW ssl_cert_file');
    return row.ssl_cert_file === cert || `still ${row.ssl_cert_file}`;
  }, 10_000, 50);
}

for (const [mode, rootCert] of [['allow'], ['prefer'], [undefined], ['require'], ['verify-ca', 'ca'], ['verify-full', 'ca']] as const) {
  test(`TLS-only server: ${mode ?? 'no ssl mode (prefer)'}${rootCert ? ' with the right CA' : ''} connects over TLS`, async () => {
    const s = await session(db(tlsServer, { sslMode: mode, sslRootCert: rootCert ? ca.caCert : undefined }));
    assert.deepEqual(s, { ssl: true, clientDn: null });
  });
}

test('TLS-only server: disable is refused by pg_hba, and the fix names --source-ssl-mode', async () => {
  const e = await refused(db(tlsServer, { sslMode: 'disable' }), 'disable');
  assert.equal(e.code, 'TANDEM_AUTH', text(e));
  assert.match(e.message, /no encryption/, 'the server\'s reason is kept');
  assert.match(e.hint ?? '', /--source-ssl-mode (require|verify-ca|verify-full)/, text(e));
});

test('a server that accepts both: allow tries plain first, prefer TLS first', async () => {
  const either = (sslMode: string) => ({ ...db(tlsServer, { sslMode }, EITHER_USER), password: EITHER_PW });
  const got = [];
  for (const mode of ['disable', 'allow', 'prefer', 'require']) got.push(`${mode} ssl=${(await session(either(mode))).ssl}`);
  assert.deepEqual(got, ['disable ssl=false', 'allow ssl=false', 'prefer ssl=true', 'require ssl=true']);
});

test('server without TLS: disable, allow, prefer and the default connect in plain text', async () => {
  for (const mode of ['disable', 'allow', 'prefer', undefined]) {
    assert.deepEqual(await session(db(plainServer, { sslMode: mode })), { ssl: false, clientDn: null }, String(mode));
  }
});

test('server without TLS: after its "no TLS" answer, prefer connects in plain at once (one connection, not a refused TLS one first); require still asks for TLS', async () => {
  // A TCP relay in front of the server counts the connections each connect opens.
  const relay = await startTcpRelay(plainServer.host, plainServer.port);
  const viaRelay = (sslMode?: string) => ({ ...db(plainServer, { sslMode }), host: '127.0.0.1', port: relay.port });
  const connections = async (c: DbConfig) => {
    const before = relay.opened;
    assert.deepEqual(await session(c), { ssl: false, clientDn: null });
    return relay.opened - before;
  };
  try {
    assert.equal(await connections(viaRelay('prefer')), 2, 'the first connect asks for TLS, is told no, and connects again in plain');
    assert.equal(await connections(viaRelay('prefer')), 1, 'the server is known to have no TLS');
    assert.equal(await connections(viaRelay(undefined)), 1, 'the default (prefer) too');
    assert.equal(await connections(viaRelay('allow')), 1);
    const before = relay.opened;
    const e = await refused({ ...viaRelay('require'), sslRootCert: ca.caCert } as DbConfig, 'require');
    assert.equal(e.code, 'TANDEM_TLS', text(e));
    assert.equal(relay.opened - before, 1, 'require asks the server for TLS again');
  } finally {
    await relay.close();
  }
});

test('server without TLS: require, verify-ca and verify-full refuse with TANDEM_TLS naming the mode', async () => {
  for (const mode of ['require', 'verify-ca', 'verify-full']) {
    const e = await refused(db(plainServer, { sslMode: mode, sslRootCert: ca.caCert }), mode);
    assert.equal(e.code, 'TANDEM_TLS', `${mode}: ${text(e)}`);
    assert.match(e.message, new RegExp(`--source-ssl-mode ${mode}`), text(e));
    assert.match(e.message, /does not accept TLS/, text(e));
  }
});

test('verify-ca and verify-full without a root certificate: TANDEM_TLS naming --source-ssl-root-cert', async () => {
  for (const mode of ['verify-ca', 'verify-full']) {
    const e = await refused(db(tlsServer, { sslMode: mode }), mode);
    assert.equal(e.code, 'TANDEM_TLS', text(e));
    assert.match(text(e), /--source-ssl-root-cert/);
    assert.match(e.message, new RegExp(mode));
  }
});

test('a root certificate file that cannot be read: TANDEM_TLS naming the flag and the path', async () => {
  const e = await refused(db(tlsServer, { sslMode: 'verify-full', sslRootCert: join(ca.dir, 'missing.crt') }), 'missing CA file');
  assert.equal(e.code, 'TANDEM_TLS', text(e));
  assert.match(e.message, /--source-ssl-root-cert/);
  assert.match(e.message, /missing\.crt/);
});

test('a wrong CA: verify-ca, verify-full and require with that root certificate refuse clearly; prefer too (plain is refused)', async () => {
  for (const mode of ['verify-ca', 'verify-full', 'require', 'prefer']) {
    const e = await refused(db(tlsServer, { sslMode: mode, sslRootCert: ca.otherCaCert }), mode);
    assert.equal(e.code, 'TANDEM_TLS', `${mode}: ${text(e)}`);
    assert.match(e.message, /certificate of the source database .* did not verify/, text(e));
    assert.match(e.message, new RegExp(`--source-ssl-mode ${mode}`), text(e));
    assert.ok(e.message.includes(ca.otherCaCert), `names the root certificate file: ${text(e)}`);
  }
});

test('a certificate for another host name: verify-full refuses naming the host, verify-ca and require accept', async () => {
  await useServerCert(ca.otherHostCert, ca.otherHostKey);
  try {
    const e = await refused(db(tlsServer, { sslMode: 'verify-full', sslRootCert: ca.caCert }), 'verify-full, wrong host');
    assert.equal(e.code, 'TANDEM_TLS', text(e));
    assert.match(e.message, /--source-ssl-mode verify-full/);
    assert.match(e.message, /not for the host "127\.0\.0\.1"/, text(e));
    assert.match(e.hint ?? '', /verify-ca/, text(e));
    assert.equal((await session(db(tlsServer, { sslMode: 'verify-ca', sslRootCert: ca.caCert }))).ssl, true);
    assert.equal((await session(db(tlsServer, { sslMode: 'require' }))).ssl, true);
  } finally {
    await useServerCert(ca.serverCert, ca.serverKey);
  }
});

test('--source-ssl-crl: a revoked server certificate is refused; the same certificate passes without that CRL', async () => {
  assert.equal((await session(db(tlsServer, { sslMode: 'verify-full', sslRootCert: ca.caCert, sslCrl: ca.emptyCrl }))).ssl, true);
  await useServerCert(ca.revokedCert, ca.revokedKey);
  try {
    const e = await refused(db(tlsServer, { sslMode: 'verify-full', sslRootCert: ca.caCert, sslCrl: ca.revokedCrl }), 'revoked');
    assert.equal(e.code, 'TANDEM_TLS', text(e));
    assert.match(e.message, /did not verify/);
    assert.match(e.message, /revoked/i, text(e));
    assert.equal((await session(db(tlsServer, { sslMode: 'verify-full', sslRootCert: ca.caCert, sslCrl: ca.emptyCrl }))).ssl, true);
  } finally {
    await useServerCert(ca.serverCert, ca.serverKey);
  }
});

test('a client certificate: `cert` auth logs in as its CN; without one the fix names --source-ssl-cert and --source-ssl-key', async () => {
  const ok = await session(db(tlsServer, { sslMode: 'verify-full', sslRootCert: ca.caCert, sslCert: ca.clientCert, sslKey: ca.clientKey }, ca.clientUser));
  assert.deepEqual(ok, { ssl: true, clientDn: `/CN=${ca.clientUser}` });
  const e = await refused(db(tlsServer, { sslMode: 'verify-full', sslRootCert: ca.caCert }, ca.clientUser), 'no client cert');
  assert.equal(e.code, 'TANDEM_AUTH', text(e));
  assert.match(e.hint ?? '', /--source-ssl-cert .*--source-ssl-key/, text(e));
});

test('a client certificate the server does not trust: TANDEM_TLS saying the server refused it', async () => {
  const e = await refused(db(tlsServer, { sslMode: 'verify-full', sslRootCert: ca.caCert, sslCert: ca.otherCaClientCert, sslKey: ca.otherCaClientKey }, ca.clientUser), 'other CA client cert');
  assert.equal(e.code, 'TANDEM_TLS', text(e));
  assert.match(e.message, /refused the client certificate/, text(e));
  assert.ok(e.message.includes(ca.otherCaClientCert), text(e));
});

test('a client certificate without its key: TANDEM_TLS before connecting', async () => {
  const e = await refused(db(tlsServer, { sslMode: 'require', sslCert: ca.clientCert }), 'cert without key');
  assert.equal(e.code, 'TANDEM_TLS', text(e));
  assert.match(e.message, /--source-ssl-cert .*client\.crt is given without its private key/);
  assert.match(e.hint ?? '', /--source-ssl-key/);
});

test('the replication connection uses the same TLS settings: verify-full (also with a client certificate) works, a wrong CA is refused clearly', async () => {
  const walsenderSsl = async () => (await tlsServer.sql('postgres', `SELECT s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.backend_type = 'walsender'`)).map((r) => r.ssl);
  for (const c of [
    db(tlsServer, { sslMode: 'verify-full', sslRootCert: ca.caCert }),
    db(tlsServer, { sslMode: 'verify-full', sslRootCert: ca.caCert, sslCert: ca.clientCert, sslKey: ca.clientKey }, ca.clientUser),
  ]) {
    const rc = await ReplicationConnection.open(pgConnection.connectionPlan(c));
    try {
      const id = await rc.identifySystem();
      assert.equal(id.dbName, 'postgres');
      assert.deepEqual(await walsenderSsl(), [true]);
    } finally {
      await rc.close();
    }
  }
  await assert.rejects(ReplicationConnection.open(pgConnection.connectionPlan(db(tlsServer, { sslMode: 'verify-full', sslRootCert: ca.otherCaCert }))), (e: unknown) => {
    assert.ok(e instanceof TandemError, String((e as Error)?.stack ?? e));
    assert.equal(e.code, 'TANDEM_TLS');
    assert.match(e.message, /did not verify/);
    return true;
  });
  // prefer (the default) on a replication connection to a TLS-only server: TLS, not a pg_hba refusal.
  const rc = await ReplicationConnection.open(pgConnection.connectionPlan(db(tlsServer, {})));
  try {
    assert.deepEqual(await walsenderSsl(), [true]);
  } finally {
    await rc.close();
  }
});

test('CLI: a live migration with verify-full on both sides (slot, snapshot, COPY, change stream, apply all over TLS); later commands need only the password', async () => {
  await Promise.all([tlsServer.createDatabase('shop'), tlsServer.createDatabase('shop_copy')]);
  await tlsServer.sql('shop', `CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);
    INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 200) g;`);
  const dir = newExportDir();
  const env = { SOURCE_DB_PASSWORD: tlsServer.password, TARGET_DB_PASSWORD: tlsServer.password, TANDEM_METRICS_INTERVAL_MS: '60000' };
  const SSL = (role: string) => [`--${role}-ssl-mode`, 'verify-full', `--${role}-ssl-root-cert`, ca.caCert];
  const SF = [...sourceFlags(tlsServer, 'shop', 'public'), ...SSL('source')];
  const TF = [...targetFlags(tlsServer, 'shop_copy'), ...SSL('target')];
  let r = await runTandem(['export', 'schema', '--export-dir', dir, ...SF], env);
  assert.equal(r.code, 0, r.stderr);
  r = await runTandem(['import', 'schema', '--export-dir', dir, ...TF], env);
  assert.equal(r.code, 0, r.stderr);

  // Every session Tandem holds on the server, by database and kind, with its TLS state.
  const tandemSessions = async () => (await tlsServer.sql('postgres', `
    SELECT a.datname, a.backend_type, s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
     WHERE a.application_name = 'tandem' ORDER BY 1, 2`)).map((x) => `${x.datname} ${x.backend_type} ssl=${x.ssl}`);
  /** The sessions once one of each `kinds` ("<database> <backend type>") is there. */
  const waitForSessions = async (kinds: string[]) => {
    let sessions: string[] = [];
    await eventually(async () => {
      sessions = await tandemSessions();
      const missing = kinds.filter((k) => !sessions.some((x) => x.startsWith(`${k} `)));
      return missing.length === 0 || `missing ${missing.join(', ')} in: ${sessions.join('; ')}`;
    }, 30_000, 100);
    return sessions;
  };
  let ex: TandemProcess | undefined;
  let im: TandemProcess | undefined;
  try {
    ex = startTandem(['export', 'data', 'from', 'source', '--export-dir', dir, ...SF, '--export-type', 'snapshot-and-changes'], env);
    await ex.waitFor(/Streaming changes/, 60_000);
    im = startTandem(['import', 'data', 'to', 'target', '--export-dir', dir, ...TF], env);
    await tlsServer.sql('shop', `INSERT INTO items VALUES (201, 'streamed'); UPDATE items SET name = 'changed' WHERE id = 7;`);
    await eventually(async () => {
      const rows = await tlsServer.sql('shop_copy', `SELECT count(*)::int AS n, max(name) FILTER (WHERE id = 201) AS s, max(name) FILTER (WHERE id = 7) AS c FROM items`);
      return (rows[0].n === 201 && rows[0].s === 'streamed' && rows[0].c === 'changed') || JSON.stringify(rows[0]);
    }, 60_000);
    // The walsender streams and the importer is connected (both shown by the row that arrived).
    const sessions = await waitForSessions(['shop walsender', 'shop_copy client backend']);
    assert.deepEqual(sessions.filter((x) => !x.endsWith('ssl=true')), [], `every Tandem session uses TLS: ${sessions.join('; ')}`);
  } finally {
    const codes = [await ex?.kill('SIGINT'), await im?.kill('SIGINT')];
    assert.deepEqual(codes, [0, 0], `${tail(ex?.output() ?? '')}\n${tail(im?.output() ?? '')}`);
  }

  // meta.db keeps the TLS settings (paths, never key contents or passwords).
  const meta = new Database(join(dir, 'metainfo', 'meta.db'), { readonly: true });
  const stored = meta.prepare('SELECT source_json AS s, target_json AS t FROM migration').get() as { s: string; t: string };
  meta.close();
  for (const json of [stored.s, stored.t]) {
    assert.deepEqual([JSON.parse(json).sslMode, JSON.parse(json).sslRootCert], ['verify-full', ca.caCert], json);
    assert.ok(!json.includes(tlsServer.password), json);
  }

  // A restart with only the export dir and the password resumes over TLS with the stored settings.
  ex = startTandem(['export', 'data', 'from', 'source', '--export-dir', dir, '--export-type', 'snapshot-and-changes'], env);
  try {
    await ex.waitFor(/Streaming changes/, 60_000);
    const sessions = await waitForSessions(['shop walsender']);
    assert.deepEqual(sessions.filter((x) => !x.endsWith('ssl=true')), [], `every Tandem session uses TLS: ${sessions.join('; ')}`);
  } finally {
    assert.equal(await ex.kill('SIGINT'), 0, tail(ex.output()));
  }
});
