/**
 * The MariaDB source unreachable while `export data` streams, for longer than the binlog capture's
 * own reconnection allows (here a relay in front of the server refuses connections): the capture
 * gives up, the exporter keeps reconnecting, and once the network is back it says how long the
 * stream was away, counted from the start of the outage (measured before: from when the capture gave
 * up, so an 82 s outage was said as "back after 16 s").
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMariaDb, type MariaDbServer } from '../../helpers/mariadb-server.js';
import { startTcpRelay, type TcpRelay } from '../../helpers/tcp-relay.js';
import { runTandem, newExportDir } from '../../helpers/cli.js';
import { startTandem } from '../../helpers/live-process.js';

let my: MariaDbServer;
let relay: TcpRelay;

before(async () => {
  my = await startMariaDb();
  await my.createDatabase('outage');
  await my.sql('outage', 'CREATE TABLE t (id int NOT NULL PRIMARY KEY, v int); INSERT INTO t VALUES (1, 1), (2, 2);');
  relay = await startTcpRelay(my.host, my.port);
});

after(async () => {
  await relay?.close();
  await my?.stop();
});

test('MariaDB unreachable for longer than the capture reconnects: the exporter goes on, and "back after N s" counts the whole outage', { timeout: 120_000 }, async () => {
  const dir = newExportDir();
  const SF = ['--source-db-type', 'mysql', '--source-db-host', '127.0.0.1', '--source-db-port', String(relay.port), '--source-db-user', my.user, '--source-db-name', 'outage'];
  // The capture reconnects for at most this budget, then hands the outage to the exporter.
  const env = { SOURCE_DB_PASSWORD: my.password, TANDEM_RECONNECT_BUDGET_MS: '4000', TANDEM_METRICS_INTERVAL_MS: '300' };
  const schema = await runTandem(['export', 'schema', '--export-dir', dir, ...SF], env);
  assert.equal(schema.code, 0, schema.stderr);
  const ex = startTandem(['export', 'data', '--export-dir', dir, ...SF, '--export-type', 'snapshot-and-changes'], env);
  try {
    await ex.waitFor(/Streaming changes/, 60_000);
    // A change queued: the binlog stream is running.
    await my.sql('outage', 'UPDATE t SET v = 10 WHERE id = 1');
    await ex.waitFor(/\| Total Exported Events +\| +1 \|/, 30_000);
    await relay.cut();
    const cutAt = Date.now();
    await ex.waitFor(/the binlog stream from the source was interrupted \(\w+\); reconnecting \(for as long as the exporter runs/, 30_000);
    // The capture gave up and the exporter took the outage over.
    await ex.waitFor(/the change stream from the source was interrupted \(.*\); reconnecting in \d+ s/, 30_000);
    await new Promise((r) => setTimeout(r, Math.max(0, cutAt + 8000 - Date.now())));
    await relay.restore();
    await ex.waitFor(/The change stream from the source is back after \d+ s/, 60_000);
    // From the cut to the message (the exporter's backoff may find the network back a while after it was).
    const outageMs = Date.now() - cutAt;
    const said = Number(/The change stream from the source is back after (\d+) s/.exec(ex.output())![1]);
    assert.ok(said >= Math.floor(outageMs / 1000) - 1, `said back after ${said} s for an outage of ${outageMs} ms:\n${ex.output()}`);
    // Still streaming: a change made after the outage is queued.
    await my.sql('outage', 'UPDATE t SET v = 20 WHERE id = 2');
    await ex.waitFor(/\| Total Exported Events +\| +2 \|/, 30_000);
    assert.equal(ex.exited(), false, ex.output());
  } finally {
    await ex.kill('SIGKILL');
  }
});
