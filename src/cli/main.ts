#!/usr/bin/env node
import { interruptNotes } from '../core/interrupt-notes.js';
import './runtime-setup.js'; // first: before any dependency is loaded
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Help, Option } from 'commander';
import { COMMANDS, matchCommand, type CommandSpec } from './command-registry.js';
import { CommandContext } from './command-context.js';
import { loadConfigFile, resolveOptions } from './option-resolver.js';
import { EXIT_INTERNAL, EXIT_USAGE, TandemError, connectionLostError, nativeModuleError, fileSystemError, isTandemError, privilegeError, readOnlyError } from '../core/errors.js';
import { log } from '../core/logger.js';
import { describeRunningCommand } from '../core/process-role.js';
import { TANDEM_VERSION } from './version-command.js';
import { endOutputQuietlyWhenReaderCloses } from './closed-output.js';
import { PromptInterrupted } from './prompt.js';
import { recordedConnectionFlagError, strayWordError, suggestCommands, unknownCommandError } from './command-suggestions.js';

function topLevelHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.words.join(' ').length));
  // Wrapped at 80 columns, as each command's --help is (the fix-verify-50b run: lines of 148).
  const indent = ' '.repeat(2 + width + 2);
  const lines = COMMANDS.map((c) => `  ${c.words.join(' ').padEnd(width)}  ${new Help().boxWrap(c.summary, 80 - indent.length).replace(/\n/g, `\n${indent}`)}`);
  return [
    `tandem ${TANDEM_VERSION}: live migration into YugabyteDB with fall-back`,
    '',
    'Usage: tandem <command> [flags]     tandem <command> --help for its flags',
    '',
    'Commands:',
    ...lines,
    '',
  ].join('\n');
}

/**
 * The widest flag column of a command's help. A connection flag with its choices is 72 columns wide,
 * which left commander no room to wrap the descriptions (measured before: lines of 200 columns in the
 * commands that take connection flags, wrapped at 80 in the others; the newuser-50 run): a flag wider
 * than this stands on a line of its own, its description below it in the usual column.
 */
const HELP_FLAG_COLUMN = 36;

function helpPadWidth(cmd: Command, helper: Help): number {
  return Math.min(HELP_FLAG_COLUMN, Help.prototype.padWidth.call(helper, cmd, helper));
}

function formatHelpItem(term: string, termWidth: number, description: string, helper: Help): string {
  if (!description || helper.displayWidth(term) <= termWidth) return Help.prototype.formatItem.call(helper, term, termWidth, description, helper);
  const indent = ' '.repeat(2 + termWidth + 2);
  const wrapped = helper.boxWrap(description, (helper.helpWidth ?? 80) - indent.length);
  return `  ${term}\n${indent}${wrapped.replace(/\n/g, `\n${indent}`)}`;
}

function buildParser(spec: CommandSpec): Command {
  const cmd = new Command(`tandem ${spec.words.join(' ')}`)
    .description(spec.summary)
    .exitOverride()
    // A flag the command does not know, or a bad value: the one-line error format of every other
    // failure (docs/errors.md), with the command's help as the fix.
    .configureOutput({
      outputError: (text, write) => {
        const flag = /^error: unknown option '([^']+)'/.exec(text)?.[1];
        const recorded = flag === undefined ? undefined : recordedConnectionFlagError(spec, flag.replace(/=.*$/, ''));
        write(recorded
          ? `error [TANDEM_USAGE]: ${recorded.message}\n  fix: ${recorded.hint}\n`
          : `error [TANDEM_USAGE]: ${text.replace(/^error: /, '').trim().replace(/\s*\n\s*/g, ' ')}\n  fix: See the flags of this command: tandem ${spec.words.join(' ')} --help\n`);
      },
    })
    // Words no flag takes are found after parsing (runCli): a mistyped command, or a stray word.
    .allowExcessArguments(true)
    .helpOption('-h, --help', 'show the flags of this command')
    .configureHelp({ padWidth: helpPadWidth, formatItem: formatHelpItem });
  for (const o of spec.options) {
    const valueName = o.kind === 'bool' ? '[bool]' : o.kind === 'enum' ? `<${o.choices!.join('|')}>` : `<${o.kind === 'int' ? 'n' : 'value'}>`;
    let description = o.description;
    if (o.defaultValue !== undefined) description += ` (default: ${String(o.defaultValue)})`;
    if (o.env) description += ` [env ${o.env}]`;
    if (o.required) description += ' (required)';
    cmd.addOption(new Option(`--${o.name} ${valueName}`, description));
  }
  return cmd;
}

/** Runs one tandem invocation and returns its exit code; never calls process.exit itself. */
export async function runCli(argv: readonly string[]): Promise<number> {
  // `tandem help import data`: that command's help (measured before: the general help; the new-user run).
  if (argv[0] === 'help' && argv.length > 1 && matchCommand(argv.slice(1))?.rest.length === 0) return runCli([...argv.slice(1), '--help']);
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(topLevelHelp());
    return argv.length === 0 ? EXIT_USAGE : 0;
  }
  if (argv[0] === '--version' || argv[0] === '-v') argv = ['version'];
  const match = matchCommand(argv);
  if (!match) {
    const suggestions = suggestCommands(commandWords(argv));
    if (suggestions.length > 0) return reportError(unknownCommandError(commandWords(argv), suggestions), commandWords(argv).join(' '));
    process.stderr.write(`error [TANDEM_USAGE]: unknown command "${commandWords(argv).join(' ')}"\n  fix: Use one of the commands below.\n\n${topLevelHelp()}`);
    return EXIT_USAGE;
  }
  const { spec, rest } = match;
  const parser = buildParser(spec);
  try {
    parser.parse(rest, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    throw e;
  }
  if (parser.args.length > 0) {
    // `import data to targe` matched `import data` and left `to targe`: a mistyped longer command.
    const suggestions = suggestCommands(commandWords(argv));
    return reportError(suggestions.length > 0 ? unknownCommandError(commandWords(argv), suggestions) : strayWordError(spec, parser.args), spec.words.join(' '));
  }
  const raw = parser.opts();
  const flags: Record<string, unknown> = {};
  for (const o of parser.options) {
    const v = raw[o.attributeName()];
    if (v !== undefined) flags[o.long!.slice(2)] = v;
  }
  const commandName = spec.words.join(' ');
  try {
    const configPath = flags['config-file'] as string | undefined;
    const config = configPath ? loadConfigFile(configPath) : undefined;
    const sections = new Set(COMMANDS.map((c) => c.configSection));
    const options = resolveOptions(spec.options, flags, process.env, config, spec.configSection, sections);
    for (const o of spec.options) {
      if (o.secret) log.addSecret(options.get(o.name) as string | undefined);
      if (o.required && !options.has(o.name)) {
        throw new TandemError('TANDEM_USAGE', `--${o.name} is required for "tandem ${commandName}". See: tandem ${commandName} --help`);
      }
    }
    log.level = (options.get('log-level') as 'info' | undefined) ?? 'info';
    const ctx = new CommandContext(commandName, options, new Set(Object.keys(flags)));
    // A password on the command line is in `ps` for everyone on the machine as long as the command runs.
    for (const o of spec.options) {
      if (o.secret && flags[o.name] !== undefined) {
        ctx.warn(`--${o.name} is visible to every user of this machine (ps) while the command runs; ${o.env ? `set ${o.env} instead, or leave it out to be asked` : 'leave it out to be asked'}.`);
      }
    }
    const handler = await spec.handler();
    const stopSignals = sayWhenInterrupted(commandName);
    try {
      await handler(ctx);
    } finally {
      stopSignals();
    }
    return 0;
  } catch (e) {
    // Ctrl-C at a prompt (raw mode: a key, not a signal) ends the command as a SIGINT does.
    if (e instanceof PromptInterrupted) return reportInterrupted(e.signal, commandName);
    return reportError(e, commandName);
  }
}

/**
 * Says that the command stopped at a signal (or at Ctrl-C typed at a prompt) and that a rerun goes
 * on; returns the exit status of a process ended by that signal (130 / 143).
 */
function reportInterrupted(signal: 'SIGINT' | 'SIGTERM', commandName: string): number {
  const left = interruptNotes().map((n) => `${n}\n`).join('');
  const text = `Interrupted (${signal}): ${describeRunningCommand(commandName)} stopped. What it had finished is recorded; run the same command again to go on.\n${left}`;
  process.stderr.write(text);
  log.warn(text.trim());
  return signal === 'SIGINT' ? 130 : 143;
}

/**
 * Ctrl-C (or SIGTERM) at a moment the command has no stop of its own for (a snapshot being read or
 * loaded, a verification, a wait): says that it stopped and that a rerun goes on, then ends the
 * process as the signal would have (exit 130 / 143). A command that stops gracefully listens for
 * the signal itself, and is left to do so. Returns the function that removes the handlers.
 */
function sayWhenInterrupted(commandName: string): () => void {
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((signal) => {
    const handler = () => {
      if (process.listenerCount(signal) > 1) return; // the command stops by itself
      process.exit(reportInterrupted(signal, commandName));
    };
    process.on(signal, handler);
    return () => process.off(signal, handler);
  });
  return () => handlers.forEach((off) => off());
}

function reportError(error: unknown, commandName: string): number {
  // Safety nets: a full disk or an unwritable export dir, a privilege the database refused, and a
  // lost database connection are the user's to fix wherever they happen, not bugs.
  const e = isTandemError(error) ? error : fileSystemError(error) ?? privilegeError(error) ?? readOnlyError(error) ?? connectionLostError(error, commandName) ?? nativeModuleError(error) ?? error;
  if (isTandemError(e)) {
    const text = log.redact(`error [${e.code}]: ${e.message}${e.hint ? `\n  fix: ${e.hint}` : ''}\n`);
    process.stderr.write(text);
    log.error(text.trim());
    return e.exitCode;
  }
  const err = e as Error;
  const text = log.redact(`internal error in ${describeRunningCommand(commandName)}: ${err?.stack ?? String(e)}\nThis is a bug in Tandem; please report it with the log file from <export-dir>/logs.\n`);
  process.stderr.write(text);
  log.error(text);
  return EXIT_INTERNAL;
}

let started = false;

/**
 * Runs the tandem command line of this process (`process.argv`) and sets `process.exitCode`. The
 * installed `tandem` command (`bin-entry.ts`) calls it; it runs at most once per process.
 */
export function runMain(): void {
  if (started) return;
  started = true;
  endOutputQuietlyWhenReaderCloses();
  let settled = false;
  // Safety net: if nothing is left to run while the command has not finished (it awaits something
  // that can never happen), Node would exit with 0 and the user would take a half-done step for a
  // finished one. Exit as the bug it is instead.
  process.on('beforeExit', () => {
    if (settled) return;
    settled = true;
    process.exitCode = reportError(new Error('the command stopped before it finished: it was waiting for something that can no longer happen'), process.argv.slice(2).join(' '));
  });
  const end = (code: number) => {
    settled = true;
    process.exitCode = code;
    // Safety net the other way: a connection or timer an error path left open would keep the
    // process running after the command ended (seen: an idle connection to the target after an
    // internal error), and a process manager waiting for the exit would never restart it. The
    // timer does not itself keep the process alive: it fires only if something else does.
    setTimeout(() => {
      log.debug(`the command ended ${LINGER_MS} ms ago and something still held the process open: exiting with ${code}`);
      process.exit(code);
    }, LINGER_MS).unref();
  };
  runCli(process.argv.slice(2)).then(end, (e) => end(reportError(e, process.argv.slice(2).join(' '))));
}

/** How long a process whose command has ended may stay up for what is still open (connections closing) before it exits anyway. */
const LINGER_MS = 3000;

/**
 * Whether `script` (process.argv[1]) is this very file, through any symlink or a name given without
 * `.js`. Only for `node dist/src/cli/main.js …`; the installed command never depends on it.
 */
function isThisFile(script: string | undefined): boolean {
  if (!script) return false;
  const self = realpathSync(fileURLToPath(import.meta.url));
  for (const candidate of [script, `${script}.js`]) {
    try {
      if (realpathSync(candidate) === self) return true;
    } catch { /* not a file: try the next */ }
  }
  return false;
}

// `node dist/src/cli/main.js …` runs the CLI too (tests and the demo do); importing this module does not.
if (isThisFile(process.argv[1])) runMain();

/** The words typed before the first flag: the command as the user meant it (a flag's value is not part of it). */
function commandWords(argv: readonly string[]): string[] {
  const first = argv.findIndex((a) => a.startsWith('-'));
  return first < 0 ? [...argv] : argv.slice(0, first);
}
