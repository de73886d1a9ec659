/**
 * The MariaDB source goes away while `export data` copies its snapshot (a restart, a failover, a cut
 * network; here a relay in front of the server resets every connection): the export stops with
 * TANDEM_CONNECT saying that the snapshot cannot be finished and a rerun starts it over (measured
 * before: the driver's error as an internal error). No race: a failpoint pauses the exporter after
 * its first snapshot file while the test cuts the network.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMariaDb, type MariaDbServer } from '../../helpers/mariadb-server.js';
import { startTcpRelay, type TcpRelay } from '../../helpers/tcp-relay.js';
import { runTandem, newExportDir } from '../../helpers/cli.js';

let my: MariaDbServer;
let relay: TcpRelay;

before(async () => {
  my = await startMariaDb();
  await my.createDatabase('shop');
  // About 60 MB: the first snapshot file (4 MB) is closed while the SELECT goes on, with far more
  // to come than the sockets between the server and the exporter hold.
  await my.sql('shop', `CREATE TABLE wide (id int NOT NULL PRIMARY KEY, t varchar(1000));
    INSERT INTO wide SELECT seq, REPEAT(MD5(seq), 30) FROM seq_1_to_60000;`);
  relay = await startTcpRelay(my.host, my.port);
});

after(async () => {
  await relay?.close();
  await my?.stop();
});

test('MariaDB lost during the snapshot: export data stops with TANDEM_CONNECT (exit 1) and says a rerun starts the snapshot over', { timeout: 120_000 }, async () => {
  const dir = newExportDir();
  const SF = ['--source-db-type', 'mysql', '--source-db-host', '127.0.0.1', '--source-db-port', String(relay.port), '--source-db-user', my.user, '--source-db-name', 'shop'];
  const env = { SOURCE_DB_PASSWORD: my.password };
  const schema = await runTandem(['export', 'schema', '--export-dir', dir, ...SF], env);
  assert.equal(schema.code, 0, schema.stderr);
  const hitLog = join(mkdtempSync(join(tmpdir(), 'tandem-fp-')), 'hits');
  const exporting = runTandem(['export', 'data', '--export-dir', dir, ...SF, '--parallel-jobs', '1'], {
    ...env, TANDEM_FAILPOINTS: 'snapshot.after-file-before-record=pause:4000@1', TANDEM_FAILPOINT_LOG: hitLog,
  });
  const deadline = Date.now() + 60_000;
  while (!(existsSync(hitLog) && readFileSync(hitLog, 'utf8').includes('snapshot.after-file-before-record'))) {
    assert.ok(Date.now() < deadline, 'the exporter never closed a snapshot file');
    await new Promise((r) => setTimeout(r, 50));
  }
  // The exporter is paused (its event loop too): its connections are reset meanwhile.
  await relay.cut();
  await relay.restore();
  const r = await exporting;
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.doesNotMatch(r.stderr, /internal error|This is a bug/);
  assert.match(r.stderr, /error \[TANDEM_CONNECT\]: The source database .*shop.* went away during the snapshot \(\w+\)/);
  assert.match(r.stderr, /rerun the same command: it starts the snapshot over/);
});
