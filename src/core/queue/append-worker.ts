/**
 * The queue writer's append thread (see `AppendWorkerClient`): writes an append's bytes into its
 * segment, fdatasyncs them and records them in meta.db through its own connection, then answers.
 * The exporter's thread meanwhile decodes the next transactions instead of waiting for the disk.
 *
 * Messages in: `{ id, fd, bytes, offset, record }` (an append) or `{ close: true }`.
 * Messages out: `{ id, ok: true }`, or `{ id, ok: false, stage, error }` where `stage` says whether
 * the bytes were being written ('write': nothing was recorded) or recorded ('commit': the
 * transaction rolled back).
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { AppendCommitter, type AppendRecord } from './append-commit.js';

export interface AppendRequest {
  readonly id: number;
  readonly fd: number;
  readonly bytes: Uint8Array;
  readonly offset: number;
  readonly record: AppendRecord;
}

/** What crosses back to the writer's thread of a failed step (an Error's own fields do not all survive the copy). */
export interface AppendFailure {
  readonly message: string;
  readonly code?: string;
  readonly errno?: number;
  readonly syscall?: string;
  readonly path?: string;
}

export type AppendReply =
  | { readonly id: number; readonly ok: true }
  | { readonly id: number; readonly ok: false; readonly stage: 'write' | 'commit'; readonly error: AppendFailure };

function failure(e: unknown): AppendFailure {
  const err = e as { message?: unknown; code?: unknown; errno?: unknown; syscall?: unknown; path?: unknown };
  return {
    message: String(err?.message ?? e),
    code: typeof err?.code === 'string' ? err.code : undefined,
    errno: typeof err?.errno === 'number' ? err.errno : undefined,
    syscall: typeof err?.syscall === 'string' ? err.syscall : undefined,
    path: typeof err?.path === 'string' ? err.path : undefined,
  };
}

if (parentPort) {
  const port = parentPort;
  const db = new Database((workerData as { metaDbPath: string }).metaDbPath);
  // As MetaStore opens it: WAL (already the file's mode), every commit on disk when it returns.
  db.pragma('busy_timeout = 10000');
  db.pragma('synchronous = FULL');
  const committer = new AppendCommitter(db);
  port.on('message', (m: AppendRequest | { close: true }) => {
    if ('close' in m) {
      db.close();
      port.close();
      return;
    }
    let stage: 'write' | 'commit' = 'write';
    try {
      AppendCommitter.writeDurably(m.fd, m.bytes, m.offset);
      stage = 'commit';
      committer.commit(m.record);
      port.postMessage({ id: m.id, ok: true } satisfies AppendReply);
    } catch (e) {
      port.postMessage({ id: m.id, ok: false, stage, error: failure(e) } satisfies AppendReply);
    }
  });
}
