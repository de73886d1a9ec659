/**
 * The contract suite: the spec's live migration with fall-back, the same steps and checks
 * (test/helpers/live-fallback-contract.ts) from every source engine into PostgreSQL 15 standing in
 * for YugabyteDB, through the built CLI. PostgreSQL and MariaDB run here on their own test servers.
 *
 * Oracle runs only when an Oracle is given:
 *
 *   TANDEM_TEST_ORACLE='system/password@db-host:1521/ORCLPDB1'   (user/password@host:port/service)
 *   TANDEM_TEST_ORACLE_CDB='ORCLCDB'      the CDB's service name, when the service is a PDB
 *   TANDEM_TEST_ORACLE_SCHEMA='TANDEM_CT' the schema the suite drops and creates (default TANDEM_CT)
 *
 * The user must be able to create and drop that schema (a DBA of a test database), and must itself be
 * prepared as the spec's migration user: ARCHIVELOG, supplemental logging, the grants of "Prepare the
 * source database" (for a CDB: a common C## user, CONTAINER=ALL). The suite creates the spec's
 * ybvoyager_metadata user and tables and the writer role when they are missing.
 *
 * Without TANDEM_TEST_ORACLE the Oracle test is reported as SKIPPED with that reason: it never counts
 * as a pass. NO ORACLE PATH OF TANDEM HAS RUN AGAINST A LIVE ORACLE WHERE TANDEM IS DEVELOPED.
 */
import { test } from 'node:test';
import { startPg15 } from '../helpers/pg-server.js';
import { startMariaDb } from '../helpers/mariadb-server.js';
import { runLiveFallbackContract } from '../helpers/live-fallback-contract.js';
import { postgresContractSource } from '../helpers/contract-postgres.js';
import { mariadbContractSource } from '../helpers/contract-mariadb.js';
import { oracleContractSource, parseOracleTestUrl } from '../helpers/contract-oracle.js';
import { killAll } from '../helpers/live-process.js';

test('contract: PostgreSQL -> target -> PostgreSQL, live with fall-back', { timeout: 300_000 }, async () => {
  const [source, target] = await Promise.all([startPg15(), startPg15()]);
  try {
    await runLiveFallbackContract(postgresContractSource(source), target, 'ct_yb');
  } finally {
    await killAll();
    await Promise.all([source.stop(), target.stop()]);
  }
});

test('contract: MariaDB -> target -> MariaDB, live with fall-back', { timeout: 300_000 }, async () => {
  const [source, target] = await Promise.all([startMariaDb(), startPg15()]);
  try {
    await runLiveFallbackContract(mariadbContractSource(source), target, 'ct_yb');
  } finally {
    await killAll();
    await Promise.all([source.stop(), target.stop()]);
  }
});

const ORACLE = process.env.TANDEM_TEST_ORACLE;
const SKIP_REASON = 'the Oracle end-to-end suite did NOT run: no Oracle server was given (set TANDEM_TEST_ORACLE=user/password@host:port/service to run it); this is not a pass';

if (!ORACLE) {
  test('contract: Oracle -> target -> Oracle, live with fall-back', { skip: SKIP_REASON }, () => {});
} else {
  test('contract: Oracle -> target -> Oracle, live with fall-back', { timeout: 1_800_000 }, async () => {
    const source = await oracleContractSource(parseOracleTestUrl(ORACLE), process.env.TANDEM_TEST_ORACLE_SCHEMA);
    const target = await startPg15();
    try {
      await runLiveFallbackContract(source, target, 'ct_yb', 300_000);
    } finally {
      await killAll();
      await source.close();
      await target.stop();
    }
  });
}
