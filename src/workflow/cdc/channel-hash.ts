import type { ChangeEvent } from '../../core/change-event.js';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function fnv1a(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

/**
 * The channel of an event: FNV-1a (32 bit, over UTF-16 code units) of `schema`, `table` and the
 * primary-key values in column-name order, modulo the channel count. Stable across processes and
 * versions, independent of the order of the key object's properties, so every change to one row
 * meets the same channel in every run. An update that changes the key hashes its old key (`key`).
 * Truncates all go to channel 0: a source TRUNCATE of several tables is applied as one barrier
 * through one channel, and a restart must find it recorded in the channel it checks.
 */
export function channelOf(e: ChangeEvent, channels: number): number {
  if (e.op === 't' || channels === 1) return 0;
  let h = fnv1a(FNV_OFFSET, e.schema);
  h = fnv1a(Math.imul(h ^ 0, FNV_PRIME), e.table);
  const cols = Object.keys(e.key).sort();
  for (const c of cols) {
    const v = e.key[c];
    h = Math.imul(h ^ 0, FNV_PRIME);
    h = v === null || v === undefined ? Math.imul(h ^ 1, FNV_PRIME) : fnv1a(Math.imul(h ^ 2, FNV_PRIME), v);
  }
  return (h >>> 0) % channels;
}
