import type { OptionValues } from './option-resolver.js';
import { TandemError } from '../core/errors.js';
import type { Reporter } from '../core/reporter.js';
import type { CommandEnv } from '../workflow/command-env.js';
import { resolveDbConfig } from './db-config-resolver.js';
import { existsSync } from 'node:fs';
import { ExportDir } from '../core/export-dir.js';

/**
 * What a command handler gets: its resolved options (flags, environment, config file, defaults
 * from the option spec) and where to print. Handlers turn it into the workflow's typed options and
 * `env()`; the workflow never sees it.
 */
export class CommandContext implements Reporter {
  /** Passwords typed at a prompt during this command, by database: asked once, kept in memory only. */
  private readonly typedPasswords = new Map<string, string | undefined>();

  constructor(
    readonly commandName: string,
    readonly options: OptionValues,
    readonly explicitFlags: ReadonlySet<string>,
    readonly stdout: NodeJS.WritableStream = process.stdout,
    readonly stderr: NodeJS.WritableStream = process.stderr,
  ) {}

  has(name: string): boolean {
    return this.options.has(name);
  }

  str(name: string): string | undefined {
    const v = this.options.get(name);
    return v === undefined ? undefined : String(v);
  }

  requireStr(name: string): string {
    const v = this.str(name);
    if (v === undefined || v === '') throw new TandemError('TANDEM_USAGE', `--${name} is required for "${this.commandName}".`);
    return v;
  }

  int(name: string): number | undefined {
    const v = this.options.get(name);
    return v === undefined ? undefined : Number(v);
  }

  /** An int option the spec gives a default, so it always has a value. */
  num(name: string): number {
    const v = this.int(name);
    if (v === undefined) throw new Error(`internal: --${name} has no value and no default in the option spec of "${this.commandName}"`);
    return v;
  }

  bool(name: string): boolean {
    return this.options.get(name) === true;
  }

  /** Whether a boolean flag was given at all (some spec flags are mandatory booleans). */
  boolOrUndefined(name: string): boolean | undefined {
    const v = this.options.get(name);
    return v === undefined ? undefined : v === true;
  }

  /** A string option the spec gives a default (for an enum: one of its choices), so it always has a value. */
  value<T extends string = string>(name: string): T {
    const v = this.str(name);
    if (v === undefined) throw new Error(`internal: --${name} has no value and no default in the option spec of "${this.commandName}"`);
    return v as T;
  }

  /**
   * A command that starts a migration in a new export dir needs --source-db-type (an export dir
   * already set up remembers it): refused here, before the export dir is set up, so that a usage
   * error leaves nothing behind.
   */
  requireSourceTypeForNewExportDir(): void {
    const dir = this.str('export-dir');
    if (this.has('source-db-type') || !dir || existsSync(new ExportDir(dir).metaDbPath)) return;
    throw new TandemError('TANDEM_USAGE', '--source-db-type is required (postgresql, mysql or oracle).');
  }

  print(line = ''): void {
    this.stdout.write(line + '\n');
  }

  warn(line: string): void {
    this.stderr.write(`WARNING: ${line}\n`);
  }

  /** The workflow's view of this command: its name, this reporter, and connections resolved from these options. */
  env(): CommandEnv {
    return { commandName: this.commandName, reporter: this, resolveDb: (meta, role, options) => resolveDbConfig(this, meta, role, options, this.typedPasswords) };
  }
}
