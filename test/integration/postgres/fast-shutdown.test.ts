/**
 * A fast shutdown of a server whose changes Tandem streams: PostgreSQL's walsender exits only once
 * the client has confirmed everything it sent, the shutdown checkpoint's record included, and
 * Tandem confirmed only the transactions it queued. An idle stream kept `pg_ctl -m fast stop` (and
 * so a routine restart of the production source, or of the target during a fall-back) waiting
 * forever, every connection refused meanwhile (measured before: "server does not shut down" after
 * 20 s, until the exporter was stopped). The stream now confirms a keepalive's position once every
 * transaction it handed out is acknowledged.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { userInfo } from 'node:os';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { ReplicationConnection } from '../../../src/adapters/postgres/replication/replication-connection.js';
import { createPublication } from '../../../src/adapters/postgres/replication/publication.js';
import { PgChangeStream } from '../../../src/adapters/postgres/pg-change-stream.js';
import type { CapturedTransaction } from '../../../src/core/engine/change-capture.js';

const DB = 'shut';
let server: PgServer;

before(async () => {
  server = await startPg15();
  await server.createDatabase(DB);
  await server.sql(DB, 'CREATE TABLE t (id int PRIMARY KEY, v text); CREATE TABLE unpublished (id int PRIMARY KEY)');
  const c = await server.client(DB);
  try {
    await createPublication(c, 'pub_shut', [{ schema: 'public', name: 't' }]);
  } finally {
    await c.end();
  }
});

after(async () => {
  await server?.stop();
});

/** `pg_ctl stop -m fast` with a timeout, as the postgres user: its exit code and output. */
function fastStop(dataDir: string, seconds: number): { code: number | null; out: string } {
  const args = ['-D', dataDir, '-m', 'fast', '-t', String(seconds), '-w', 'stop'];
  const cmd = userInfo().uid === 0 ? ['runuser', '-u', 'postgres', '--', '/usr/lib/postgresql/15/bin/pg_ctl', ...args] : ['/usr/lib/postgresql/15/bin/pg_ctl', ...args];
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

test('a fast shutdown completes while an idle change stream is connected, every transaction it handed out acknowledged', { timeout: 60_000 }, async () => {
  const rc = await ReplicationConnection.open({ host: server.host, port: server.port, user: server.user, password: server.password, database: DB });
  let startLsn: bigint;
  try {
    startLsn = (await rc.createSlot('shut_slot')).consistentPoint;
  } finally {
    await rc.close();
  }
  const dataDir = String((await server.sql(DB, 'SHOW data_directory'))[0].data_directory);
  const stream = new PgChangeStream({
    source: { type: 'postgresql', role: 'source', host: server.host, port: server.port, user: server.user, password: server.password, database: DB, schemas: ['public'] },
    slotName: 'shut_slot', publicationName: 'pub_shut', startLsn, primaryKeys: new Map([['public.t', ['id']]]),
  });
  await stream.start();
  const received: CapturedTransaction[] = [];
  // The exporter's part: each transaction acknowledged once handled (here at once).
  const consuming = (async () => {
    for await (const batch of stream.transactionBatches()) {
      for (const tx of batch) {
        received.push(tx);
        stream.acknowledge(tx);
      }
    }
  })().catch((e: unknown) => e);
  try {
    await server.sql(DB, "INSERT INTO t VALUES (1, 'a')");
    await server.sql(DB, "INSERT INTO t VALUES (2, 'b')");
    for (let i = 0; i < 100 && received.length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(received.length, 2, 'the two transactions were not streamed');
    // WAL the stream decodes but sends nothing of (a table outside the publication; on a real server,
    // other databases and the server's own records): the walsender's position moves past the last
    // transaction the stream acknowledged, and a fast shutdown waits until the client confirms it.
    await server.sql(DB, 'INSERT INTO unpublished SELECT generate_series(1, 100)');
    await new Promise((r) => setTimeout(r, 1000)); // idle: nothing more to send
    const started = Date.now();
    const stopped = fastStop(dataDir, 15);
    assert.equal(stopped.code, 0, `pg_ctl -m fast stop did not complete in 15 s with the stream connected:\n${stopped.out}`);
    assert.ok(Date.now() - started < 15_000);
  } finally {
    await stream.stop();
    await consuming;
  }
});
