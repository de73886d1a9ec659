import { TandemError } from '../../core/errors.js';

/**
 * `TANDEM_QUEUE_SEGMENT_BYTES`: the queue's segment size (default 64 MiB), for tests and experiments
 * that need segments to close after a few changes (`archive changes` moves only closed ones). Read
 * by the stream exporter; `export data` and `import data` (which streams after a cutover) check it
 * first thing, so a bad value is refused before anything is exported or written.
 */
export function segmentBytesFromEnv(): number | undefined {
  const given = process.env.TANDEM_QUEUE_SEGMENT_BYTES;
  if (given === undefined || given === '') return undefined;
  const n = Number(given);
  if (!Number.isInteger(n) || n < 1) throw new TandemError('TANDEM_USAGE', `TANDEM_QUEUE_SEGMENT_BYTES must be a positive whole number of bytes, not "${given}".`);
  return n;
}
