/**
 * Converted expressions run on a real PostgreSQL 15 against what Oracle returns, written down here
 * as literals: the text of a NUMBER (TO_CHAR(n), `n || text`: only the significant digits, no 0
 * before the point) and LENGTH of a CHAR column (the blank padding counts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { convertOracleExpression } from '../../../src/adapters/oracle/schema/expression-converter.js';

let server: PgServer;
let client: pg.Client;
before(async () => {
  server = await startPg15();
  client = await server.client();
  await client.query('CREATE TABLE inv (id integer, amount numeric(10,2), rate numeric)');
  await client.query('CREATE TABLE codes (id integer, code char(3))');
});
after(async () => {
  await client?.end();
  await server?.stop();
});

test('TO_CHAR of NUMBER columns on PostgreSQL 15 gives Oracle\'s text (measured before: 2975.00, 5000.50, 0.5, 1.250 where Oracle gives 2975, 5000.5, .5, 1.25)', async () => {
  const options = { tables: { INV: { ID: 'NUMBER(6)', AMOUNT: 'NUMBER(10,2)', RATE: 'NUMBER' } } };
  const amount = convertOracleExpression('TO_CHAR(amount)', options).sql;
  const rate = convertOracleExpression('TO_CHAR(rate)', options).sql;
  const label = convertOracleExpression("'Total: ' || amount || ' EUR'", options).sql;
  await client.query(`INSERT INTO inv VALUES (1, 2975, 0.5), (2, 5000.5, 1.250), (3, NULL, -0.75), (4, 0, 10), (5, 0.05, -12.340), (6, -0.5, 0.000001000)`);
  const rows = (await client.query(`SELECT ${amount} AS a, ${rate} AS r, ${label} AS l FROM inv ORDER BY id`)).rows;
  assert.deepEqual(rows, [
    { a: '2975', r: '.5', l: 'Total: 2975 EUR' },
    { a: '5000.5', r: '1.25', l: 'Total: 5000.5 EUR' },
    { a: null, r: '-.75', l: 'Total:  EUR' },
    { a: '0', r: '10', l: 'Total: 0 EUR' },
    { a: '.05', r: '-12.34', l: 'Total: .05 EUR' },
    { a: '-.5', r: '.000001', l: 'Total: -.5 EUR' },
  ]);
});

test('LENGTH of a CHAR(3 CHAR) column on PostgreSQL 15 is 3 for every value, as in Oracle, and a CHECK on it accepts short values (measured before: length 1 for \'A\', the CHECK refused the row)', async () => {
  const options = { tables: { CODES: { ID: 'NUMBER(6)', CODE: 'CHAR(3 CHAR)' } } };
  const check = convertOracleExpression('LENGTH(code) = 3', options).sql;
  await client.query(`ALTER TABLE codes ADD CONSTRAINT codes_len CHECK (${check})`);
  await client.query("INSERT INTO codes VALUES (1, 'A'), (2, 'ABC'), (3, 'é'), (4, ' '), (5, NULL)");
  const len = convertOracleExpression('LENGTH(code)', options).sql;
  const rows = (await client.query(`SELECT ${len} AS n FROM codes ORDER BY id`)).rows;
  assert.deepEqual(rows.map((r) => r.n), [3, 3, 3, 3, null]);
});
