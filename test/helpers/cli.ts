import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PgServer } from './pg-server.js';

export const CLI_PATH = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI as a user would, without a terminal (so no prompts). */
export function runTandem(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], {
      env: { ...process.env, TANDEM_NO_TTY: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export function newExportDir(): string {
  return mkdtempSync(join(tmpdir(), 'tandem-export-'));
}

/** Source connection flags for a test server; the password travels by environment. */
export function sourceFlags(s: PgServer, db: string, schemas?: string): string[] {
  return ['--source-db-type', 'postgresql', '--source-db-host', s.host, '--source-db-port', String(s.port),
    '--source-db-user', s.user, '--source-db-name', db, ...(schemas ? ['--source-db-schema', schemas] : [])];
}

export function targetFlags(s: PgServer, db: string): string[] {
  return ['--target-db-host', s.host, '--target-db-port', String(s.port), '--target-db-user', s.user, '--target-db-name', db];
}
