/**
 * The safety net that turns a lost database connection, wherever no step gave it a message of its
 * own, into TANDEM_CONNECT with the rerun hint rather than "internal error … a bug in Tandem": fed
 * the errors real drivers raise when a real server ends the connection (PostgreSQL 15 and MariaDB
 * 10.11, the session killed by an administrator, then the next query on it), and never an error
 * that is not a lost connection.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { startMariaDb, type MariaDbServer } from '../../helpers/mariadb-server.js';
import { connectionLostError, TandemError } from '../../../src/core/errors.js';

let pgs: PgServer;
let my: MariaDbServer;

before(async () => {
  [pgs, my] = await Promise.all([startPg15(), startMariaDb()]);
});
after(async () => {
  await Promise.all([pgs?.stop(), my?.stop()]);
});

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

function assertLost(e: unknown, message: RegExp): void {
  const mapped = connectionLostError(e, 'export data');
  assert.ok(mapped instanceof TandemError, `not recognised: ${String((e as Error).message)} (${String((e as { code?: unknown }).code)})`);
  assert.equal(mapped.code, 'TANDEM_CONNECT');
  assert.match(mapped.message, message);
  assert.equal(mapped.hint, 'Check that the database server is running and reachable, then rerun "tandem export data": what it had finished is kept (an importer resumes, a snapshot starts over).');
}

test('PostgreSQL: a session terminated by an administrator (57P01), the query after it, and a wrapped one are lost connections; a syntax error is not', async () => {
  const c = new pg.Client({ host: pgs.host, port: pgs.port, user: pgs.user, password: pgs.password, database: 'postgres' });
  c.on('error', () => {}); // the terminated session's notice
  await c.connect();
  const pid = (await c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  assert.equal(connectionLostError(await caught(c.query('SELEC 1')), 'export data'), undefined);
  const terminated = caught(c.query('SELECT pg_sleep(30)'));
  await pgs.sql('postgres', 'SELECT pg_terminate_backend($1)', [pid]);
  const first = await terminated;
  assertLost(first, /^A database connection was lost: terminating connection due to administrator command\.$/);
  assertLost(await caught(c.query('SELECT 1')), /^A database connection was lost: (Connection terminated|Client has encountered a connection error and is not queryable)/);
  assertLost(new Error('reading the table failed', { cause: first }), /administrator command/);
  await c.end().catch(() => {});
});

test('MariaDB: a connection killed by KILL CONNECTION, and the query after it, are lost connections; a duplicate key is not', async () => {
  const c = await my.connect();
  c.on('error', () => {});
  const [[{ id }]] = await c.query('SELECT CONNECTION_ID() AS id') as unknown as [[{ id: number }]];
  await c.query('CREATE DATABASE IF NOT EXISTS lost; CREATE TABLE lost.t (id int PRIMARY KEY); INSERT INTO lost.t VALUES (1)');
  assert.equal(connectionLostError(await caught(c.query('INSERT INTO lost.t VALUES (1)')), 'export data'), undefined);
  const killed = caught(c.query('SELECT SLEEP(30)'));
  await new Promise((r) => setTimeout(r, 200));
  await my.sql(undefined, `KILL CONNECTION ${id}`);
  assertLost(await killed, /^A database connection was lost: /);
  assertLost(await caught(c.query('SELECT 1')), /^A database connection was lost: /);
  c.destroy();
});
