/**
 * The CopyBoth duplex stream from pg-copy-streams, configured for logical replication.
 *
 * Where bytes can split: the socket delivers arbitrary chunks, so one CopyData message may arrive in
 * pieces and one chunk may hold many messages. pg-copy-streams reassembles them; with
 * `alignOnCopyDataFrame` it pushes exactly one CopyData payload per push, and with
 * `readableObjectMode` the readable side never concatenates two pushes into one read. Together that
 * makes every chunk we read exactly one replication message, which the envelope has no length for.
 * Backpressure: when the readable buffer holds `highWaterMark` messages, pg-copy-streams stops reading
 * the socket, so the kernel's receive window fills and the server waits.
 */
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import type { Connection } from 'pg';

/** The part of pg-copy-streams' CopyBoth stream we use (its typings omit `both`). */
export interface CopyBothStream extends Duplex {
  submit(connection: Connection): void;
}

interface CopyBothModule {
  both(text: string, options: Record<string, unknown>): CopyBothStream;
}

const require = createRequire(import.meta.url);
const copyStreams = require('pg-copy-streams') as CopyBothModule;

/** Default number of replication messages buffered before the socket is paused. */
export const DEFAULT_MESSAGE_HIGH_WATER_MARK = 1024;

/** Creates the stream for `text` (a START_REPLICATION command); submit it with `client.query()`. */
export function createCopyBothStream(text: string, highWaterMark = DEFAULT_MESSAGE_HIGH_WATER_MARK): CopyBothStream {
  return copyStreams.both(text, {
    alignOnCopyDataFrame: true,
    readableObjectMode: true,
    readableHighWaterMark: highWaterMark,
  });
}

/**
 * Whether the server has answered START_REPLICATION (CopyBothResponse): from then on an error is one
 * of streaming (a change the server could not decode or send), not of starting. pg-copy-streams
 * keeps this in its own field, and calls a write's callback only a tick later, by which time the
 * server's first changes and an error after them may have arrived (the pinned 7.0.0; the unit test
 * copy-both-stream.test.ts fails if the field goes).
 */
export function copyBothStarted(stream: CopyBothStream): boolean {
  return (stream as unknown as { _gotCopyInResponse?: boolean })._gotCopyInResponse === true;
}
