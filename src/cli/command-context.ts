import type { OptionValues } from './option-resolver.js';
import { TandemError } from '../core/errors.js';

/** What a command handler gets: its resolved options and where to print. */
export class CommandContext {
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

  bool(name: string): boolean {
    return this.options.get(name) === true;
  }

  /** Whether a boolean flag was given at all (some spec flags are mandatory booleans). */
  boolOrUndefined(name: string): boolean | undefined {
    const v = this.options.get(name);
    return v === undefined ? undefined : v === true;
  }

  print(line = ''): void {
    this.stdout.write(line + '\n');
  }

  warn(line: string): void {
    this.stderr.write(`WARNING: ${line}\n`);
  }
}
