/**
 * What the CLI does when the reader of its output goes away (`tandem compare … | head -1`).
 *
 * Node ignores SIGPIPE, so a write to a pipe whose reader has closed fails with EPIPE, emitted as an
 * 'error' event on process.stdout / process.stderr; with no listener that event crashes the process
 * with a stack trace, often after the command's work (a recorded cutover) is done.
 *
 * Like other Unix tools, Tandem takes EPIPE as the end of that output: later writes to the closed
 * stream are dropped, without a message. Unlike them, it is not killed by the broken pipe (status
 * 141): the command runs to its end and exits with its own status, because a migration step cut
 * short by a closed pager would leave half-done work that the exit status could not explain.
 */

/** Stream errors that mean "the reader is gone": the first write's, and those of later writes. */
const READER_GONE = new Set(['EPIPE', 'ERR_STREAM_DESTROYED']);

/** Installs the quiet end of output on process.stdout and process.stderr (once per process). */
export function endOutputQuietlyWhenReaderCloses(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (READER_GONE.has(e.code ?? '')) return;
      throw e; // any other output error stays what it was: an uncaught error
    });
  }
}
