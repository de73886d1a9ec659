/**
 * --source-db-type oracle pointed at another kind of server: the thin driver's connect packet meets
 * a real PostgreSQL server (no Oracle server is needed), which closes the connection at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openOracleSession } from '../../../src/adapters/oracle/connection.js';
import { TandemError } from '../../../src/core/errors.js';
import { startPg15 } from '../../helpers/pg-server.js';

test('the Oracle thin driver at a PostgreSQL port: TANDEM_CONNECT naming another kind of server, --source-db-type and the port (measured before: "… was closed (NJS-500)", fix "rerun the command: it resumes")', async () => {
  const pg = await startPg15();
  try {
    await assert.rejects(openOracleSession({ host: '127.0.0.1', port: pg.port, serviceName: 'shop' }, { user: 'tandem', password: 'x', connectTimeoutSeconds: 10 }), (e: unknown) => {
      assert.ok(e instanceof TandemError, String(e));
      assert.equal(e.code, 'TANDEM_CONNECT');
      assert.equal(e.message, `The server at 127.0.0.1:${pg.port}/shop closed the connection as Tandem connected, without an Oracle listener's answer (NJS-500): another kind of server may listen there.`);
      assert.match(e.hint ?? '', new RegExp(`^Check --source-db-type \\(postgresql or mysql for those servers\\) and --source-db-port \\(${pg.port};`));
      return true;
    });
  } finally {
    await pg.stop();
  }
});
