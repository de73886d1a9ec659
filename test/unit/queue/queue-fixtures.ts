import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UnnumberedChangeEvent } from '../../../src/core/change-event.js';
import { MetaStore } from '../../../src/core/meta-store.js';

/** A temp export dir with data/queue and metainfo/meta.db, as the queue sees it. */
export interface TempQueue {
  readonly root: string;
  readonly queueDir: string;
  readonly metaPath: string;
  readonly meta: MetaStore;
}

export function tempQueue(): TempQueue {
  const root = mkdtempSync(join(tmpdir(), 'tandem-queue-'));
  const queueDir = join(root, 'data', 'queue');
  mkdirSync(queueDir, { recursive: true });
  mkdirSync(join(root, 'metainfo'), { recursive: true });
  const metaPath = join(root, 'metainfo', 'meta.db');
  return { root, queueDir, metaPath, meta: MetaStore.open(metaPath) };
}

/** `n` small insert events on public.t with keys from `start`. */
export function inserts(n: number, start = 1, position = 'p'): UnnumberedChangeEvent[] {
  const out: UnnumberedChangeEvent[] = [];
  for (let i = 0; i < n; i++) {
    const id = String(start + i);
    out.push({ op: 'c', schema: 'public', table: 't', key: { id }, after: { id, v: 'x' }, position, txId: '1' });
  }
  return out;
}

/** Zero-padded position text, so positions sort as text. */
export const pos = (n: number): string => n.toString(16).toUpperCase().padStart(16, '0');
