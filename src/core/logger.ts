import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * One log file per command in `logs/`. Secrets registered with `addSecret` are replaced before
 * anything reaches the file, so a password that slips into an error message is never stored.
 */
export class Logger {
  private file?: string;
  private readonly secrets = new Set<string>();
  private readonly publicNames = new Set<string>();
  private writeFailed = false;
  level: LogLevel = 'info';

  open(logsDir: string, command: string): void {
    mkdirSync(logsDir, { recursive: true });
    this.file = join(logsDir, `${command.replace(/\s+/g, '-')}.log`);
    this.info(`---- ${command} started (pid ${process.pid}) ----`);
  }

  addSecret(secret: string | undefined): void {
    if (secret) this.secrets.add(secret);
  }

  /**
   * Names the messages print as names (a schema, a database, a user, a host): a secret equal to one
   * is masked only where it stands as a password (`password=…`), not wherever the name appears.
   * Measured before: with the password `x`, "Loading ********.t" hid the schema `x`, and so told
   * every reader what the password was.
   */
  addPublicNames(names: readonly (string | undefined)[]): void {
    for (const n of names) if (n) this.publicNames.add(n);
  }

  /**
   * Masks the registered secrets where they can really occur: Tandem never puts a password into its
   * own messages, but a driver's error or a connection string might. A secret is masked where it
   * stands as a token of its own (`user:x@host`, `password=x`, `'x'`), not where its text is part of
   * a longer word: with the password `x`, "export" stays readable. `password=…` is always masked.
   */
  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) if (!this.publicNames.has(s)) out = maskToken(out, s);
    // A URL's password (`//user:…@host`) and `password=…` are masked whatever they hold.
    return out.replace(/(\/\/[^\s:@/]*:)[^\s@/]+@/g, '$1********@').replace(/(password\s*[=:]\s*)\S+/gi, '$1********');
  }

  debug(msg: string): void { this.write('debug', msg); }
  info(msg: string): void { this.write('info', msg); }
  warn(msg: string): void { this.write('warn', msg); }
  error(msg: string): void { this.write('error', msg); }

  /**
   * A line that cannot be written (the export dir's disk full, the file removed with its directory)
   * is dropped, with one warning on stderr: the log is called from timers and error handlers, where a
   * throw would end a migration that can go on (or hide the error being handled).
   */
  private write(level: LogLevel, msg: string): void {
    if (!this.file || ORDER[level] < ORDER[this.level]) return;
    try {
      appendFileSync(this.file, `${new Date().toISOString()} ${level.toUpperCase()} ${this.redact(msg)}\n`);
    } catch (e) {
      if (this.writeFailed) return;
      this.writeFailed = true;
      process.stderr.write(`WARNING: cannot write the log file ${this.file} (${this.redact((e as Error).message)}); log lines are dropped until it can be written.\n`);
    }
  }
}

/** The process-wide logger; commands open it once they know the export dir. */
export const log = new Logger();

const WORD = /[\p{L}\p{N}_]/u;

/** Replaces each occurrence of `secret` in `text` that is not glued to a word character on an edge where the secret itself is a word character. */
function maskToken(text: string, secret: string): string {
  const glueStart = WORD.test(secret[0]!);
  const glueEnd = WORD.test(secret[secret.length - 1]!);
  let out = '';
  let from = 0;
  for (let i = text.indexOf(secret); i >= 0; i = text.indexOf(secret, i + 1)) {
    if (i < from) continue;
    const before = text[i - 1];
    const after = text[i + secret.length];
    if ((glueStart && before !== undefined && WORD.test(before)) || (glueEnd && after !== undefined && WORD.test(after))) continue;
    out += text.slice(from, i) + '********';
    from = i + secret.length;
  }
  return out + text.slice(from);
}
