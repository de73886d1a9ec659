import { createInterface, type Interface } from 'node:readline';
import { TandemError } from '../core/errors.js';

/**
 * Ctrl-C typed at a prompt. A prompt puts the terminal in raw mode, so the kernel sends no SIGINT:
 * readline reads the key as a byte instead. The command line (main.ts) reports it exactly as a
 * SIGINT ("Interrupted", exit 130).
 */
export class PromptInterrupted extends Error {
  readonly signal = 'SIGINT';
  constructor() {
    super('interrupted at a prompt (Ctrl-C)');
    this.name = 'PromptInterrupted';
  }
}

/**
 * Asks `question` on `rl` and settles once: with the line typed; with {@link PromptInterrupted} at
 * Ctrl-C; with `onEnd()` when the input ends without an answer (Ctrl-D on an empty line, or stdin
 * closed). Without these, the promise would never settle and the command would stop as a bug.
 */
function ask(rl: Interface, question: string, onEnd: () => string | Error): Promise<string> {
  return new Promise((resolve, reject) => {
    let answered = false;
    rl.on('SIGINT', () => {
      answered = true;
      rl.close();
      reject(new PromptInterrupted());
    });
    rl.on('close', () => {
      if (answered) return;
      answered = true;
      const end = onEnd();
      if (end instanceof Error) reject(end);
      else resolve(end);
    });
    rl.question(question, (answer) => {
      answered = true;
      rl.close();
      resolve(answer);
    });
  });
}

/**
 * Reads a line from the terminal without echoing it. Ctrl-C rejects with {@link PromptInterrupted};
 * Ctrl-D (no answer) rejects with TANDEM_ABORTED, before anything was changed.
 */
export async function promptSecret(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const out = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WritableStream };
  out._writeToOutput = (s: string) => {
    if (s.includes(question)) out.output.write(question);
  };
  try {
    return await ask(rl, question, () => new TandemError('TANDEM_ABORTED', 'No password was given: the input ended (Ctrl-D) at the password prompt; nothing was changed.', {
      hint: 'Run the command again and type the password (press Enter alone for none), or set it in SOURCE_DB_PASSWORD / TARGET_DB_PASSWORD.',
    }));
  } finally {
    process.stderr.write('\n');
  }
}

/**
 * Asks a yes/no question; `assumeYes` (--yes) answers without asking; no terminal means no, and so
 * does the input ending without an answer (Ctrl-D). Ctrl-C rejects with {@link PromptInterrupted}.
 */
export async function confirm(question: string, assumeYes: boolean): Promise<boolean> {
  if (assumeYes) return true;
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await ask(rl, `${question} [y/N] `, () => {
    process.stderr.write('\n');
    return '';
  });
  return /^y(es)?$/i.test(answer.trim());
}
