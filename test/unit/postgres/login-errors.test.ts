import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapConnectError } from '../../../src/adapters/postgres/pg-connection.js';
import { TandemError } from '../../../src/core/errors.js';
import type { DbConfig } from '../../../src/core/db-config.js';

const config = (password: string | undefined): DbConfig => ({
  type: 'postgresql', role: 'source', host: 'db1', port: 5432, user: 'migr', database: 'app', schemas: ['public'], ...(password === undefined ? {} : { password }),
});
const refused = () => Object.assign(new Error('password authentication failed for user "migr"'), { code: '28P01' });

test('a password refused by the server (28P01): "rejected" when one was given, "no password was given" when none was (an md5 server refuses an empty one the same way)', () => {
  const wrong = mapConnectError(refused(), config('nope'));
  assert.ok(wrong instanceof TandemError);
  assert.equal(wrong.code, 'TANDEM_AUTH');
  assert.match(wrong.message, /^The password for user "migr" was rejected by /);
  for (const none of [undefined, '']) {
    const e = mapConnectError(refused(), config(none));
    assert.ok(e instanceof TandemError);
    assert.equal(e.code, 'TANDEM_AUTH');
    assert.match(e.message, /^User "migr" was rejected by .*, and no password was given\.$/);
    assert.equal(e.hint, 'Pass it with --source-db-password or SOURCE_DB_PASSWORD (Tandem prompts for it only when its input is a terminal, and not with --yes).');
  }
});

test('a server that closes the connection before any PostgreSQL answer (a MariaDB port, say): TANDEM_CONNECT naming the port and --source-db-type, not "a connection was lost"', () => {
  const e = mapConnectError(new Error('Connection terminated unexpectedly'), config('pw'));
  assert.ok(e instanceof TandemError);
  assert.equal(e.code, 'TANDEM_CONNECT');
  assert.equal(e.message, 'The server at db1:5432 closed the connection as Tandem connected, without a PostgreSQL answer.');
  assert.match(e.hint ?? '', /^Check --source-db-port and --source-db-type \(mysql for a MySQL or MariaDB server\), that the server runs/);
});

test('a server starting up or recovering (57P03) at connect: TANDEM_CONNECT saying it does not accept connections yet, not "a connection was lost" (the mysql-chaos run)', () => {
  const e = mapConnectError(Object.assign(new Error('the database system is starting up'), { code: '57P03' }), config('pw'));
  assert.ok(e instanceof TandemError);
  assert.equal(e.code, 'TANDEM_CONNECT');
  assert.match(e.message, /^The source database .* does not accept connections yet: the database system is starting up\.$/);
  assert.match(e.hint ?? '', /rerun the same command once it accepts connections/);
});
