import { setTimeout as sleep } from 'node:timers/promises';
import type { ChangeEvent } from '../../../src/core/change-event.js';
import type { ChangeTarget, ChannelProgress, UniqueKeyInfo } from '../../../src/core/change-target.js';

type Row = Record<string, string | null>;

/**
 * An in-memory ChangeTarget: tables keyed by `id`, an optional unique column `u` per table checked
 * after every row change (like a non-deferrable unique index), random latency so channels
 * interleave, and a log of every commit.
 */
export class FakeChangeTarget implements ChangeTarget {
  rows = new Map<string, Row>();
  lastApplied: number[] = [];
  readonly commits: { channel: number; vsns: number[] }[] = [];
  readonly committedVsns = new Set<number>();
  running = 0;
  maxRunning = 0;
  failOn?: (channel: number, events: readonly ChangeEvent[]) => unknown;

  constructor(private readonly opts: { uniqueTables?: string[]; maxDelayMs?: number; initial?: number[] } = {}) {}

  async prepare(_uuid: string, channels: number): Promise<ChannelProgress[]> {
    this.lastApplied = Array.from({ length: channels }, (_, i) => this.opts.initial?.[i] ?? 0);
    return this.lastApplied.map((v, channelNo) => ({ channelNo, lastAppliedVsn: v, inserts: 0, updates: 0, deletes: 0 }));
  }

  uniqueKeys(): readonly UniqueKeyInfo[] {
    return (this.opts.uniqueTables ?? []).map((t) => ({ schema: 'public', table: t, name: `${t}_u_key`, columns: ['u'], byValue: true }));
  }

  async applyBatch(channel: number, events: readonly ChangeEvent[]): Promise<void> {
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      await sleep(Math.random() * (this.opts.maxDelayMs ?? 2));
      const failure = this.failOn?.(channel, events);
      if (failure) throw failure;
      const todo = events.filter((e) => e.vsn > this.lastApplied[channel]!);
      if (todo.length === 0) return;
      const rows = new Map(this.rows);
      for (const e of todo) {
        const id = (k: Readonly<Row>) => `${e.schema}.${e.table}#${k.id}`;
        if (e.op === 't') {
          for (const k of [...rows.keys()]) if (k.startsWith(`${e.schema}.${e.table}#`)) rows.delete(k);
          continue;
        }
        const old = rows.get(id(e.key));
        if (e.op === 'c') {
          if (old) throw Object.assign(new Error('duplicate primary key'), { code: '23505' });
          rows.set(id(e.key), { ...e.after });
        } else if (e.op === 'd') {
          rows.delete(id(e.key));
        } else if (old) {
          const next = { ...old, ...e.after };
          rows.delete(id(e.key));
          if (rows.has(id(next))) throw Object.assign(new Error('duplicate primary key'), { code: '23505' });
          rows.set(id(next), next);
        }
        if (this.opts.uniqueTables?.includes(e.table) && e.op !== 'd') {
          const seen = new Set<string>();
          for (const [k, r] of rows) {
            if (!k.startsWith(`${e.schema}.${e.table}#`) || r.u === null || r.u === undefined) continue;
            if (seen.has(r.u)) throw Object.assign(new Error('duplicate unique value'), { code: '23505' });
            seen.add(r.u);
          }
        }
      }
      this.rows = rows;
      this.lastApplied[channel] = todo[todo.length - 1]!.vsn;
      this.commits.push({ channel, vsns: todo.map((e) => e.vsn) });
      for (const e of todo) {
        if (this.committedVsns.has(e.vsn)) throw new Error(`vsn ${e.vsn} applied twice`);
        this.committedVsns.add(e.vsn);
      }
    } finally {
      this.running--;
    }
  }

  isKeyConflict(error: unknown): boolean {
    return (error as { code?: string })?.code === '23505';
  }

  isTransientConflict(error: unknown): boolean {
    return (error as { code?: string })?.code === '40P01';
  }

  async close(): Promise<void> {}
}

/** Applies events row by row in order to a plain map: what the source holds. */
export function replay(events: readonly ChangeEvent[]): Map<string, Row> {
  const rows = new Map<string, Row>();
  for (const e of events) {
    const id = (k: Readonly<Row>) => `${e.schema}.${e.table}#${k.id}`;
    if (e.op === 't') {
      for (const k of [...rows.keys()]) if (k.startsWith(`${e.schema}.${e.table}#`)) rows.delete(k);
    } else if (e.op === 'c') rows.set(id(e.key), { ...e.after });
    else if (e.op === 'd') rows.delete(id(e.key));
    else {
      const old = rows.get(id(e.key));
      if (!old) continue;
      const next = { ...old, ...e.after };
      rows.delete(id(e.key));
      rows.set(id(next), next);
    }
  }
  return rows;
}
