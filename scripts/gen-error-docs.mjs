// Writes docs/errors.md from src/core/errors.ts (run after `npm run build`).
import { writeFileSync } from 'node:fs';
import { ERROR_CODES } from '../dist/src/core/errors.js';

export function renderErrorDocs() {
  const lines = ['# Error codes', '', 'Every failure a user can cause ends with one line `error [CODE]: message` on stderr, a `fix:` line where there is a fix, and a non-zero exit: 2 for a usage error, 1 for everything else, 70 for an internal bug (with a stack trace: please report it). Interrupted by Ctrl-C (SIGINT) or SIGTERM, a command says that it stopped, that what it had finished is recorded and a rerun goes on, and what it leaves on a database (a live export stopped during its snapshot: the replication slot and publication, or the binlog stream\'s rows, with how to remove them), and exits 130 or 143; a command that streams changes (export data and import data once their snapshot is done, the commands of a fall-back, archive changes) stops cleanly and exits 0 when stopped while streaming; stopped during the snapshot copy or load, export data and import data exit 130 or 143 too. A closed terminal (SIGHUP) ends a command at once, without a message (exit 129): run long commands under nohup, tmux or screen. A rerun of the same command goes on in every case.', '', '| Code | What it means and how to fix it |', '| --- | --- |'];
  for (const [code, text] of Object.entries(ERROR_CODES)) lines.push(`| \`${code}\` | ${text} |`);
  return lines.join('\n') + '\n';
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorDocs());
}
