/**
 * The change stream from a real MariaDB 10.11: transactions in commit order, rolled-back work never
 * emitted, restarts from a saved position (by GTID and by file + offset, across binlog files) with
 * nothing lost or repeated, a large transaction, the dump thread killed under a running capture,
 * idle streams kept alive by heartbeats, and the stops that protect the target.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMariaDb, type MariaDbServer } from '../../helpers/mariadb-server.js';
import type { CaptureTable } from '../../../src/adapters/mysql/capture/capture-table.js';
import { TRANSACTION_PART_EVENTS } from '../../../src/core/engine/change-capture.js';
import type { AssembledTransaction } from '../../../src/adapters/mysql/capture/transaction-assembler.js';
import { decodeBinlogPosition } from '../../../src/adapters/mysql/capture/binlog-position.js';
import { TandemError } from '../../../src/core/errors.js';
import { captureUntil, eventCount, positionNow, sourceConfig } from './binlog-helpers.js';

let maria: MariaDbServer;
/**
 * One replica server id for every capture here, as in production (one stable id per migration): a
 * new dump with the same id ends the previous one's thread on the server at once, instead of
 * leaving it until its next write.
 */
const SERVER_ID = 2_000_000_200;

const ACCT: CaptureTable = {
  database: 'shop', table: 'acct',
  columns: [{ name: 'id', unsigned: false }, { name: 'owner', charset: 'utf8mb4' }, { name: 'balance' }],
  primaryKey: ['id'],
};
const LOG: CaptureTable = {
  database: 'shop', table: 'log_myisam',
  columns: [{ name: 'id', unsigned: false }, { name: 'note', charset: 'utf8mb4' }],
  primaryKey: ['id'],
  transactional: false, // MyISAM, as captureTablesFromCatalog describes it
};
const BIG: CaptureTable = {
  database: 'shop', table: 'big',
  columns: [{ name: 'id', unsigned: false }, { name: 'payload', charset: null }],
  primaryKey: ['id'],
};

before(async () => {
  maria = await startMariaDb({ 'max-allowed-packet': '64M' });
  await maria.createDatabase('shop');
  await maria.sql('shop', `
    CREATE TABLE acct (id int PRIMARY KEY, owner varchar(40), balance decimal(12,2));
    CREATE TABLE other (id int PRIMARY KEY);
    CREATE TABLE log_myisam (id int PRIMARY KEY, note varchar(40)) ENGINE=MyISAM;
    CREATE TABLE big (id int PRIMARY KEY, payload longblob);
    CREATE TABLE stream (id int PRIMARY KEY, owner varchar(40), balance decimal(12,2));
    CREATE TABLE trig_src (id int PRIMARY KEY);
    CREATE TRIGGER trig_src_ai AFTER INSERT ON trig_src FOR EACH ROW INSERT INTO log_myisam VALUES (NEW.id, 'trigger');`);
});

after(async () => {
  await maria?.stop();
});

function options(tables: CaptureTable[], extra: Record<string, unknown> = {}) {
  return { source: sourceConfig(maria, 'shop'), serverId: SERVER_ID, tables, ...extra };
}

/** Each event as one line: op, table, key, after. */
function lines(txs: readonly AssembledTransaction[]): string[] {
  return txs.flatMap((t) => t.events.map((e) => `${e.op} ${e.table} ${JSON.stringify(e.key)}${e.after ? ` ${JSON.stringify(e.after)}` : ''}`));
}

function assertIncreasing(txs: readonly AssembledTransaction[]): void {
  for (let i = 1; i < txs.length; i++) assert.ok(txs[i]!.position > txs[i - 1]!.position, `position ${i} goes back`);
}

test('inserts, updates, a key change, deletes, TRUNCATE and multi-statement transactions arrive per transaction, in commit order; rolled-back work never', async () => {
  const from = await positionNow(maria, 'shop');
  await maria.sql('shop', `
    INSERT INTO acct VALUES (1, 'ann', 10.50);
    BEGIN; INSERT INTO acct VALUES (2, 'bob', 0.00), (3, NULL, -1.25); UPDATE acct SET balance = 11.00 WHERE id = 1; INSERT INTO other VALUES (1); DELETE FROM acct WHERE id = 3; COMMIT;
    BEGIN; INSERT INTO acct VALUES (99, 'never', 0); UPDATE acct SET owner = 'nobody' WHERE id = 1; ROLLBACK;
    BEGIN; INSERT INTO log_myisam VALUES (1, 'kept: MyISAM cannot roll back'); INSERT INTO acct VALUES (98, 'never', 0); ROLLBACK;
    UPDATE acct SET id = 20, owner = '' WHERE id = 2;
    INSERT INTO other VALUES (2);
    TRUNCATE TABLE acct;
    INSERT INTO acct VALUES (5, 'eve', 5.00);`);
  const txs = await captureUntil(options([ACCT, LOG], { idleProgressMs: 0 }), from, (all) => all.some((t) => t.events.some((e) => e.key.id === '5')));
  const withEvents = txs.filter((t) => t.events.length > 0);
  assert.deepEqual(withEvents.map((t) => lines([t])), [
    ['c acct {"id":"1"} {"id":"1","owner":"ann","balance":"10.50"}'],
    [
      'c acct {"id":"2"} {"id":"2","owner":"bob","balance":"0.00"}',
      'c acct {"id":"3"} {"id":"3","owner":null,"balance":"-1.25"}',
      'u acct {"id":"1"} {"id":"1","owner":"ann","balance":"11.00"}',
      'd acct {"id":"3"}',
    ],
    ['c log_myisam {"id":"1"} {"id":"1","note":"kept: MyISAM cannot roll back"}'],
    ['u acct {"id":"2"} {"id":"20","owner":"","balance":"0.00"}'],
    ['t acct {}'],
    ['c acct {"id":"5"} {"id":"5","owner":"eve","balance":"5.00"}'],
  ]);
  // Every transaction, also those without migrated changes (other), moves the position on.
  assert.equal(txs.length, 7);
  assertIncreasing(txs);
  for (const t of withEvents) {
    assert.match(t.txId, /^0-\d+-\d+$/);
    for (const e of t.events) assert.equal(e.position, t.position);
    assert.match(t.position, /^\d{10}\.\d{12}\|binlog\.\d{6}\|mariadb:0-\d+-\d+$/);
  }
  // The committed state agrees with the stream's last word on each row.
  const rows = await maria.sql('shop', 'SELECT id, owner, balance FROM acct ORDER BY id');
  assert.deepEqual(rows.map((r) => ({ ...r })), [{ id: 5, owner: 'eve', balance: '5.00' }]);
});

// The mysql-live-edges run: a transaction that also wrote a temporary or non-transactional table is
// logged whole by MariaDB, ending in ROLLBACK (or with ROLLBACK TO inside), and its InnoDB rows were
// applied on the target as if committed: phantom rows, changed values, deleted rows.
test('rolled-back InnoDB rows that MariaDB logs (the transaction also wrote a temporary or MyISAM table) are dropped; a MyISAM row stands; ROLLBACK TO drops only what followed its savepoint', async () => {
  await maria.sql('shop', 'DELETE FROM acct; DELETE FROM log_myisam; INSERT INTO acct VALUES (1, \'ann\', 1), (2, \'bob\', 2)');
  const from = await positionNow(maria, 'shop');
  await maria.sql('shop', `
    BEGIN; INSERT INTO acct VALUES (90, 'phantom', 0); UPDATE acct SET owner = 'RB' WHERE id = 1; DELETE FROM acct WHERE id = 2; CREATE TEMPORARY TABLE tmp1 (a int); ROLLBACK;
    BEGIN; INSERT INTO acct VALUES (10, 'keep', 0); SAVEPOINT \`S1\`; INSERT INTO acct VALUES (91, 'phantom', 0); UPDATE acct SET owner = 'PH' WHERE id = 1;
      INSERT INTO log_myisam VALUES (7, 'stands'); SAVEPOINT s2; INSERT INTO acct VALUES (92, 'phantom', 0); ROLLBACK TO s1; INSERT INTO acct VALUES (11, 'after', 0); COMMIT;
    BEGIN; INSERT INTO acct VALUES (12, 'kept', 0); SAVEPOINT a; INSERT INTO acct VALUES (93, 'phantom', 0); CREATE TEMPORARY TABLE tmp2 (a int); RELEASE SAVEPOINT a; COMMIT;
    BEGIN; INSERT INTO acct VALUES (95, 'phantom', 0); INSERT INTO trig_src VALUES (8); ROLLBACK;`);
  // A client gone inside a transaction that created a temporary table: the server's rollback logs it too.
  await maria.sql('shop', "BEGIN; INSERT INTO acct VALUES (94, 'disconnected', 0); CREATE TEMPORARY TABLE tmp3 (a int);");
  await maria.sql('shop', "INSERT INTO acct VALUES (13, 'last', 0)");
  const binlog = (await maria.sql('shop', 'SHOW BINARY LOGS')).at(-1)!.Log_name as string;
  const shown = (await maria.sql('shop', `SHOW BINLOG EVENTS IN '${binlog}'`)).map((r) => String(r.Info));
  assert.ok(shown.includes('ROLLBACK') && shown.some((i) => /^ROLLBACK TO `?s1`?$/i.test(i)), `the rollbacks are in the binlog: ${shown.join(' | ')}`);
  const txs = await captureUntil(options([ACCT, LOG], { idleProgressMs: 0 }), from, (all) => all.some((t) => t.events.some((e) => e.key.id === '13')));
  assert.deepEqual(txs.filter((t) => t.events.length > 0).map((t) => lines([t])), [
    // MariaDB logs a MyISAM statement of its own ahead of its transaction.
    ['c log_myisam {"id":"7"} {"id":"7","note":"stands"}'],
    ['c acct {"id":"10"} {"id":"10","owner":"keep","balance":"0.00"}', 'c acct {"id":"11"} {"id":"11","owner":"after","balance":"0.00"}'],
    ['c acct {"id":"12"} {"id":"12","owner":"kept","balance":"0.00"}', 'c acct {"id":"93"} {"id":"93","owner":"phantom","balance":"0.00"}'],
    // A trigger's MyISAM row in the rolled-back transaction's own group: it stands, the InnoDB row does not.
    ['c log_myisam {"id":"8"} {"id":"8","note":"trigger"}'],
    ['c acct {"id":"13"} {"id":"13","owner":"last","balance":"0.00"}'],
  ]);
  // What the source holds agrees.
  assert.deepEqual((await maria.sql('shop', 'SELECT id, owner FROM acct ORDER BY id')).map((r) => `${r.id} ${r.owner}`), ['1 ann', '2 bob', '10 keep', '11 after', '12 kept', '13 last', '93 phantom']);
  assert.deepEqual((await maria.sql('shop', 'SELECT id FROM log_myisam ORDER BY id')).map((r) => r.id), [7, 8]);
  await maria.sql('shop', 'DELETE FROM acct; DELETE FROM log_myisam');
});

test('a rollback reaching changes already handed over in parts stops the stream rather than leave them applied', async () => {
  await maria.sql('shop', 'DELETE FROM acct');
  const from = await positionNow(maria, 'shop');
  const n = TRANSACTION_PART_EVENTS + 5; // handed over in parts
  await maria.sql('shop', `BEGIN; INSERT INTO acct SELECT seq, 'big', 0 FROM seq_1_to_${n}; SAVEPOINT p; INSERT INTO acct VALUES (${n + 100}, 'x', 0); CREATE TEMPORARY TABLE tmp4 (a int); ROLLBACK TO p; COMMIT;
    BEGIN; INSERT INTO acct VALUES (${n + 200}, 'y', 0); INSERT INTO acct SELECT seq + ${n + 1000}, 'big', 0 FROM seq_1_to_${n}; CREATE TEMPORARY TABLE tmp5 (a int); ROLLBACK;`);
  const got: AssembledTransaction[] = [];
  await assert.rejects(
    captureUntil(options([ACCT]), from, () => false, 30_000, (tx) => { got.push(tx); }),
    (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_UNSUPPORTED' && e.streamLost && /^Transaction 0-\d+-\d+ was rolled back on the source at binlog\.\d+:\d+ after Tandem had queued part of its changes/.test(e.message),
  );
  // The first: a part handed over, the rollback to p reaching nothing handed: every committed row, not the one after p.
  // The second: its rows queued in a part before the ROLLBACK: stopped, nothing of it after the part.
  const ids = got.flatMap((t) => t.events).map((e) => Number(e.key.id));
  assert.deepEqual(ids.filter((id) => id <= n + 100), Array.from({ length: n }, (_, i) => i + 1));
  assert.ok(ids.includes(n + 200), 'the second\'s first part was handed over');
  assert.equal(got.at(-1)!.continues, true, 'and its end never');
  await maria.sql('shop', 'DELETE FROM acct');
});

test('statements MariaDB logs as SET STATEMENT … FOR <statement> are read as that statement; a statement-logged call of stored code in a migrated database stops the stream', async () => {
  await maria.sql('shop', 'DELETE FROM acct; INSERT INTO acct VALUES (1, \'a\', 1)');
  let from = await positionNow(maria, 'shop');
  await maria.sql('shop', 'SET STATEMENT max_statement_time = 100 FOR TRUNCATE TABLE acct; INSERT INTO acct VALUES (3, \'c\', 3)');
  const txs = await captureUntil(options([ACCT], { idleProgressMs: 0 }), from, (all) => all.some((t) => t.events.some((e) => e.key.id === '3')));
  assert.deepEqual(lines(txs), ['t acct {}', 'c acct {"id":"3"} {"id":"3","owner":"c","balance":"3.00"}']);
  from = await positionNow(maria, 'shop');
  await maria.sql('shop', "SET STATEMENT binlog_format = 'STATEMENT' FOR UPDATE acct SET owner = 'stmt' WHERE id = 3");
  await assert.rejects(captureUntil(options([ACCT]), from, () => false),
    (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_PREREQUISITE' && /UPDATE on shop\.acct was logged as a statement/.test(e.message));
  await maria.sql('shop', `CREATE FUNCTION bump(x int) RETURNS int DETERMINISTIC MODIFIES SQL DATA BEGIN INSERT INTO acct VALUES (x, 'f', 0); RETURN x; END`);
  from = await positionNow(maria, 'shop');
  await maria.sql('shop', "SET SESSION binlog_format = 'STATEMENT'; SELECT bump(50)");
  await assert.rejects(captureUntil(options([ACCT]), from, () => false),
    (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_PREREQUISITE' && e.streamLost && /A SELECT of stored code was logged as a statement .* in database shop of the migrated tables/.test(e.message));
  // On a table that is not migrated, in the migrated tables' database (its trigger, a view or a routine may write them): stopped too (the mysql-live-edges-2 run).
  from = await positionNow(maria, 'shop');
  await maria.sql('shop', "SET SESSION binlog_format = 'STATEMENT'; INSERT INTO other VALUES (77)");
  await assert.rejects(captureUntil(options([ACCT]), from, () => false),
    (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_PREREQUISITE' && e.streamLost && /An INSERT was logged as a statement .* in database shop of the migrated tables; what it changed there \(through a view, a trigger or a routine too\)/.test(e.message));
  await maria.sql('shop', 'DROP FUNCTION bump; DELETE FROM acct; DELETE FROM other');
});

/** Runs 30 transactions on `stream` (inserts, updates, deletes; some with two statements), with a binlog rotation in the middle. */
async function workload(): Promise<void> {
  for (let i = 1; i <= 30; i++) {
    if (i === 15) await maria.sql('shop', 'FLUSH BINARY LOGS');
    if (i % 3 === 0) await maria.sql('shop', `BEGIN; UPDATE stream SET balance = balance + 1 WHERE id = ${i - 1}; DELETE FROM stream WHERE id = ${i - 2}; COMMIT`);
    else await maria.sql('shop', `INSERT INTO stream VALUES (${i}, 'o${i}', ${i}.25)`);
  }
}

const STREAM: CaptureTable = { ...ACCT, table: 'stream' };

for (const resumeBy of ['gtid', 'file'] as const) {
  test(`restart from a saved position (resume by ${resumeBy}): every transaction exactly once, across a binlog rotation`, async () => {
    await maria.sql('shop', 'DELETE FROM stream');
    const from = await positionNow(maria, 'shop');
    await workload();
    const full = await captureUntil(options([STREAM], { resumeBy }), from, (all) => all.length >= 30);
    assert.equal(full.length, 30);
    assert.equal(eventCount(full), 40);
    assertIncreasing(full);
    assert.equal(new Set(full.map((t) => decodeBinlogPosition(t.position).file)).size, 2); // the rotation
    // Stop after every k-th transaction and go on from the saved position, until the end.
    for (const k of [1, 4, 14, 15, 16]) {
      const pieces: AssembledTransaction[] = [];
      let saved = from;
      while (pieces.length < 30) {
        const part = await captureUntil(options([STREAM], { resumeBy }), saved, (all) => all.length >= Math.min(k, 30 - pieces.length));
        pieces.push(...part);
        saved = part[part.length - 1]!.position;
      }
      assert.deepEqual(lines(pieces), lines(full), `stopping every ${k}`);
      assert.deepEqual(pieces.map((t) => t.position), full.map((t) => t.position));
    }
  });
}

test('two MariaDB GTID domains interleaved: a resume by GTID after each transaction continues every domain exactly', async () => {
  await maria.sql('shop', 'DELETE FROM stream');
  const from = await positionNow(maria, 'shop');
  for (let i = 1; i <= 12; i++) {
    await maria.sql('shop', `SET SESSION gtid_domain_id = ${i % 3 === 0 ? 0 : i % 2 === 0 ? 1 : 2}; INSERT INTO stream VALUES (${i}, 'd', 1)`);
  }
  const full = await captureUntil(options([STREAM]), from, (all) => all.length >= 12);
  assert.deepEqual(full.map((t) => t.events[0]!.key.id), ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12']);
  assert.deepEqual(full.map((t) => t.txId.split('-')[0]), ['2', '1', '0', '1', '2', '0', '2', '1', '0', '1', '2', '0']);
  assert.match(full[11]!.position, /\|mariadb:0-\d+-\d+,1-\d+-\d+,2-\d+-\d+$/);
  for (let k = 0; k < 11; k++) {
    const rest = await captureUntil(options([STREAM], { resumeBy: 'gtid' }), full[k]!.position, (all) => all.length >= 11 - k);
    assert.deepEqual(rest.map((t) => t.txId), full.slice(k + 1).map((t) => t.txId), `after transaction ${k + 1}`);
  }
});

test('a large transaction (20,000 rows, handed over in parts) and a 20 MB row (an event larger than one 16 MB packet)', async () => {
  const from = await positionNow(maria, 'shop');
  await maria.sql('shop', `
    SET SESSION max_heap_table_size = 64*1024*1024;
    BEGIN;
    INSERT INTO big (id, payload) SELECT seq, UNHEX(LPAD(HEX(seq), 8, '0')) FROM seq_1_to_20000;
    INSERT INTO big VALUES (0, REPEAT('x', 20000000));
    COMMIT;`);
  const txs = await captureUntil(options([BIG]), from, (all) => eventCount(all) >= 20001, 60_000);
  // Handed over in a part once TRANSACTION_PART_EVENTS rows arrived (cut after a rows event of
  // several rows), positioned where the group began; the commit comes last, with the rest.
  assert.equal(txs.length, 2);
  const [part, last] = txs as [AssembledTransaction, AssembledTransaction];
  assert.ok(part.continues && !part.endsParts && part.events.length >= TRANSACTION_PART_EVENTS && part.events.length < TRANSACTION_PART_EVENTS + 200, `${part.events.length} events in the part`);
  assert.ok(!last.continues && last.endsParts && last.events.length === 20001 - part.events.length);
  assert.equal(part.position, from, 'a part sits at the end of the transaction before it (here: where the stream started)');
  assert.ok(part.position < last.position);
  assert.equal(new Set(txs.map((t) => t.txId)).size, 1);
  const events = txs.flatMap((t) => t.events);
  assert.equal(events.length, 20001);
  assert.deepEqual(events[0]!.after, { id: '1', payload: '\\x00000001' });
  assert.deepEqual(events[19999]!.after, { id: '20000', payload: '\\x00004e20' });
  const huge = events[20000]!.after!.payload!;
  assert.equal(huge.length, 2 + 40_000_000);
  assert.equal(huge, `\\x${'78'.repeat(20_000_000)}`);
  assert.equal(new Set(events.map((e) => e.key.id)).size, 20001);
});

test('KILL CONNECTION on the dump thread: the capture reconnects and resumes; nothing lost, nothing twice', async () => {
  await maria.sql('shop', 'DELETE FROM stream');
  const from = await positionNow(maria, 'shop');
  for (let i = 1; i <= 10; i++) await maria.sql('shop', `INSERT INTO stream VALUES (${i}, 'before', 1)`);
  let killed = 0;
  const txs = await captureUntil(options([STREAM]), from, (all) => eventCount(all) >= 20, 30_000, async (tx, capture) => {
    // After the 5th transaction: kill the dump thread, then write 10 more rows while it is gone.
    if (tx.events[0]?.key.id !== '5' || killed > 0) return;
    const threads = await maria.sql(undefined, "SELECT id FROM information_schema.PROCESSLIST WHERE COMMAND = 'Binlog Dump'");
    assert.deepEqual(threads.map((t) => Number(t.id)), [capture.threadId]);
    await maria.sql(undefined, `KILL CONNECTION ${capture.threadId}`);
    killed++;
    for (let i = 11; i <= 20; i++) await maria.sql('shop', `INSERT INTO stream VALUES (${i}, 'after', 1)`);
  });
  assert.equal(killed, 1);
  const ids = txs.flatMap((t) => t.events.map((e) => Number(e.key.id)));
  assert.deepEqual(ids, Array.from({ length: 20 }, (_, i) => i + 1));
  assertIncreasing(txs);
});

/** The dump thread's state in the server's PROCESSLIST (and how long it has been in it), if it is listed. */
async function dumpThread(threadId: number | undefined): Promise<{ state: string; ms: number } | undefined> {
  const [t] = await maria.sql(undefined, 'SELECT STATE AS state, TIME_MS AS ms FROM information_schema.PROCESSLIST WHERE ID = ?', [threadId]);
  return t ? { state: String(t.state), ms: Number(t.ms) } : undefined;
}

/** Polls the dump thread every 50 ms until `ok` holds; fails with `never` (and the last state seen) after 20 s. */
async function untilDumpThread(threadId: number | undefined, ok: (t: { state: string; ms: number }) => boolean, never: string): Promise<void> {
  for (const deadline = Date.now() + 20_000; ; await new Promise((r) => setTimeout(r, 50))) {
    const t = await dumpThread(threadId);
    if (t && ok(t)) return;
    assert.ok(Date.now() < deadline, `${never} (${JSON.stringify(t)})`);
  }
}

test('holdReading: while held, nothing more is read from the connection; released, everything arrives in order', async () => {
  await maria.sql('shop', 'DELETE FROM stream');
  const from = await positionNow(maria, 'shop');
  await maria.sql('shop', "INSERT INTO stream VALUES (1, 'first', 1)");
  let held = 0;
  const txs = await captureUntil(options([STREAM]), from, (all) => eventCount(all) >= 51, 30_000, async (tx, capture) => {
    if (tx.events[0]?.key.id !== '1' || held > 0) return;
    held++;
    capture.holdReading(true);
    const before = capture.pendingEvents;
    for (let i = 2; i <= 51; i++) await maria.sql('shop', `INSERT INTO stream VALUES (${i}, 'held', 1)`);
    // The server's own account: its dump thread has sent everything and waited since (300 ms in that state).
    await untilDumpThread(capture.threadId, (t) => /^Master has sent all binlog/.test(t.state) && t.ms >= 300, 'the dump thread did not finish sending');
    assert.equal(capture.pendingEvents, before, 'events were read while reading was held');
    capture.holdReading(false);
  });
  assert.equal(held, 1);
  assert.deepEqual(txs.flatMap((t) => t.events.map((e) => Number(e.key.id))), Array.from({ length: 51 }, (_, i) => i + 1));
  assertIncreasing(txs);
});

test('held until the dump thread blocks writing to the connection, the source still commits: a hold never stalls the application', async () => {
  // What makes the exporter's hold safe for the source: MariaDB's commits do not wait for a binlog
  // reader. The hold is stretched here until the server's send buffers are full and its dump thread
  // waits in a write ("Writing to net"); transactions committed then must complete, and be streamed
  // once reading resumes.
  await maria.sql('shop', 'DELETE FROM big');
  const from = await positionNow(maria, 'shop');
  await maria.sql('shop', "INSERT INTO big VALUES (0, 'first')");
  let blocked: unknown;
  let committedWhileBlocked = 0;
  const txs = await captureUntil(options([BIG]), from, (all) => eventCount(all) >= 1 + 40 * 100 + 200, 60_000, async (tx, capture) => {
    if (tx.events[0]?.key.id !== '0') return;
    capture.holdReading(true);
    // 40 MB of row images, more than the connection's buffers hold.
    for (let k = 0; k < 40; k++) await maria.sql('shop', `INSERT INTO big (id, payload) SELECT ${k * 100} + seq, REPEAT('x', 10000) FROM seq_1_to_100`);
    await untilDumpThread(capture.threadId, (t) => /Writing to net/.test(t.state), 'the dump thread never blocked on the held connection');
    for (let i = 1; i <= 200; i++) {
      await maria.sql('shop', `INSERT INTO big VALUES (${10_000 + i}, 'while blocked')`);
      committedWhileBlocked++;
    }
    blocked = (await dumpThread(capture.threadId))?.state;
    capture.holdReading(false);
  });
  assert.equal(committedWhileBlocked, 200);
  assert.match(String(blocked), /Writing to net/, 'the dump thread was still blocked after the 200 commits');
  const ids = txs.flatMap((t) => t.events.map((e) => Number(e.key.id)));
  assert.equal(ids.length, 1 + 4000 + 200);
  assert.equal(new Set(ids).size, ids.length, 'nothing twice');
  assertIncreasing(txs);
});

test('KILL CONNECTION on the dump thread while reading is held: released, the capture sees the cut, reconnects and resumes; nothing lost, nothing twice', async () => {
  await maria.sql('shop', 'DELETE FROM stream');
  const from = await positionNow(maria, 'shop');
  await maria.sql('shop', "INSERT INTO stream VALUES (1, 'first', 1)");
  let killedThread: number | undefined;
  let after: number | undefined;
  const txs = await captureUntil(options([STREAM]), from, (all) => eventCount(all) >= 30, 30_000, async (tx, capture) => {
    if (tx.events[0]?.key.id === '1' && killedThread === undefined) {
      capture.holdReading(true);
      for (let i = 2; i <= 10; i++) await maria.sql('shop', `INSERT INTO stream VALUES (${i}, 'held', 1)`);
      killedThread = capture.threadId;
      await maria.sql(undefined, `KILL CONNECTION ${killedThread}`);
      for (let i = 11; i <= 30; i++) await maria.sql('shop', `INSERT INTO stream VALUES (${i}, 'after the cut', 1)`);
      await new Promise((r) => setTimeout(r, 200));
      capture.holdReading(false);
    }
    if (tx.events[0]?.key.id === '30') after = capture.threadId;
  });
  assert.ok(killedThread !== undefined && after !== undefined && after !== killedThread, `the dump reconnected (killed ${killedThread}, then ${after})`);
  assert.deepEqual(txs.flatMap((t) => t.events.map((e) => Number(e.key.id))), Array.from({ length: 30 }, (_, i) => i + 1));
  assertIncreasing(txs);
});

test('held for longer than the heartbeat watchdog allows: not taken for a lost link (no reconnect); released, everything arrives once', async () => {
  // Heartbeats every second: the watchdog gives up after 3 missed + 5 s = 8 s of silence. While the
  // consumer holds the reads, what the server sends waits unread, so the clock must not run; a
  // watchdog that counted it would cut the connection and reconnect (a new dump thread).
  await maria.sql('shop', 'DELETE FROM stream');
  const from = await positionNow(maria, 'shop');
  await maria.sql('shop', "INSERT INTO stream VALUES (1, 'first', 1)");
  let heldThread: number | undefined;
  let after: number | undefined;
  const txs = await captureUntil(options([STREAM], { heartbeatSeconds: 1 }), from, (all) => eventCount(all) >= 20, 40_000, async (tx, capture) => {
    if (tx.events[0]?.key.id === '1' && heldThread === undefined) {
      heldThread = capture.threadId;
      capture.holdReading(true);
      for (let i = 2; i <= 20; i++) await maria.sql('shop', `INSERT INTO stream VALUES (${i}, 'held', 1)`);
      await new Promise((r) => setTimeout(r, 10_000));
      capture.holdReading(false);
    }
    if (tx.events[0]?.key.id === '20') after = capture.threadId;
  });
  assert.ok(heldThread !== undefined && after === heldThread, `one dump thread throughout (held ${heldThread}, then ${after})`);
  assert.deepEqual(txs.flatMap((t) => t.events.map((e) => Number(e.key.id))), Array.from({ length: 20 }, (_, i) => i + 1));
  assertIncreasing(txs);
});

test('an idle source: heartbeats keep the stream alive; transactions elsewhere still report progress', async () => {
  const from = await positionNow(maria, 'shop');
  const seen: string[] = [];
  const started = Date.now();
  setTimeout(() => void maria.sql('shop', 'INSERT INTO other VALUES (1000)'), 4_500);
  // Heartbeats every second; the watchdog gives up after 3 missed + 5 s, so 6 s of silence would not
  // be noticed without them: the stream must survive an idle 4.5 s and then see the next transaction.
  const txs = await captureUntil(options([ACCT], { heartbeatSeconds: 1, idleProgressMs: 0 }), from, (all) => all.length >= 1, 15_000, (tx) => { seen.push(tx.position); });
  assert.ok(Date.now() - started >= 4_000);
  assert.equal(txs.length, 1);
  assert.deepEqual(txs[0]!.events, []);
  assert.ok(seen[0]! > from);
});

test('DDL on a migrated table stops the stream after everything before it, with the fix', async () => {
  const from = await positionNow(maria, 'shop');
  await maria.sql('shop', "INSERT INTO acct VALUES (40, 'x', 1); ALTER TABLE acct ADD COLUMN note text; INSERT INTO acct (id) VALUES (41)");
  const got: AssembledTransaction[] = [];
  await assert.rejects(
    captureUntil(options([ACCT]), from, () => false, 20_000, (tx) => { got.push(tx); }),
    (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_UNSUPPORTED' && /^ALTER TABLE on shop\.acct at binlog\.\d+:\d+/.test(e.message) && /new snapshot/.test(e.hint ?? '') && /undoing the change on the source does not get past it/.test(e.hint ?? ''),
  );
  assert.deepEqual(lines(got), ['c acct {"id":"40"} {"id":"40","owner":"x","balance":"1.00"}']);
  await maria.sql('shop', 'ALTER TABLE acct DROP COLUMN note; DELETE FROM acct');
});

// A CREATE INDEX on a migrated table stopped the migration for good: the binlog holds the
// statement, and every rerun read it again.
test('statements that change only a migrated table\'s indexes or CHECKs pass, each told; the rows around them arrive as before; a foreign key added still stops the stream', async () => {
  const from = await positionNow(maria, 'shop');
  await maria.sql('shop', `INSERT INTO acct VALUES (50, 'a', 1);
    CREATE INDEX acct_owner ON acct (owner);
    ALTER TABLE acct ADD INDEX acct_ob (owner, balance) COMMENT 'two, columns', ALGORITHM = INPLACE, LOCK = NONE;
    ALTER TABLE acct ADD CONSTRAINT acct_pos CHECK (balance >= -100), RENAME INDEX acct_owner TO acct_owner2;
    INSERT INTO acct VALUES (51, 'b', 2);
    ALTER TABLE acct DROP INDEX acct_ob;
    DROP INDEX acct_owner2 ON acct;
    UPDATE acct SET owner = 'c' WHERE id = 50;
    SET foreign_key_checks = 0;
    ALTER TABLE acct ADD CONSTRAINT acct_fk FOREIGN KEY (id) REFERENCES other (id);
    INSERT INTO acct VALUES (52, 'never', 3);`);
  const notices: string[] = [];
  const got: AssembledTransaction[] = [];
  await assert.rejects(
    captureUntil(options([ACCT], { onNotice: (m: string) => notices.push(m) }), from, () => false, 20_000, (tx) => { got.push(tx); }),
    (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_UNSUPPORTED' && /^ALTER TABLE on shop\.acct at binlog\.\d+:\d+/.test(e.message),
  );
  assert.deepEqual(lines(got), [
    'c acct {"id":"50"} {"id":"50","owner":"a","balance":"1.00"}',
    'c acct {"id":"51"} {"id":"51","owner":"b","balance":"2.00"}',
    'u acct {"id":"50"} {"id":"50","owner":"c","balance":"1.00"}',
  ]);
  assert.deepEqual(notices.map((n) => /^(CREATE INDEX|ALTER TABLE|DROP INDEX) on shop\.acct at binlog\.\d+:\d+ changed only its indexes or CHECK constraints on the source; the rows stream on as before\. Indexes and constraints are not replicated: make the same change on the target if you want it there\.$/.exec(n)?.[1] ?? n),
    ['CREATE INDEX', 'ALTER TABLE', 'ALTER TABLE', 'ALTER TABLE', 'DROP INDEX']);
  await maria.sql('shop', 'ALTER TABLE acct DROP FOREIGN KEY acct_fk, DROP CONSTRAINT acct_pos; DELETE FROM acct');
});

test('statement-based DML on a migrated table (a session with binlog_format=STATEMENT) stops the stream', async () => {
  const from = await positionNow(maria, 'shop');
  await maria.sql('shop', "SET SESSION binlog_format = 'STATEMENT'; UPDATE stream SET owner = 'stmt' WHERE id = 1");
  await assert.rejects(
    captureUntil(options([STREAM]), from, () => false),
    (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_PREREQUISITE' && /UPDATE on shop\.stream was logged as a statement/.test(e.message),
  );
});

test('a position whose binlog was purged: TANDEM_PREREQUISITE, by GTID and by file', async () => {
  const old = await positionNow(maria, 'shop');
  await maria.sql('shop', "INSERT INTO other VALUES (2000); FLUSH BINARY LOGS; INSERT INTO other VALUES (2001)");
  const [last] = await maria.sql(undefined, 'SHOW MASTER STATUS');
  // MariaDB keeps a binlog until InnoDB's checkpoint has left it: purge until it is gone.
  for (let i = 0; ; i++) {
    await maria.sql(undefined, `PURGE BINARY LOGS TO '${last.File}'`);
    const logs = await maria.sql(undefined, 'SHOW BINARY LOGS');
    if (logs[0].Log_name === last.File) break;
    assert.ok(i < 100, 'the old binlogs were not purged within 10 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const resumeBy of ['gtid', 'file'] as const) {
    await assert.rejects(
      captureUntil(options([ACCT], { resumeBy }), old, () => false),
      (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_PREREQUISITE' && /error 1236/.test(e.message) && /new snapshot \(tandem end migration, then a new export dir/.test(e.hint ?? '')
        && e.streamLost, // recorded by the exporter: the importer and the report then say the stream cannot resume
      resumeBy,
    );
  }
});
