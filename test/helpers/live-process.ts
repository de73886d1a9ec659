/**
 * Long-running tandem commands for live-migration tests: start as a child process, watch its output,
 * kill it (SIGKILL or SIGINT), and make sure every child is gone when the test ends.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI_PATH, newExportDir, runTandem } from './cli.js';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface TandemProcess {
  readonly child: ChildProcess;
  readonly args: string[];
  /** Everything written to stdout and stderr so far (metrics lines included). */
  output(): string;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  readonly done: Promise<number | string>;
  exited(): boolean;
  /** Resolves when `pattern` appears in the output; rejects on exit or timeout. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

export function startTandem(args: string[], env: Record<string, string>): TandemProcess {
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    env: { ...process.env, TANDEM_NO_TTY: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let out = '';
  let finished = false;
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const done = new Promise<number | string>((resolve) => child.on('close', (code, signal) => {
    finished = true;
    live.delete(child);
    resolve(code ?? signal ?? -1);
  }));
  const p: TandemProcess = {
    child, args, done,
    output: () => out,
    exited: () => finished,
    async waitFor(pattern, timeoutMs = 60_000) {
      const until = Date.now() + timeoutMs;
      while (!pattern.test(out)) {
        if (finished) throw new Error(`tandem ${args.slice(0, 4).join(' ')} exited before ${pattern}:\n${tail(out)}`);
        if (Date.now() > until) throw new Error(`timeout waiting for ${pattern} from tandem ${args.slice(0, 4).join(' ')}:\n${tail(out)}`);
        await sleep(50);
      }
    },
    async kill(signal = 'SIGKILL') {
      if (!finished) child.kill(signal);
      return done;
    },
  };
  return p;
}

/** Kills every child process still running (for `after()`). */
export async function killAll(): Promise<void> {
  const waits: Promise<unknown>[] = [];
  for (const c of live) {
    if (c.exitCode === null && c.signalCode === null) {
      waits.push(new Promise((r) => c.once('close', r)));
      c.kill('SIGKILL');
    }
  }
  await Promise.all(waits);
}

/** The last lines of a process's output without the metrics table rows. */
export function tail(out: string, chars = 3000): string {
  return out.split('\n').filter((l) => !/^\s*[|+]/.test(l)).join('\n').slice(-chars);
}

export interface CutoverRow { direction: string; status: string; detail?: unknown }

export async function cutoverStatus(exportDir: string, env: Record<string, string>): Promise<CutoverRow[]> {
  const r = await runTandem(['cutover', 'status', '--export-dir', exportDir, '--output-format', 'json'], env);
  if (r.code !== 0) throw new Error(`cutover status failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as CutoverRow[];
}

/** Polls `cutover status` until `direction` is COMPLETED. */
export async function waitCutover(exportDir: string, env: Record<string, string>, direction: string, timeoutMs = 90_000): Promise<CutoverRow> {
  const until = Date.now() + timeoutMs;
  let last: CutoverRow | undefined;
  while (Date.now() < until) {
    const rows = await cutoverStatus(exportDir, env);
    last = rows.find((x) => x.direction === direction);
    if (last?.status === 'COMPLETED') return last;
    await sleep(500);
  }
  throw new Error(`timeout waiting for ${direction} COMPLETED; last: ${JSON.stringify(last)}`);
}

/** Polls `check()` until it returns true (or throws the last difference on timeout). */
export async function eventually(check: () => Promise<true | string>, timeoutMs: number, intervalMs = 500): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last: true | string = 'never checked';
  while (Date.now() < until) {
    last = await check();
    if (last === true) return;
    await sleep(intervalMs);
  }
  throw new Error(`condition not reached in ${timeoutMs} ms: ${last}`);
}

/**
 * The live migration's start as a user types it: export schema and import schema into a new export
 * dir, then export data (snapshot and changes) and import data side by side. Resolves once the
 * exporter streams and the importer applies changes.
 */
export async function startLiveMigration(source: string[], target: string[], env: Record<string, string>): Promise<{ dir: string; ex: TandemProcess; im: TandemProcess }> {
  const dir = newExportDir();
  for (const args of [['export', 'schema', '--export-dir', dir, ...source], ['import', 'schema', '--export-dir', dir, ...target]]) {
    const r = await runTandem(args, env);
    if (r.code !== 0) throw new Error(`tandem ${args.slice(0, 2).join(' ')} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  const ex = startTandem(['export', 'data', '--export-dir', dir, ...source, '--export-type', 'snapshot-and-changes'], env);
  await ex.waitFor(/Streaming changes/, 60_000);
  const im = startTandem(['import', 'data', '--export-dir', dir, ...target], env);
  await im.waitFor(/Applying the changes captured on the source/, 60_000);
  return { dir, ex, im };
}

/** How many lines of the export dir's logs (any command's log) match `line` (a global RegExp). */
export function logMatches(dir: string, line: RegExp): number {
  const logs = join(dir, 'logs');
  if (!existsSync(logs)) return 0;
  return readdirSync(logs).reduce((n, f) => n + (readFileSync(join(logs, f), 'utf8').match(line)?.length ?? 0), 0);
}

/** How many readings by key range of `table` the export dir's logs record (any command's log). */
export function rangeReadings(dir: string, table: string): number {
  return logMatches(dir, new RegExp(`early verification of ${table.replace(/\./g, '\\.')} at vsn \\d+: .*key ranges of`, 'g'));
}
