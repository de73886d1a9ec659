/**
 * Where a heartbeat's lag goes, from the debug logs of one live run (`BENCH_LOG_LEVEL=debug`): the
 * exporter logs every queue append ("queued N events in T ms, W ms after the group's first
 * transaction arrived", and where the engine tells it, how long after its commit the server sent the
 * group's newest transaction), the importer every batch it reads ("read N events (vsn a..b)") and every
 * batch a channel commits ("channel c: N events (vsn a..b) committed in T ms"). Each heartbeat row
 * in the queue carries the source's timestamp of its UPDATE; matched against those lines, its trip
 * splits into: source commit -> queue append (the source's WAL writer and walsender, the exporter's
 * decode, the group's wait and the append; what is left after the group's wait and the append is a
 * lower bound of the time before the heartbeat reached the exporter), append -> read, read -> commit
 * on the target.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ChangeEvent } from '../../src/core/change-event.js';
import { channelOf } from '../../src/workflow/cdc/channel-hash.js';
import { percentile } from './common.js';

interface Append { readonly at: number; readonly lastVsn: number; readonly waitedMs: number; readonly tookMs: number; readonly sentAfterMs?: number }
interface Range { readonly at: number; readonly channel?: number; readonly first: number; readonly last: number }

const APPEND = /^(\S+) DEBUG queued (\d+) events in (\d+) ms, (\d+) ms after[^;]*(?:; its newest transaction was sent (\d+) ms after its commit)?/;
const READ = /^(\S+) DEBUG read \d+ events \(vsn (\d+)\.\.(\d+)\)/;
const COMMIT = /^(\S+) DEBUG channel (\d+): \d+ events \(vsn (\d+)\.\.(\d+)\) committed/;

function lines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n') : [];
}

/** `2026-11-30 22:55:33.498646+00` (timestamptz text of a UTC session) as epoch ms. */
function timestampMs(text: string): number {
  return Date.parse(text.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
}

/**
 * The stage report of the heartbeats with vsn > `afterVsn` (the measured run), or a line saying why
 * there is none. The exporter's queue must have started empty in this run (its appends are counted
 * from vsn 1); `channels` is the importer's channel count.
 */
export function stageReport(exportDir: string, afterVsn: number, warmMs: number, startedAt: number, channels: number, table = 'bench_heartbeat'): string[] {
  const appends: Append[] = [];
  let vsn = 0;
  for (const l of lines(join(exportDir, 'logs', 'export-data-from-source.log'))) {
    const m = APPEND.exec(l);
    if (!m) continue;
    vsn += Number(m[2]);
    appends.push({ at: Date.parse(m[1]!), lastVsn: vsn, waitedMs: Number(m[4]), tookMs: Number(m[3]), sentAfterMs: m[5] === undefined ? undefined : Number(m[5]) });
  }
  const reads: Range[] = [];
  const commits: Range[] = [];
  for (const l of lines(join(exportDir, 'logs', 'import-data-to-target.log'))) {
    const r = READ.exec(l);
    if (r) reads.push({ at: Date.parse(r[1]!), first: Number(r[2]), last: Number(r[3]) });
    const c = COMMIT.exec(l);
    if (c) commits.push({ at: Date.parse(c[1]!), channel: Number(c[2]), first: Number(c[3]), last: Number(c[4]) });
  }
  if (appends.length === 0 || commits.length === 0) return ['  lag stages: no debug lines in the logs (run with BENCH_LOG_LEVEL=debug)'];

  const queueDir = join(exportDir, 'data', 'queue');
  const stages = { toAppend: [] as number[], waited: [] as number[], append: [] as number[], beforeGroup: [] as number[], sentAfter: [] as number[], toRead: [] as number[], toCommit: [] as number[] };
  const early = { toAppend: [] as number[], toRead: [] as number[], toCommit: [] as number[] };
  // Every heartbeat's whole trip and its parts, to name where the slowest ones lost their time.
  const trips: { readonly total: number; readonly toAppend: number; readonly waited: number; readonly append: number; readonly toRead: number; readonly toCommit: number; readonly at: number; readonly sent?: number }[] = [];
  const segments = readdirSync(queueDir).filter((f) => /^segment\.\d+\.ndjson$/.test(f)).sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
  for (const f of segments) {
    for (const l of readFileSync(join(queueDir, f), 'utf8').split('\n')) {
      if (!l.includes(`"table":"${table}"`)) continue;
      const e = JSON.parse(l) as ChangeEvent;
      const ts = (e as { after?: Record<string, string | null> }).after?.ts;
      if (e.vsn <= afterVsn || e.op !== 'u' || !ts) continue;
      const committedAt = timestampMs(ts);
      const a = appends.find((x) => x.lastVsn >= e.vsn);
      const ch = channelOf(e, channels);
      const c = commits.find((x) => x.channel === ch && x.first <= e.vsn && e.vsn <= x.last);
      const r = reads.find((x) => x.first <= e.vsn && e.vsn <= x.last);
      if (!a || !c || !r) continue;
      const target = committedAt < startedAt + warmMs ? early : stages;
      target.toAppend.push(a.at - committedAt);
      target.toRead.push(r.at - a.at);
      target.toCommit.push(c.at - r.at);
      if (target === stages) {
        stages.waited.push(a.waitedMs);
        stages.append.push(a.tookMs);
        // The group began when its first transaction reached the exporter, at or before this one:
        // so this heartbeat reached the exporter at least this long after its commit.
        stages.beforeGroup.push(Math.max(0, a.at - committedAt - a.waitedMs - a.tookMs));
        if (a.sentAfterMs !== undefined) stages.sentAfter.push(a.sentAfterMs);
        trips.push({ total: c.at - committedAt, toAppend: a.at - committedAt, waited: a.waitedMs, append: a.tookMs, toRead: r.at - a.at, toCommit: c.at - r.at, at: committedAt, sent: a.sentAfterMs });
      }
    }
  }
  const p = (xs: number[]) => (xs.length ? `p50 ${percentile(xs, 50).toFixed(0)}, p99 ${percentile(xs, 99).toFixed(0)} ms` : 'none');
  return [
    `  lag stages of ${stages.toAppend.length} heartbeats from ${warmMs / 1000} s on (debug logs; timestamps, not samples):`,
    `    source commit -> queue append:   ${p(stages.toAppend)} (of which the group's wait ${p(stages.waited)}, the append ${p(stages.append)})`,
    `      before the group began:        ${p(stages.beforeGroup)} (at least this long after its commit the heartbeat reached the exporter: the source's walsender had not sent it, or the exporter had not read it)`,
    ...(stages.sentAfter.length ? [`      the walsender's delay:         ${p(stages.sentAfter)} (how long after its commit the server sent the newest transaction of the heartbeat's group: the source's decoding behind its commits)`] : []),
    `    queue append -> importer read:   ${p(stages.toRead)}`,
    `    importer read -> target commit:  ${p(stages.toCommit)}`,
    `  the same for ${early.toAppend.length} heartbeats of the first ${warmMs / 1000} s: ${p(early.toAppend)}; ${p(early.toRead)}; ${p(early.toCommit)}`,
    `  the 3 slowest from ${warmMs / 1000} s on (source commit -> target commit: to the append [group's wait, append] + to the read + to the commit):`,
    ...[...trips].sort((x, y) => y.total - x.total).slice(0, 3).map((t) => `    ${t.total} ms at ${((t.at - startedAt) / 1000).toFixed(1)} s: ${t.toAppend} [${t.waited}, ${t.append}] + ${t.toRead} + ${t.toCommit} ms${t.sent === undefined ? '' : ` (its group's newest transaction sent ${t.sent} ms after its commit)`}`),
  ];
}
