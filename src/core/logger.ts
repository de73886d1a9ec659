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
  level: LogLevel = 'info';

  open(logsDir: string, command: string): void {
    mkdirSync(logsDir, { recursive: true });
    this.file = join(logsDir, `${command.replace(/\s+/g, '-')}.log`);
    this.info(`---- ${command} started (pid ${process.pid}) ----`);
  }

  addSecret(secret: string | undefined): void {
    if (secret) this.secrets.add(secret);
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join('********');
    return out.replace(/(password\s*[=:]\s*)\S+/gi, '$1********');
  }

  debug(msg: string): void { this.write('debug', msg); }
  info(msg: string): void { this.write('info', msg); }
  warn(msg: string): void { this.write('warn', msg); }
  error(msg: string): void { this.write('error', msg); }

  private write(level: LogLevel, msg: string): void {
    if (!this.file || ORDER[level] < ORDER[this.level]) return;
    appendFileSync(this.file, `${new Date().toISOString()} ${level.toUpperCase()} ${this.redact(msg)}\n`);
  }
}

/** The process-wide logger; commands open it once they know the export dir. */
export const log = new Logger();
