/**
 * The fall-back writer into a real MariaDB 10.11 where a value or a key of the target's change is
 * one the source refused before: FLOAT's extremes as PostgreSQL prints a real; a TIMESTAMP beyond
 * 2038, then the column changed to DATETIME as the hint says; a key a case-insensitive collation
 * makes a duplicate, then the column made binary as the hint says. Values are the text PostgreSQL
 * 15 prints (in a +05:30 session).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startMariaDb, type MariaDbServer } from '../../helpers/mariadb-server.js';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { connectMySql, type MySqlDbConfig } from '../../../src/adapters/mysql/connection.js';
import { readMySqlCatalog } from '../../../src/adapters/mysql/catalog.js';
import { MySqlChangeTarget } from '../../../src/adapters/mysql/writer/mysql-change-target.js';
import type { ChangeEvent } from '../../../src/core/change-event.js';
import type { TableInfo } from '../../../src/core/engine/catalog.js';
import { TandemError } from '../../../src/core/errors.js';
import { ActingWhileWriting } from '../../../src/core/engine/write-guard.js';

const UUID = '0b8c1f7e-2a3d-4e5f-8a9b-0c1d2e3f4a5b';
let maria: MariaDbServer;
let pgServer: PgServer;
let target: pg.Client;
let vsn = 0;

const config = (): MySqlDbConfig => ({
  role: 'source', type: 'mysql', host: maria.host, port: maria.port, user: maria.user, password: maria.password, database: 'shop', schemas: [], sslMode: 'disable',
});

const DDL = `
CREATE TABLE floats (id int NOT NULL PRIMARY KEY, f float, fu float unsigned, d double);
CREATE TABLE stamps (id int NOT NULL PRIMARY KEY, ts timestamp(6) NULL);
CREATE TABLE ci_pk (k varchar(20) COLLATE utf8mb4_general_ci NOT NULL PRIMARY KEY, v int);
CREATE TABLE codes (id int NOT NULL PRIMARY KEY, code int NOT NULL, UNIQUE KEY code_u (code));
CREATE TABLE watched (id int NOT NULL PRIMARY KEY, v int);
CREATE TABLE audit (n int NOT NULL AUTO_INCREMENT PRIMARY KEY, what varchar(40));
`;

async function writer(tables: string[]): Promise<MySqlChangeTarget> {
  const s = await connectMySql(config());
  try {
    const catalog = await readMySqlCatalog(s.connection, s.server, 'shop');
    const infos: TableInfo[] = tables.map((name) => {
      const t = catalog.tables.find((x) => x.name === name)!;
      return { schema: 'public', name, columns: t.columns.map((c) => c.name), primaryKey: t.primaryKey, estimatedRows: 0, estimatedBytes: 0 };
    });
    const w = new MySqlChangeTarget(config(), { tables: infos, onWarning: () => {} });
    await w.prepare(UUID, 1);
    return w;
  } finally {
    await s.connection.end();
  }
}

const ev = (op: ChangeEvent['op'], table: string, key: Record<string, string | null>, after?: Record<string, string | null>): ChangeEvent =>
  ({ vsn: ++vsn, op, schema: 'public', table, key, ...(after ? { after } : {}), position: '', txId: `tx${vsn}` });

/** PostgreSQL's text of each expression, as the target's change capture carries it. */
async function pgText(...expressions: string[]): Promise<string[]> {
  const r = await target.query({ text: `SELECT ${expressions.join(', ')}`, rowMode: 'array' });
  return r.rows[0] as string[];
}

/** The TandemError a batch fails with. */
async function refusal(w: MySqlChangeTarget, events: ChangeEvent[]): Promise<TandemError> {
  const e = await w.applyBatch(0, events).then(() => undefined, (x: unknown) => x);
  assert.ok(e instanceof TandemError && e.code === 'TANDEM_DATA', String(e));
  return e;
}

before(async () => {
  [maria, pgServer] = await Promise.all([startMariaDb(), startPg15()]);
  await maria.createDatabase('shop');
  await maria.sql('shop', DDL);
  target = new pg.Client({ host: pgServer.host, port: pgServer.port, user: pgServer.user, password: pgServer.password, database: 'postgres' });
  await target.connect();
  await target.query("SET TimeZone = 'Asia/Kolkata'");
});

after(async () => {
  await target?.end();
  await Promise.all([maria?.stop(), pgServer?.stop()]);
});

test('FLOAT: every real PostgreSQL prints goes back as the same float (FLT_MAX, -FLT_MAX, the smallest subnormal, 0.1, -0), in inserts and updates', async () => {
  const reals = await pgText("'3.4028235e38'::real::text", "'-3.4028235e38'::real::text", "'1.4e-45'::real::text", "'0.1'::real::text", "'-0'::real::text", "'1.17549435e-38'::real::text");
  assert.deepEqual(reals, ['3.4028235e+38', '-3.4028235e+38', '1e-45', '0.1', '-0', '1.1754944e-38']);
  const w = await writer(['floats']);
  try {
    await w.applyBatch(0, reals.map((f, i) => ev('c', 'floats', { id: String(i + 1) }, { id: String(i + 1), f, fu: null, d: '1.7976931348623157e+308' })));
    // A row holding FLT_MAX whose other column changes: the update carries every column.
    await w.applyBatch(0, [ev('u', 'floats', { id: '1' }, { f: reals[0]!, fu: reals[0]!, d: '5e-324' })]);
  } finally {
    await w.close();
  }
  const rows = await maria.sql('shop', 'SELECT id, CAST(f AS DOUBLE) AS f, CAST(fu AS DOUBLE) AS fu, d FROM floats ORDER BY id');
  assert.deepEqual(rows.map((r) => [r.id, r.f, r.fu, r.d]), [
    [1, 3.4028234663852886e38, 3.4028234663852886e38, 5e-324],
    [2, -3.4028234663852886e38, null, 1.7976931348623157e308],
    [3, 1.401298464324817e-45, null, 1.7976931348623157e308],
    [4, 0.10000000149011612, null, 1.7976931348623157e308],
    [5, 0, null, 1.7976931348623157e308],
    [6, 1.1754943508222875e-38, null, 1.7976931348623157e308],
  ]);
});

test('a FLOAT the source column refuses (negative into FLOAT UNSIGNED): the hint names the column as a FLOAT, not integers or DECIMAL, and says what widening to DOUBLE does to existing values', async () => {
  const w = await writer(['floats']);
  try {
    const [negative] = await pgText("'-2.5'::real::text");
    const e = await refusal(w, [ev('u', 'floats', { id: '2' }, { fu: negative! })]);
    assert.match(e.message, /MySQL error 1264 \(ER_WARN_DATA_OUT_OF_RANGE\)\.$/);
    assert.match(e.hint ?? '', /^A floating-point number written on the target is outside what column `fu` of the source's table, a FLOAT, can hold \(Out of range value\): a negative number in an UNSIGNED column/);
    assert.match(e.hint ?? '', /converts the column's existing FLOAT values through their 6-digit text, rounding them to 6 significant digits/);
    assert.doesNotMatch(e.hint ?? '', /integer|DECIMAL|2\.5/);
  } finally {
    await w.close();
  }
});

test('a TIMESTAMP after 2038: the hint names the column and TIMESTAMP\'s range; after the column is made DATETIME as it says, the rerun writes the same UTC time, microseconds kept, and the existing rows keep theirs', async () => {
  await maria.sql('shop', "SET time_zone = '+00:00'; INSERT INTO stamps VALUES (1, '2030-06-01 12:00:00.5'), (2, '2038-01-19 03:14:07.999999')");
  const [late, early] = await pgText("'2040-01-01 00:00:00.123456+00'::timestamptz::text", "'1999-12-31 23:59:59.000001+00'::timestamptz::text");
  assert.deepEqual([late, early], ['2040-01-01 05:30:00.123456+05:30', '2000-01-01 05:29:59.000001+05:30']);
  const batch = [ev('u', 'stamps', { id: '1' }, { ts: late! }), ev('c', 'stamps', { id: '3' }, { id: '3', ts: early! })];
  let w = await writer(['stamps']);
  try {
    const e = await refusal(w, batch);
    assert.match(e.message, /MySQL error 1292 \(ER_TRUNCATED_WRONG_VALUE\)\.$/);
    assert.match(e.hint ?? '', /^A time written on the target is outside what column `ts` of the source's table, a TIMESTAMP, can hold \(Incorrect datetime value\): MySQL's TIMESTAMP range is 1970-01-01 00:00:01 to 2038-01-19 03:14:07 UTC; a DATETIME holds later values/);
    assert.match(e.hint ?? '', /SET time_zone = '\+00:00'; ALTER TABLE `stamps` MODIFY `ts` DATETIME\(6\) …\), then run import data to source again/);
    assert.doesNotMatch(`${e.message} ${e.hint}`, /2040/);
  } finally {
    await w.close();
  }
  await maria.sql('shop', "SET time_zone = '+00:00'; ALTER TABLE stamps MODIFY ts DATETIME(6) NULL");
  w = await writer(['stamps']);
  try {
    await w.applyBatch(0, batch);
  } finally {
    await w.close();
  }
  const rows = await maria.sql('shop', "SELECT id, DATE_FORMAT(ts, '%Y-%m-%d %H:%i:%s.%f') AS ts FROM stamps ORDER BY id");
  assert.deepEqual(rows.map((r) => [r.id, r.ts]), [[1, '2040-01-01 00:00:00.123456'], [2, '2038-01-19 03:14:07.999999'], [3, '1999-12-31 23:59:59.000001']]);
});

test('a key the source\'s case-insensitive collation makes a duplicate: the hint names the key, its column and collation, and the binary collation after which the rerun writes both rows; a plain unique key: named, no collation', async () => {
  await maria.sql('shop', "INSERT INTO ci_pk VALUES ('abc', 1); INSERT INTO codes VALUES (1, 100)");
  const batch = [ev('c', 'ci_pk', { k: 'ABC' }, { k: 'ABC', v: '99' })];
  let w = await writer(['ci_pk', 'codes']);
  try {
    const e = await refusal(w, batch);
    assert.equal(w.isKeyConflict(e), true);
    assert.match(e.message, /MySQL error 1062 \(ER_DUP_ENTRY\)\.$/);
    assert.match(e.hint ?? '', /^A row written on the target has the same value in key `PRIMARY` \(`k`\) of the source's table `ci_pk` as a row already on the source \(Duplicate entry\)\. `k` compares with utf8mb4_general_ci on the source \(case-insensitive, PAD SPACE\): the target's key told apart values that the source's collation treats as equal/);
    assert.match(e.hint ?? '', /ALTER TABLE `ci_pk` MODIFY `k` <its type as in SHOW CREATE TABLE> COLLATE utf8mb4_bin \(utf8mb4_nopad_bin to tell 'a' from 'a ' as well/);
    assert.doesNotMatch(`${e.message} ${e.hint}`, /ABC|abc/);
    const plain = await refusal(w, [ev('c', 'codes', { id: '2' }, { id: '2', code: '100' })]);
    assert.match(plain.hint ?? '', /^A row written on the target has the same value in key `code_u` \(`code`\) of the source's table `codes` as a row already on the source \(Duplicate entry\)\. The target lacks this key, or a row only the source has holds the value/);
    assert.doesNotMatch(plain.hint ?? '', /collation|100/);
  } finally {
    await w.close();
  }
  await maria.sql('shop', 'ALTER TABLE ci_pk MODIFY k varchar(20) COLLATE utf8mb4_bin NOT NULL');
  w = await writer(['ci_pk']);
  try {
    await w.applyBatch(0, batch);
  } finally {
    await w.close();
  }
  assert.deepEqual((await maria.sql('shop', 'SELECT k, v FROM ci_pk ORDER BY k')).map((r) => [r.k, r.v]), [['ABC', 99], ['abc', 1]]);
});

test('a trigger created on a written table while the fall-back writes: the batch that meets it is rolled back and the writer stops naming it with its DROP (inserts in one trip, updates after the found-rows check); dropped, the same batches apply and it never fired (measured before: it fired for every row written until the workflow\'s look every 5 s found it)', async () => {
  const w = await writer(['watched']);
  try {
    await w.applyBatch(0, [ev('c', 'watched', { id: '1' }, { id: '1', v: '1' })]);
    const batches: [string, ChangeEvent[], { id: number; v: number }[]][] = [
      ['CREATE TRIGGER watched_ai AFTER INSERT ON watched FOR EACH ROW INSERT INTO audit (what) VALUES (CONCAT(\'insert \', NEW.id))',
        [ev('c', 'watched', { id: '2' }, { id: '2', v: '2' }), ev('c', 'watched', { id: '3' }, { id: '3', v: '3' })], [{ id: 1, v: 1 }]],
      ['CREATE TRIGGER watched_bu BEFORE UPDATE ON watched FOR EACH ROW SET NEW.v = NEW.v * 100',
        [ev('u', 'watched', { id: '1' }, { id: '1', v: '7' })], [{ id: 1, v: 1 }, { id: 2, v: 2 }, { id: 3, v: 3 }]],
    ];
    for (const [create, batch, before] of batches) {
      await maria.sql('shop', create);
      const name = /TRIGGER (\w+)/.exec(create)![1]!;
      const e = await w.applyBatch(0, batch).then(() => undefined, (x: unknown) => x);
      assert.ok(e instanceof ActingWhileWriting, String(e));
      assert.equal(e.code, 'TANDEM_PREREQUISITE');
      assert.match(e.what.join(' '), new RegExp(`trigger on shop\\.watched: \\w+ \\w+ trigger ${name}`));
      assert.match(e.message, /created on .* while Tandem was writing there.*The transaction that met them was rolled back, so nothing of it was written/);
      assert.ok(e.hint!.includes(`DROP TRIGGER \`shop\`.\`${name}\`;`), e.hint);
      assert.deepEqual(await maria.sql('shop', 'SELECT id, v FROM watched ORDER BY id'), before, `${name}: nothing of the batch was written`);
      assert.deepEqual(await maria.sql('shop', 'SELECT count(*) AS n FROM audit'), [{ n: 0 }]);
      await maria.sql('shop', `DROP TRIGGER ${name}`);
      await w.applyBatch(0, batch);
    }
  } finally {
    await w.close();
  }
  assert.deepEqual(await maria.sql('shop', 'SELECT id, v FROM watched ORDER BY id'), [{ id: 1, v: 7 }, { id: 2, v: 2 }, { id: 3, v: 3 }]);
  assert.deepEqual(await maria.sql('shop', 'SELECT count(*) AS n FROM audit'), [{ n: 0 }], 'no trigger ever fired for a written row');
});
