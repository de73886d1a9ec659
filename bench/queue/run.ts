/**
 * bench/queue: append and read throughput of the change-event queue on this machine's temp dir.
 * Small events (an insert of a 3-column row, ~150 bytes of NDJSON), appended in batches (one write,
 * one fdatasync and one meta.db transaction per batch), then read back with EventQueueReader.
 *
 * Usage: npx tsc -p . && node --expose-gc dist/bench/queue/run.js   (BENCH_EVENTS, BENCH_BATCHES=100,1000,10000)
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UnnumberedChangeEvent } from '../../src/core/change-event.js';
import { MetaStore } from '../../src/core/meta-store.js';
import { EventQueueWriter } from '../../src/core/queue/event-queue-writer.js';
import { EventQueueReader } from '../../src/core/queue/event-queue-reader.js';
import { benchNumber, benchNumbers } from '../env.js';

const EVENTS = benchNumber('BENCH_EVENTS', 1_000_000, { min: 1 });
const BATCHES = benchNumbers('BENCH_BATCHES', [100, 1000, 10000], { min: 1 });

function makeBatch(n: number, start: number): UnnumberedChangeEvent[] {
  const out: UnnumberedChangeEvent[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const id = String(start + i);
    out[i] = { op: 'c', schema: 'public', table: 'accounts', key: { id }, after: { id, balance: '100.00', name: 'Zoë' }, position: '0000000016B3F1A8', txId: '4711' };
  }
  return out;
}

const rate = (n: number, ms: number) => Math.round((n * 1000) / ms).toLocaleString('en-US');

for (const batch of BATCHES) {
  const root = mkdtempSync(join(tmpdir(), 'tandem-bench-queue-'));
  const queueDir = join(root, 'queue');
  mkdirSync(queueDir);
  const meta = MetaStore.open(join(root, 'meta.db'));
  const writer = EventQueueWriter.open(queueDir, meta);
  // Build the events first so the timing is the queue's, not the benchmark's object allocation.
  const batches: UnnumberedChangeEvent[][] = [];
  const total = batch <= 100 ? Math.min(EVENTS, 200_000) : EVENTS; // 100-event batches are fsync-bound
  for (let i = 0; i < total; i += batch) batches.push(makeBatch(Math.min(batch, total - i), i + 1));
  let t0 = performance.now();
  let position = 0;
  for (const b of batches) await writer.append(b, (position++).toString(16).padStart(16, '0'));
  const appendMs = performance.now() - t0;
  await writer.close();
  batches.length = 0;
  (globalThis as { gc?: () => void }).gc?.(); // with --expose-gc, so the heap figure is the reader's

  const reader = new EventQueueReader(queueDir, meta);
  t0 = performance.now();
  let read = 0;
  let maxHeap = 0;
  for await (const events of reader.read(0, { batchSize: 1000 })) {
    read += events.length;
    if (read % 100_000 === 0) maxHeap = Math.max(maxHeap, process.memoryUsage().heapUsed);
  }
  const readMs = performance.now() - t0;
  console.log(`batch ${String(batch).padStart(5)}: append ${total.toLocaleString('en-US')} events in ${appendMs.toFixed(0)} ms = ${rate(total, appendMs)} events/s; `
    + `read ${read.toLocaleString('en-US')} in ${readMs.toFixed(0)} ms = ${rate(read, readMs)} events/s (heap <= ${(maxHeap / 1048576).toFixed(0)} MB)`);
  meta.close();
  rmSync(root, { recursive: true, force: true });
}
