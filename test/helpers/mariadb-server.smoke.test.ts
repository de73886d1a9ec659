import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { startMariaDb } from './mariadb-server.js';

test('the harness starts MariaDB with a row binlog, GTIDs and password auth, away from 3306, and deletes it on stop', async () => {
  const server = await startMariaDb();
  try {
    assert.notEqual(server.port, 3306);
    assert.match(server.version, /^10\.11\.\d+-MariaDB/);
    const [settings] = await server.sql(undefined, `SELECT @@log_bin AS logBin, @@binlog_format AS format, @@binlog_row_image AS image,
      @@gtid_strict_mode AS strict, @@character_set_server AS cs, @@time_zone AS tz, @@port AS port`);
    assert.deepEqual({ ...settings }, { logBin: 1, format: 'ROW', image: 'FULL', strict: 1, cs: 'utf8mb4', tz: 'SYSTEM', port: server.port });

    // Several statements: the last result set comes back; each transaction gets a GTID (CREATE DATABASE, CREATE TABLE, INSERT: 3; the bootstrap wrote none).
    await server.createDatabase('shop');
    const rows = await server.sql('shop', 'CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (?, ?), (2, NULL); SELECT * FROM t ORDER BY id', [1, 'é']);
    assert.deepEqual(rows.map((r) => ({ ...r })), [{ id: 1, v: 'é' }, { id: 2, v: null }]);
    const [gtid] = await server.sql(undefined, 'SELECT @@gtid_binlog_pos AS pos');
    assert.match(gtid.pos, /^0-\d+-3$/);

    // Root needs its password; a less-privileged user can be created and is limited.
    await assert.rejects(mysql.createConnection({ host: server.host, port: server.port, user: 'root', password: 'wrong' }), { code: 'ER_ACCESS_DENIED_ERROR' });
    await server.sql(undefined, "CREATE USER 'reader'@'%' IDENTIFIED BY 'r-pw'; GRANT SELECT ON shop.* TO 'reader'@'%'");
    const reader = await mysql.createConnection({ host: server.host, port: server.port, user: 'reader', password: 'r-pw', database: 'shop' });
    try {
      const [count] = await reader.query<any[]>('SELECT count(*) AS n FROM t');
      assert.equal(count[0].n, 2);
      await assert.rejects(reader.query('DELETE FROM t'), { code: 'ER_TABLEACCESS_DENIED_ERROR' });
    } finally {
      await reader.end();
    }
  } finally {
    await server.stop();
  }
  assert.equal(existsSync(server.dir), false);
});

test('settings override the defaults: statement binlog, or no binlog at all', async () => {
  const [statement, none] = await Promise.all([startMariaDb({ binlog_format: 'STATEMENT' }), startMariaDb({ 'log-bin': null })]);
  try {
    const [a] = await statement.sql(undefined, 'SELECT @@binlog_format AS f, @@log_bin AS b');
    assert.deepEqual({ ...a }, { f: 'STATEMENT', b: 1 });
    const [b] = await none.sql(undefined, 'SELECT @@log_bin AS b');
    assert.equal(b.b, 0);
  } finally {
    await Promise.all([statement.stop(), none.stop()]);
  }
});
