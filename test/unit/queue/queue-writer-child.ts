/**
 * Child process for the cross-process test: appends `batches` batches of `perBatch` events to the
 * queue of the given export dir, `delayMs` apart, then exits. Not a test file itself.
 * Usage: node queue-writer-child.js <queueDir> <metaPath> <batches> <perBatch> <delayMs>
 */
import { MetaStore } from '../../../src/core/meta-store.js';
import { EventQueueWriter } from '../../../src/core/queue/event-queue-writer.js';
import { inserts, pos } from './queue-fixtures.js';

const [queueDir, metaPath, batches, perBatch, delayMs] = process.argv.slice(2);
const meta = MetaStore.open(metaPath!);
const writer = EventQueueWriter.open(queueDir!, meta, { segmentBytes: 4096 });
for (let b = 0; b < Number(batches); b++) {
  const start = writer.lastVsn + 1;
  await writer.append(inserts(Number(perBatch), start), pos(start));
  await new Promise((r) => setTimeout(r, Number(delayMs)));
}
await writer.close();
meta.close();
