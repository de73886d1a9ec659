/**
 * The MySQL snapshot against a real MariaDB 10.11 and PostgreSQL 15: the every-type fixture exported
 * through the snapshot readers into files and loaded with the importer's code path (`loadBatch`)
 * into a table created from the converted DDL, equal to what the general converters load; part
 * files and row indexes of a bigger table; and the consistent point under concurrent writers
 * (several readers; without a lock, with LOCK TABLES, with FLUSH TABLES WITH READ LOCK, with one
 * reader when neither is granted): snapshot + binlog events after its position = the final state.
 */
import { mysqlTableInfos } from '../../../src/adapters/mysql/mysql-table-info.js';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { startMariaDb, type MariaDbServer } from '../../helpers/mariadb-server.js';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { connectMySql, type MySqlDbConfig } from '../../../src/adapters/mysql/connection.js';
import { readMySqlCatalog, mysqlIdent } from '../../../src/adapters/mysql/catalog.js';
import type { MySqlCatalog } from '../../../src/adapters/mysql/catalog-types.js';
import { convertMySqlSchema, generatedOnTarget } from '../../../src/adapters/mysql/schema/convert-schema.js';
import { mysqlSelectExpression, valueTypeOf } from '../../../src/adapters/mysql/schema/type-map.js';
import { mysqlRowToCopyText } from '../../../src/adapters/mysql/values/copy-text-row.js';
import { MySqlSnapshotSource } from '../../../src/adapters/mysql/snapshot/mysql-snapshot-source.js';
import { openMySqlSnapshot, type MySqlSnapshotSession } from '../../../src/adapters/mysql/snapshot/consistent-snapshot.js';
import type { TableInfo } from '../../../src/core/engine/catalog.js';
import { TandemError } from '../../../src/core/errors.js';
import { EVERY_TYPE_DDL, EVERY_TYPE_ROWS } from './every-type-fixture.js';
import { exportChunks, loadParts } from './snapshot-kit.js';

let maria: MariaDbServer;
let pgServer: PgServer;
let target: pg.Client;
let catalog: MySqlCatalog;
let dir: string;

const textTypes = { getTypeParser: () => (v: string) => v } as unknown as pg.CustomTypesConfig;
const config = (over: Partial<MySqlDbConfig> = {}): MySqlDbConfig => ({
  role: 'source', type: 'mysql', host: maria.host, port: maria.port, user: maria.user, password: maria.password,
  database: 'shop', schemas: [], sslMode: 'disable', ...over,
});

function tableInfo(name: string, over: Partial<TableInfo> = {}): TableInfo {
  const t = catalog.tables.find((x) => x.name === name)!;
  const skip = generatedOnTarget(catalog, t);
  return { schema: 'public', name, columns: t.columns.filter((c) => !skip.includes(c.name)).map((c) => c.name), primaryKey: t.primaryKey, estimatedRows: 0, estimatedBytes: 0, ...over };
}

before(async () => {
  [maria, pgServer] = await Promise.all([startMariaDb({ 'max-allowed-packet': '64M' }), startPg15()]);
  await maria.createDatabase('shop');
  await maria.sql('shop', EVERY_TYPE_DDL + EVERY_TYPE_ROWS);
  await maria.sql('shop', `CREATE TABLE big (id int NOT NULL PRIMARY KEY, grp int, note varchar(40));
    INSERT INTO big SELECT seq, seq % 7, IF(seq % 5 = 0, NULL, CONCAT('n', seq, IF(seq % 3 = 0, '\\t\\\\', ''))) FROM seq_1_to_30000;
    CREATE TABLE acct (id int NOT NULL PRIMARY KEY, v int NOT NULL);
    INSERT INTO acct SELECT seq, 0 FROM seq_1_to_2000;
    CREATE TABLE other (id int AUTO_INCREMENT PRIMARY KEY, x int)`);
  await pgServer.createDatabase('target');
  const s = await connectMySql(config());
  try {
    catalog = await readMySqlCatalog(s.connection, s.server, 'shop');
  } finally {
    await s.connection.end();
  }
  target = new pg.Client({ host: pgServer.host, port: pgServer.port, user: pgServer.user, password: pgServer.password, database: 'target', types: textTypes });
  await target.connect();
  for (const o of convertMySqlSchema(catalog).objects) await target.query(o.sql);
  dir = mkdtempSync(join(tmpdir(), 'tandem-mysql-snapshot-'));
});

after(async () => {
  await target?.end();
  if (dir) rmSync(dir, { recursive: true, force: true });
  await Promise.all([maria?.stop(), pgServer?.stop()]);
});

function freshDir(name: string): string {
  return mkdtempSync(join(dir, `${name}-`));
}

test('every type: snapshot files loaded by the importer hold exactly what the general converters load (NULL vs \'\', unsigned maxima, 65 digits, microseconds, multi-byte text, bytes)', async () => {
  const info = tableInfo('every_type');
  const source = new MySqlSnapshotSource(config());
  const chunks = await source.planChunks([info], 2);
  const session = await source.open([info], 2);
  let parts;
  try {
    assert.equal(session.readers.length, 2);
    parts = await exportChunks(session.readers, chunks, freshDir('every'));
  } finally {
    await session.close();
  }
  assert.equal(await loadParts(target, parts, 'public'), 6);
  // The same rows through mysql2's row parser and the general converters, into a copy of the table.
  await target.query('CREATE TABLE public.every_type_general (LIKE public.every_type)');
  const t = catalog.tables.find((x) => x.name === 'every_type')!;
  const cols = info.columns.map((n) => t.columns.find((c) => c.name === n)!);
  const s = await connectMySql(config());
  try {
    const [rows] = await s.connection.query({ sql: `SELECT ${cols.map((c) => mysqlSelectExpression(c, mysqlIdent(c.name))).join(', ')} FROM every_type`, rowsAsArray: true });
    const types = cols.map((c) => valueTypeOf('every_type', c, 'mariadb'));
    const copy = target.query(copyFrom(`COPY public.every_type_general (${info.columns.map((c) => `"${c}"`).join(', ')}) FROM STDIN`));
    await pipeline(Readable.from((rows as (string | Buffer | null)[][]).map((r) => mysqlRowToCopyText(r, types))), copy);
  } finally {
    await s.connection.end();
  }
  const colList = info.columns.map((c) => `"${c}"::text`).join(', ');
  const diff = await target.query(`(SELECT ${colList} FROM public.every_type EXCEPT ALL SELECT ${colList} FROM public.every_type_general)
    UNION ALL (SELECT ${colList} FROM public.every_type_general EXCEPT ALL SELECT ${colList} FROM public.every_type)`);
  assert.equal(diff.rows.length, 0);
  // And the literal values at the edges.
  await target.query("SET TimeZone = 'UTC'");
  const { rows } = await target.query(`SELECT id, biu, dec65, tm6, dtm6, ts3, vc, ch, tx, lt, lat, bn, vb, b10, y, e, st, j
    FROM public.every_type ORDER BY id`);
  const byId = new Map(rows.map((r) => [r.id, r]));
  assert.deepEqual({ ...byId.get('4') }, {
    id: '4', biu: '18446744073709551615', dec65: '99999999999999999999999999999999999.999999999999999999999999999999', tm6: '838:59:59.999999',
    dtm6: '9999-12-31 23:59:59.999999', ts3: '2038-01-19 03:14:07.999+00', vc: 'z'.repeat(255), ch: 'zzzzzzzzzz', tx: 'z'.repeat(1000),
    lt: 'z'.repeat(3000), lat: 'zzz', bn: '\\xffffffff', vb: '\\xffffffffffffffffffffffffffffffff', b10: '1111111111', y: '2155', e: 'large', st: 'a,b,c', j: '{"z": 1}',
  });
  const odd = byId.get('5')!;
  assert.equal(odd.tx, 'tab\there\nnew line\\back\rcr');
  assert.equal(odd.lt, '\\N not null');
  assert.equal(odd.tm6, '-00:00:00.000001');
  assert.equal(odd.dtm6, '2024-02-29 12:34:56.000001');
  assert.equal(odd.lat, 'café');
  const empty = byId.get('6')!;
  assert.deepEqual([empty.vc, empty.tx, empty.vb, empty.y, empty.st], ['', '', '\\x', '0', '']);
  assert.equal(byId.get('2')!.e, '');
  const nulls = await target.query('SELECT * FROM public.every_type WHERE id = 1');
  assert.deepEqual(Object.entries(nulls.rows[0]).filter(([k, v]) => k !== 'id' && v !== null), []);
});

test('a big table: key ranges for two readers, parts of the asked size with row indexes, every row loaded once', async () => {
  const info = tableInfo('big', { estimatedRows: 2_000_000, estimatedBytes: 0 });
  const source = new MySqlSnapshotSource(config());
  const chunks = await source.planChunks([info], 2);
  assert.deepEqual(chunks.map((c) => c.range), [{ column: 'id', to: '15001' }, { column: 'id', from: '15001' }]);
  const session = await source.open([info], 2);
  let parts;
  try {
    parts = await exportChunks(session.readers, chunks, freshDir('big'), { partBytes: (n) => 100_000 * (n + 1) });
  } finally {
    await session.close();
  }
  const perChunk = new Map<number, number[]>();
  for (const p of parts) perChunk.set(p.chunk.chunkNo, [...(perChunk.get(p.chunk.chunkNo) ?? []), p.rows]);
  assert.equal([...perChunk.values()].flat().reduce((a, b) => a + b, 0), 30000);
  for (const p of parts) {
    assert.equal(readFileSync(p.path).length, p.bytes);
    assert.equal(p.rowIndex.reduce((n, e) => n + e[2], 0), p.rows);
    assert.equal(p.rowIndex[p.rowIndex.length - 1]![1], p.bytes);
  }
  // Part n ends at the first row past 100000 × (n + 1) bytes.
  const firstParts = parts.filter((p) => p.partNo === 0);
  assert.equal(firstParts.length, 2);
  for (const p of firstParts) assert.ok(p.bytes >= 100_000 && p.bytes < 100_100, `part 0 has ${p.bytes} bytes`);
  assert.equal(await loadParts(target, parts, 'public'), 30000);
  const check = await target.query(`SELECT count(*) AS n, count(DISTINCT id) AS d, sum(id) AS s, count(note) AS notes,
    sum(CASE WHEN note LIKE E'%\\t\\\\\\\\' THEN 1 ELSE 0 END) AS escaped FROM public.big`);
  assert.deepEqual({ ...check.rows[0] }, { n: '30000', d: '30000', s: '450015000', notes: '24000', escaped: '8000' });
});

// ---- the consistent point ----

type Op = { kind: 'insert' | 'update' | 'delete'; id: number };
let nextId = 100_000;
/** Every change to acct made by a test, by GTID. */
const allOps = new Map<string, Op>();

/** Writers that change acct until stopped; each committed statement's GTID → what it did. */
function startWriters(count: number): { ops: Map<string, Op>; stop: () => Promise<void> } {
  const ops = allOps;
  let stopping = false;
  const loops = Array.from({ length: count }, async (_, w) => {
    const c = await maria.connect('shop');
    try {
      let k = 0;
      while (!stopping) {
        k++;
        const roll = (k * 7 + w * 13) % 10;
        let op: Op;
        let sql: string;
        if (roll < 5) {
          op = { kind: 'update', id: 1 + ((k * 37 + w * 101) % 1990) };
          sql = `UPDATE acct SET v = v + 1 WHERE id = ${op.id}`;
        } else if (roll < 8) {
          op = { kind: 'insert', id: nextId++ };
          sql = `INSERT INTO acct VALUES (${op.id}, 0)`;
        } else {
          op = { kind: 'delete', id: 1 + ((k * 53 + w * 7) % 1990) }; // rows above 1990 stay for the hooks
          sql = `DELETE FROM acct WHERE id = ${op.id}`;
        }
        const [r] = await c.query(sql);
        if ((r as { affectedRows: number }).affectedRows === 0) continue;
        const [g] = await c.query('SELECT @@last_gtid AS g');
        ops.set(String((g as { g: string }[])[0]!.g), op);
      }
    } finally {
      await c.end();
    }
  });
  return {
    ops,
    async stop() {
      stopping = true;
      await Promise.all(loops);
    },
  };
}

/** GTIDs of the transactions the binlog holds at or after file:offset, in order (SHOW BINLOG EVENTS). */
async function gtidsAfter(file: string, offset: number): Promise<string[]> {
  const files = (await maria.sql(undefined, 'SHOW BINARY LOGS')).map((r) => String(r.Log_name)).filter((f) => f >= file).sort();
  const out: string[] = [];
  for (const f of files) {
    const events = await maria.sql(undefined, `SHOW BINLOG EVENTS IN '${f}'${f === file ? ` FROM ${offset}` : ''}`);
    for (const e of events) {
      const m = /^BEGIN GTID (\d+-\d+-\d+)/.exec(String(e.Info));
      if (e.Event_type === 'Gtid' && m) out.push(m[1]!);
    }
  }
  return out;
}

/** The GTID of the last transaction the binlog holds before file:offset. */
async function lastGtidBefore(file: string, offset: number): Promise<string> {
  const files = (await maria.sql(undefined, 'SHOW BINARY LOGS')).map((r) => String(r.Log_name)).filter((f) => f <= file).sort();
  let last = '';
  for (const f of files) {
    for (const e of await maria.sql(undefined, `SHOW BINLOG EVENTS IN '${f}'`)) {
      const m = /^BEGIN GTID (\d+-\d+-\d+)/.exec(String(e.Info));
      if (e.Event_type === 'Gtid' && m && (f < file || Number(e.Pos) < offset)) last = m[1]!;
    }
  }
  return last;
}

/** acct as the snapshot files hold it. */
function stateFromFiles(paths: string[]): Map<number, number> {
  const state = new Map<number, number>();
  for (const p of paths) {
    const b = readFileSync(p);
    for (let i = 0; i < b.length;) {
      const len = b.readUInt32BE(i + 1);
      const [id, v] = b.toString('utf8', i + 5, i + 1 + len - 1).split('\t').map(Number);
      assert.ok(!state.has(id!), `row ${id} twice in the snapshot`);
      state.set(id!, v!);
      i += 1 + len;
    }
  }
  return state;
}

/**
 * Opens a snapshot of acct with `jobs` readers while writers run, exports it, stops the writers,
 * and checks: snapshot rows + every binlog transaction after the position, replayed in binlog order,
 * = the table now; the position's GTID is that of the last transaction before it.
 */
async function checkConsistentPoint(jobs: number, open: (tables: TableInfo[]) => Promise<MySqlSnapshotSession>): Promise<MySqlSnapshotSession> {
  const info = tableInfo('acct', { estimatedRows: 5_000_000, estimatedBytes: 0 });
  const writers = startWriters(3);
  await new Promise((r) => setTimeout(r, 150));
  let session: MySqlSnapshotSession | undefined;
  let paths: string[];
  try {
    session = await open([info]);
    const chunks = await new MySqlSnapshotSource(config()).planChunks([info], jobs);
    assert.equal(chunks.length, jobs);
    const parts = await exportChunks(session.readers, chunks, freshDir('acct'));
    paths = parts.map((p) => p.path);
    await new Promise((r) => setTimeout(r, 150));
  } finally {
    await writers.stop();
    await session?.close();
  }
  const position = session!.position!;
  assert.ok(position, 'a binlog position');
  assert.ok(writers.ops.size > 20, `the writers committed ${writers.ops.size} changes`);
  const state = stateFromFiles(paths);
  const after = await gtidsAfter(position.file, position.offset);
  const applied = after.filter((g) => writers.ops.has(g));
  assert.deepEqual(after.filter((g) => !writers.ops.has(g)), [], 'only the writers committed after the snapshot');
  assert.ok(applied.length > 0, 'some writes came after the snapshot');
  for (const g of applied) {
    const op = writers.ops.get(g)!;
    if (op.kind === 'insert') {
      assert.ok(!state.has(op.id), `insert ${op.id} (${g}) is in the snapshot already: overlap`);
      state.set(op.id, 0);
    } else {
      assert.ok(state.has(op.id), `${op.kind} ${op.id} (${g}) finds no row: gap`);
      if (op.kind === 'update') state.set(op.id, state.get(op.id)! + 1);
      else state.delete(op.id);
    }
  }
  const final = await maria.sql('shop', 'SELECT id, v FROM acct');
  assert.deepEqual(new Map(final.map((r) => [Number(r.id), Number(r.v)])), state);
  // The GTID state of the point is that of the last transaction before it.
  assert.equal(position.gtid?.text, await lastGtidBefore(position.file, position.offset));
  assert.equal(position.gtid?.flavor, 'mariadb');
  return session!;
}

test('the consistent point under concurrent writers, three readers (whichever way MariaDB gets there): snapshot + binlog after it = final state', async () => {
  const session = await checkConsistentPoint(3, (tables) => openMySqlSnapshot(config(), tables, 3, { requirePosition: true }));
  assert.ok(['consistent-snapshot', 'lock-tables'].includes(session.method), session.method);
  assert.match(session.description, /^binlog binlog\.\d+:\d+ \(GTID 0-\d+-\d+\); 3 readers /);
});

test('forced mismatch: a commit between the readers\' snapshots in every lock-free attempt falls back to LOCK TABLES … READ, and the point still holds', async () => {
  const attempts: number[] = [];
  const session = await checkConsistentPoint(2, (tables) => openMySqlSnapshot(config(), tables, 2, {
    requirePosition: true,
    beforeSnapshot: async (reader, attempt) => {
      if (reader !== 1) return;
      attempts.push(attempt);
      // Change a row of the second range (reader 1's chunk) before reader 1 opens its snapshot: had the
      // readers been taken as one point, that change would be both in the snapshot and after it.
      const c = await maria.connect('shop');
      try {
        const [r] = await c.query('UPDATE acct SET v = v + 1 WHERE id = 1999');
        assert.equal((r as { affectedRows: number }).affectedRows, 1);
        const [g] = await c.query('SELECT @@last_gtid AS g');
        allOps.set(String((g as { g: string }[])[0]!.g), { kind: 'update', id: 1999 });
      } finally {
        await c.end();
      }
    },
  }));
  assert.deepEqual(attempts, [0, 1, 2]);
  assert.equal(session.method, 'lock-tables');
  assert.match(session.description, /; 2 readers opened their snapshots under LOCK TABLES … READ on 1 table, held \d+ ms \(waited \d+ ms for it\)$/);
});

test('privileges: without LOCK TABLES, FLUSH TABLES WITH READ LOCK (RELOAD); without either, one reader and no lock', async () => {
  await maria.sql(undefined, `CREATE USER reader_reload@'%' IDENTIFIED BY 'pw1'; GRANT SELECT ON shop.* TO reader_reload@'%'; GRANT RELOAD ON *.* TO reader_reload@'%';
    CREATE USER reader_plain@'%' IDENTIFIED BY 'pw2'; GRANT SELECT ON shop.* TO reader_plain@'%'`);
  const ftwrl = await checkConsistentPoint(2, (tables) => openMySqlSnapshot(config({ user: 'reader_reload', password: 'pw1' }), tables, 2, { requirePosition: true, lock: 'always' }));
  assert.equal(ftwrl.method, 'flush-tables-with-read-lock');
  assert.match(ftwrl.description, /under FLUSH TABLES WITH READ LOCK, held \d+ ms/);
  const single = await openMySqlSnapshot(config({ user: 'reader_plain', password: 'pw2' }), [tableInfo('acct')], 3, { requirePosition: true, lock: 'always' });
  try {
    assert.equal(single.method, 'single-reader');
    assert.equal(single.readers.length, 1);
    assert.match(single.description, /; 1 reader at a consistent snapshot, no lock \(MariaDB; 3 asked for, but several readers need LOCK TABLES or RELOAD to share one point\)$/);
  } finally {
    await single.close();
  }
});

test('a table that is not there is refused before any snapshot opens', async () => {
  await assert.rejects(openMySqlSnapshot(config(), [tableInfo('acct'), { ...tableInfo('acct'), name: 'nope' }], 2),
    (e: TandemError) => e instanceof TandemError && e.code === 'TANDEM_UNKNOWN_TABLE' && e.message === 'nope is not a table of shop.');
});

test('a row of 17 MB arrives in several packets and is joined; a value PostgreSQL cannot hold stops the chunk with TANDEM_DATA, nothing reported', async () => {
  await maria.sql('shop', `CREATE TABLE wide (id int PRIMARY KEY, b longblob, t longtext);
    INSERT INTO wide VALUES (1, REPEAT('x', 17825792), 'a'), (2, 'y', REPEAT('\\\\', 9000000)), (3, NULL, 'z')`);
  const info: TableInfo = { schema: 'public', name: 'wide', columns: ['id', 'b', 't'], primaryKey: ['id'], estimatedRows: 3, estimatedBytes: 0 };
  const source = new MySqlSnapshotSource(config());
  const session = await source.open([info], 1);
  try {
    const [chunk] = await source.planChunks([info], 1);
    const parts = await exportChunks(session.readers, [chunk!], freshDir('wide'));
    assert.deepEqual(parts.sort((x, y) => x.partNo - y.partNo).map((p) => p.rows), [1, 1, 1]); // each big row ends its part (4 MB, 8 MB)
    const b = Buffer.concat(parts.sort((x, y) => x.partNo - y.partNo).map((p) => readFileSync(p.path)));
    const rows: string[] = [];
    for (let i = 0; i < b.length;) {
      const len = b.readUInt32BE(i + 1);
      rows.push(b.toString('utf8', i + 5, i + 1 + len));
      i += 1 + len;
    }
    assert.equal(rows.length, 3);
    assert.equal(rows[0]!.length, 2 + 3 + 17825792 * 2 + 3); // 1, tab, backslash backslash x, the hex, tab, a, newline
    assert.ok(rows[0]!.startsWith(`1\t\\\\x${'78'.repeat(10)}`) && rows[0]!.endsWith('78\ta\n'));
    assert.equal(rows[1], `2\t\\\\x79\t${'\\\\'.repeat(9000000)}\n`);
    assert.equal(rows[2], '3\t\\N\tz\n');
  } finally {
    await session.close();
  }
  await maria.sql('shop', "CREATE TABLE nul (id int PRIMARY KEY, t varchar(10)); INSERT INTO nul SELECT seq, 'ok' FROM seq_1_to_50000; UPDATE nul SET t = CONCAT('a', CHAR(0), 'b') WHERE id = 40000");
  const nulInfo: TableInfo = { schema: 'public', name: 'nul', columns: ['id', 't'], primaryKey: ['id'], estimatedRows: 0, estimatedBytes: 0 };
  const s2 = await new MySqlSnapshotSource(config()).open([nulInfo], 1);
  const reported: number[] = [];
  try {
    const [chunk] = await new MySqlSnapshotSource(config()).planChunks([nulInfo], 1);
    await assert.rejects(exportChunks(s2.readers, [chunk!], freshDir('nul'), { partBytes: 1 << 30, onPart: (p) => reported.push(p.partNo) }),
      (e: TandemError) => e instanceof TandemError && e.code === 'TANDEM_DATA' && e.message.startsWith('nul.t: a value holds a NUL character'));
    assert.deepEqual(reported, []);
  } finally {
    await s2.close();
  }
});

test('a generated column the target cannot compute for a loaded row (a MariaDB VIRTUAL column never stored it): TANDEM_DATA names the column, its expression, and the way on; nothing of the batch stays', async () => {
  // sql_mode '': MariaDB takes the row; it computes the VIRTUAL column only when read (and clamps it there).
  await maria.sql('shop', "CREATE TABLE gv (id int PRIMARY KEY, n int, v tinyint AS (n * 1000) VIRTUAL); SET SESSION sql_mode = ''; INSERT INTO gv (id, n) VALUES (1, 0), (2, 100)");
  const s = await connectMySql(config());
  let gvCatalog: MySqlCatalog;
  try {
    gvCatalog = await readMySqlCatalog(s.connection, s.server, 'shop');
  } finally {
    await s.connection.end();
  }
  const table = convertMySqlSchema(gvCatalog).objects.find((o) => o.type === 'TABLE' && o.name === 'gv')!;
  await target.query(table.sql);
  const t = gvCatalog.tables.find((x) => x.name === 'gv')!;
  const info: TableInfo = { schema: 'public', name: 'gv', columns: t.columns.filter((c) => !generatedOnTarget(gvCatalog, t).includes(c.name)).map((c) => c.name), primaryKey: ['id'], estimatedRows: 2, estimatedBytes: 0 };
  assert.deepEqual(info.columns, ['id', 'n']);
  // The engine's own view says the same, and names what it left out (import data refuses a target where it is an ordinary column).
  const engineView = mysqlTableInfos(gvCatalog, 'public').find((x) => x.name === 'gv')!;
  assert.deepEqual([engineView.columns, engineView.generatedColumns], [['id', 'n'], ['v']]);
  const source = new MySqlSnapshotSource(config());
  const session = await source.open([info], 1);
  let parts;
  try {
    parts = await exportChunks(session.readers, await source.planChunks([info], 1), freshDir('gv'));
  } finally {
    await session.close();
  }
  await assert.rejects(loadParts(target, parts, 'public'), (e: TandemError) => {
    assert.equal(e.code, 'TANDEM_DATA');
    assert.match(e.message, /^Loading public\.gv \(batch 1 of \S+\) failed: smallint out of range \(computing the generated column "v", not a value of the file\) \[SQLSTATE 22003\]$/);
    assert.match(e.hint ?? '', /"v" smallint GENERATED ALWAYS AS \(\(\(\(n\)::bigint \* 1000\)\)::smallint\)\)/);
    assert.match(e.hint ?? '', /ALTER TABLE "public"\."gv" DROP COLUMN "v", ADD COLUMN "v" <wider type> GENERATED ALWAYS AS \(<expression>\) STORED;.*then rerun import data: it loads this batch again\./);
    return true;
  });
  assert.equal((await target.query('SELECT count(*) AS n FROM public.gv')).rows[0].n, '0'); // the client reads every value as text
});
