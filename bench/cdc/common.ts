/**
 * Shared helpers of bench/cdc and bench/cutover: shell commands, pgbench, the built CLI as a child
 * process (output lines time-stamped, stopped with SIGINT on cleanup), and a read-only view of
 * meta.db (queue, consumers, cutover state) that polls without starting a CLI.
 *
 * Not a bench by itself.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CLI_PATH } from '../../test/helpers/cli.js';
import type { PgServer } from '../../test/helpers/pg-server.js';

export const PG_BIN = '/usr/lib/postgresql/15/bin';
export const PGBENCH = `${PG_BIN}/pgbench`;
export const PSQL = `${PG_BIN}/psql`;
export const PG_DUMP = `${PG_BIN}/pg_dump`;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const now = () => performance.now();

/** Runs a shell command synchronously (pipefail); throws with its output on failure. */
export function sh(cmd: string, env: Record<string, string> = {}): { ms: number; stdout: string; stderr: string } {
  const t0 = now();
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', cmd], { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (r.status !== 0) throw new Error(`command failed (${r.status}): ${cmd}\n${r.stderr}${r.stdout}`);
  return { ms: now() - t0, stdout: r.stdout, stderr: r.stderr };
}

/** Every child started here; killed on exit whatever happens. */
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    process.stderr.write(`\n${sig}: cleaning up\n`);
    process.exit(130); // the exit hooks stop children and servers
  });
}

export interface Line { readonly t: number; readonly text: string }

/** A running child process; `lines` holds every output line with the time it arrived. */
export class Proc {
  readonly lines: Line[] = [];
  readonly done: Promise<number | null>;
  private buf = '';
  constructor(readonly label: string, readonly child: ChildProcess) {
    children.add(child);
    const onData = (d: Buffer) => {
      this.buf += d.toString();
      let i;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        this.lines.push({ t: now(), text: this.buf.slice(0, i) });
        this.buf = this.buf.slice(i + 1);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    this.done = new Promise((resolve) => child.on('close', (code) => {
      children.delete(child);
      if (this.buf) this.lines.push({ t: now(), text: this.buf });
      resolve(code);
    }));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** First line matching `re` (after `after`), if any. */
  find(re: RegExp, after = 0): Line | undefined {
    return this.lines.find((l) => l.t >= after && re.test(l.text));
  }

  /** Interesting output (no metrics table rows), for error messages. */
  tail(n = 40): string {
    return this.lines.filter((l) => !/^\s*[|+]/.test(l.text)).slice(-n).map((l) => `  [${this.label}] ${l.text}`).join('\n');
  }

  /** SIGINT (a clean stop that a rerun resumes), SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<number | null> {
    if (!this.running) return this.done;
    this.child.kill('SIGINT');
    const t = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const code = await this.done;
    clearTimeout(t);
    return code;
  }
}

export function startProc(label: string, cmd: string, args: string[], env: Record<string, string> = {}): Proc {
  return new Proc(label, spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** The built CLI, as a user would run it in a terminal of its own; `nodeArgs` go to node (a CPU profile, say). */
export function startTandem(label: string, args: string[], env: Record<string, string>, nodeArgs: readonly string[] = []): Proc {
  return startProc(label, process.execPath, [...nodeArgs, CLI_PATH, ...args], { TANDEM_NO_TTY: '1', TANDEM_METRICS_INTERVAL_MS: '3600000', ...env });
}

/** node's flags that write a CPU profile into `dir` when the process ends (none without a dir); `name` fixes the file's name. */
export function cpuProfileArgs(dir: string | undefined, name?: string): string[] {
  if (!dir) return [];
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...(name ? [`--cpu-prof-name=${name}`] : [])];
}

/** Runs the CLI to its end; throws on a non-zero exit. */
export async function runTandem(args: string[], env: Record<string, string>): Promise<{ ms: number; out: string }> {
  const t0 = now();
  const p = startTandem(args.slice(0, 2).join(' '), args, env);
  const code = await p.done;
  const out = p.lines.map((l) => l.text).join('\n');
  if (code !== 0) throw new Error(`tandem ${args.slice(0, 4).join(' ')} exited ${code}:\n${out}`);
  return { ms: now() - t0, out };
}

/** pgbench in the background; resolves with its output. */
export function pgbench(args: string[], conn: { host: string; port: number; user: string; password: string }, db: string, label = 'pgbench'): Proc {
  return startProc(label, PGBENCH, ['-h', conn.host, '-p', String(conn.port), '-U', conn.user, ...args, db], { PGPASSWORD: conn.password });
}

export async function pgbenchResult(p: Proc): Promise<{ tps: number; transactions: number; out: string }> {
  const code = await p.done;
  const out = p.lines.map((l) => l.text).join('\n');
  if (code !== 0) throw new Error(`${p.label} exited ${code}:\n${out}`);
  const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(out)?.[1] ?? NaN);
  const transactions = Number(/number of transactions actually processed: (\d+)/.exec(out)?.[1] ?? NaN);
  return { tps, transactions, out };
}

/** Polls `check` every `intervalMs` until it returns a value other than undefined/false. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, intervalMs = 50, diag?: () => string): Promise<T> {
  const end = now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v as T;
    if (now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${diag ? `\n${diag()}` : ''}`);
    await sleep(intervalMs);
  }
}

/** A read-only view of an export dir's meta.db (other processes write it; WAL mode lets us read). */
export class MetaView {
  private db?: Database.Database;
  constructor(readonly exportDir: string) {}

  private open(): Database.Database | undefined {
    if (this.db) return this.db;
    const path = join(this.exportDir, 'metainfo', 'meta.db');
    if (!existsSync(path)) return undefined;
    this.db = new Database(path, { readonly: true, fileMustExist: true });
    this.db.pragma('busy_timeout = 2000');
    return this.db;
  }

  private get<T>(sql: string, ...params: unknown[]): T | undefined {
    try {
      return this.open()?.prepare(sql).get(...params) as T | undefined;
    } catch (e) {
      if (/no such table/.test((e as Error).message)) return undefined;
      throw e;
    }
  }

  lastVsn(): number {
    return this.get<{ last_vsn: number }>('SELECT last_vsn FROM queue_state WHERE id = 1')?.last_vsn ?? 0;
  }

  appliedVsn(consumer: string): number {
    return this.get<{ applied_vsn: number }>('SELECT applied_vsn FROM queue_consumers WHERE name = ?', consumer)?.applied_vsn ?? 0;
  }

  step(step: string): string {
    return this.get<{ status: string }>('SELECT status FROM step_status WHERE step = ?', step)?.status ?? 'NOT_STARTED';
  }

  value<T>(key: string): T | undefined {
    const r = this.get<{ value_json: string }>('SELECT value_json FROM kv WHERE key = ?', key);
    return r ? (JSON.parse(r.value_json) as T) : undefined;
  }

  /** The direction's cutover row; `requestedAt` in ms since the epoch (when `initiate cutover` recorded it). */
  cutover(direction: 'to_target' | 'to_source'): { status: string; markerVsn?: number; requestedAt?: number; detail: Record<string, unknown> } {
    const r = this.get<{ status: string; marker_vsn: number | null; requested_at: string | null; detail_json: string }>(
      'SELECT status, marker_vsn, requested_at, detail_json FROM cutover WHERE direction = ?', direction);
    return r
      ? { status: r.status, markerVsn: r.marker_vsn ?? undefined, requestedAt: r.requested_at ? Date.parse(r.requested_at) : undefined, detail: JSON.parse(r.detail_json) }
      : { status: 'NOT_INITIATED', detail: {} };
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
  }
}

/** Runs registered cleanups in reverse order; each failure is reported, none stops the others. */
export class Cleanup {
  private readonly steps: Array<{ what: string; fn: () => unknown }> = [];
  add(what: string, fn: () => unknown): void {
    this.steps.push({ what, fn });
  }
  async run(): Promise<void> {
    while (this.steps.length) {
      const s = this.steps.pop()!;
      try {
        await s.fn();
      } catch (e) {
        process.stderr.write(`cleanup (${s.what}) failed: ${(e as Error).message}\n`);
      }
    }
  }
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** The median; of an even number of values, the mean of the two middle ones (the nearest-rank 50th percentile took the lower, which flattered a bench of 2 runs). */
export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
export const rate = (n: number, ms: number) => Math.round(n / (ms / 1000)).toLocaleString('en-US');

/** The machine's 1-minute load average (other work on the machine skews every figure). */
export function loadAvg(): string {
  try {
    return sh('cat /proc/loadavg').stdout.split(' ').slice(0, 3).join(' ');
  } catch {
    return '?';
  }
}

/**
 * Applied minus written (ms) of the heartbeat rows of `table` written from `fromMs` to `toMs` (epoch
 * ms): each row's `ts` is its write time on the source, and its transaction's commit time on the
 * target (`pg_xact_commit_timestamp`, the target server runs with `track_commit_timestamp = on`) is
 * when it was applied. Before, an ENABLE ALWAYS trigger on the target logged each heartbeat as it was
 * applied; Tandem's writers now stop at such a trigger (it would fire for every replicated row), so
 * the heartbeats are rows of their own, inserted, which both Tandem and native replication commit
 * as they apply them.
 */
export async function appliedLags(target: PgServer, db: string, table: string, fromMs: number, toMs: number): Promise<number[]> {
  const rows = await target.sql(db, `SELECT extract(epoch FROM ts) * 1000 AS ts, extract(epoch FROM pg_catalog.pg_xact_commit_timestamp(xmin)) * 1000 AS applied FROM public.${table}`);
  return rows.map((r) => ({ ts: Number(r.ts), applied: Number(r.applied) }))
    .filter((r) => r.ts >= fromMs && r.ts <= toMs && Number.isFinite(r.applied)).map((r) => r.applied - r.ts);
}
