import { readFileSync } from 'node:fs';
import type { CommandContext } from './command-context.js';

function readVersion(): string {
  // dist/src/cli/ -> package.json three levels up
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      return (JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { version: string }).version;
    } catch { /* try the next */ }
  }
  return 'unknown';
}

export const TANDEM_VERSION = readVersion();

export async function runVersion(ctx: CommandContext): Promise<void> {
  ctx.print(`tandem ${TANDEM_VERSION} (node ${process.version})`);
}
