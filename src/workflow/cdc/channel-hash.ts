import { changesPrimaryKey, type ChangeEvent } from '../../core/change-event.js';

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
 * meets the same channel in every run. Truncates and updates that change the key all go to channel
 * 0: the dispatcher applies the consecutive ones of one source transaction as one barrier through
 * one channel (a source TRUNCATE of several tables; keys exchanged in one transaction), and a
 * restart must find each of them recorded in the channel it checks. (Before 2026-12-05 a key change
 * hashed its old key: a queue of an older version restarted by this one may re-apply a key change
 * applied then, and stop saying its row is not there.)
 */
export function channelOf(e: ChangeEvent, channels: number): number {
  if (e.op === 't' || channels === 1 || changesPrimaryKey(e)) return 0;
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
