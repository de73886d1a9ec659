/**
 * What both demos share: phase banners, and the real `tandem` CLI run in the foreground (output
 * shown as is), in the background (lines prefixed with the command's name), and polled until a
 * cutover completes. The environment (passwords) is the demo's own, given when the demo knows it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function phase(name: string, what: string): void {
  process.stdout.write(`\n${bold(`== ${name}: ${what}`)}\n`);
}

function shown(args: string[]): string {
  return args.map((a) => (/[\s",]/.test(a) ? `'${a}'` : a)).join(' ');
}

export interface DemoCli {
  /** Runs a tandem command to completion, its output shown as is (unless `quiet`); resolves with its stdout. */
  tandem(args: string[], opts?: { quiet?: boolean }): Promise<string>;
  /** Starts a long-running tandem command in the background; its lines are prefixed with its name. */
  background(label: string, args: string[]): ChildProcess;
  /** Polls `cutover status` until `direction` is COMPLETED (2 minutes at most). */
  waitForCutover(dir: string[], direction: 'cutover to target' | 'cutover to source'): Promise<void>;
}

/** The CLI with this environment (its passwords) for every command. */
export function demoCli(env: NodeJS.ProcessEnv): DemoCli {
  const cli: DemoCli = {
    async tandem(args, opts = {}) {
      if (!opts.quiet) process.stdout.write(`\n$ tandem ${shown(args)}\n`);
      let out = '';
      const code = await new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
        child.stdout.on('data', (d) => { out += d; if (!opts.quiet) process.stdout.write(d); });
        child.stderr.on('data', (d) => process.stderr.write(d));
        child.on('close', resolve);
      });
      if (code !== 0) throw new Error(`tandem ${args.slice(0, 4).join(' ')} exited with ${code}`);
      return out;
    },
    background(label, args) {
      process.stdout.write(`\n$ tandem ${shown(args)} &   ${bold(`[${label}]`)}\n`);
      const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, TANDEM_NO_TTY: '1' } });
      const prefix = (d: Buffer) => d.toString().split('\n').filter((l) => l.trim() !== '').map((l) => `  [${label}] ${l}\n`).join('');
      child.stdout!.on('data', (d: Buffer) => process.stdout.write(prefix(d)));
      child.stderr!.on('data', (d: Buffer) => process.stdout.write(prefix(d)));
      return child;
    },
    async waitForCutover(dir, direction) {
      for (let i = 0; i < 240; i++) {
        const out = await cli.tandem(['cutover', 'status', ...dir, '--output-format', 'json'], { quiet: true });
        const row = (JSON.parse(out) as { direction: string; status: string }[]).find((r) => r.direction === direction);
        if (row?.status === 'COMPLETED') return;
        await sleep(500);
      }
      throw new Error(`${direction} did not complete within 2 minutes`);
    },
  };
  return cli;
}
