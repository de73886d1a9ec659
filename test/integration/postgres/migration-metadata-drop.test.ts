/**
 * end migration's removal of the spec's metadata schema on a PostgreSQL database that two
 * migrations write to: ending one keeps the other's progress (its importer would otherwise apply
 * again what it had applied), and the schema goes with the last one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startPg15, targetDbConfig } from '../../helpers/pg-server.js';
import { PgMigrationMetadata } from '../../../src/adapters/postgres/pg-migration-metadata.js';
import { prepareChannels } from '../../../src/adapters/postgres/apply/apply-metadata.js';
import { ensureSnapshotMetadata } from '../../../src/adapters/postgres/target-writer.js';

const LIVE = '0b7f6a5e-1c2d-4e3f-9a8b-7c6d5e4f3a2b';
const OFFLINE = '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b';

test('ending one migration removes its rows only; the schema goes when the last migration ends', async () => {
  const pg = await startPg15();
  try {
    await pg.createDatabase('shared');
    const client = await pg.client('shared');
    try {
      await ensureSnapshotMetadata(client);
      await prepareChannels(client, 'ybvoyager_metadata', LIVE, 2);
      await client.query(`UPDATE ybvoyager_metadata.ybvoyager_import_data_event_channels_metainfo SET last_applied_vsn = 2000 WHERE migration_uuid = $1`, [LIVE]);
      for (const uuid of [LIVE, OFFLINE]) {
        await client.query(`INSERT INTO ybvoyager_metadata.ybvoyager_import_data_batches_metainfo_v3 (migration_uuid, data_file_name, batch_number, schema_name, table_name, rows_imported)
          VALUES ($1, 'f', 1, 'public', 't', 10)`, [uuid]);
      }
    } finally {
      await client.end();
    }
    const metadata = new PgMigrationMetadata(targetDbConfig(pg, 'shared'));
    const rowsOf = async (uuid: string) => Number((await pg.sql('shared', `SELECT
      (SELECT count(*) FROM ybvoyager_metadata.ybvoyager_import_data_batches_metainfo_v3 WHERE migration_uuid = '${uuid}')
      + (SELECT count(*) FROM ybvoyager_metadata.ybvoyager_import_data_event_channels_metainfo WHERE migration_uuid = '${uuid}') AS n`))[0].n);

    // The offline migration ends first: the live one's channel progress (vsn 2000) stays.
    assert.equal(await metadata.drop(OFFLINE), "this migration's rows in schema ybvoyager_metadata (other migrations' rows kept)");
    assert.equal(await rowsOf(OFFLINE), 0);
    assert.equal(await rowsOf(LIVE), 3);
    const [progress] = await pg.sql('shared', `SELECT max(last_applied_vsn)::int AS v FROM ybvoyager_metadata.ybvoyager_import_data_event_channels_metainfo WHERE migration_uuid = '${LIVE}'`);
    assert.equal(progress.v, 2000);
    // Ended again (a rerun): nothing of it is left, nothing else changes.
    assert.equal(await metadata.drop(OFFLINE), undefined);
    assert.equal(await rowsOf(LIVE), 3);

    // The last migration ends: the schema goes.
    assert.equal(await metadata.drop(LIVE), 'schema ybvoyager_metadata');
    assert.deepEqual(await pg.sql('shared', "SELECT nspname FROM pg_namespace WHERE nspname = 'ybvoyager_metadata'"), []);
    assert.equal(await metadata.drop(LIVE), undefined);
  } finally {
    await pg.stop();
  }
});
