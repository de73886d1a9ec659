import type pg from 'pg';
import { MARKER_PREFIX } from './pg-change-stream.js';

/**
 * Writes a transactional logical-decoding message (prefix `tandem`) and commits it with
 * `synchronous_commit = on`, whatever the server's or role's default.
 *
 * Logical decoding reads only WAL that is flushed. On a server that runs with
 * `synchronous_commit = off`, a commit that has returned to the application can sit unflushed for
 * `wal_writer_delay` (longer under load): neither a walsender nor a slot peek sees it yet. Committing
 * this message synchronously flushes the WAL up to its commit record, so every transaction
 * committed before this call is then visible to decoding. That makes a marker arrive at once and
 * makes a peek at a slot (the writes-after-marker check) complete.
 *
 * The message is decoded like any transaction; the exporter queues it as a position only unless
 * its content is a cutover marker it waits for.
 */
export async function emitDurableMessage(client: pg.Client, content: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SET LOCAL synchronous_commit = on');
    await client.query('SELECT pg_logical_emit_message(true, $1, $2)', [MARKER_PREFIX, content]);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  }
}

/** The content of a message that only flushes the WAL (see {@link emitDurableMessage}). */
export const WAL_FLUSH_MESSAGE = 'flush';
