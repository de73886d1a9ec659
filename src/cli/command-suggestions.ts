import { TandemError } from '../core/errors.js';
import { COMMANDS, type CommandSpec } from './command-registry.js';

/**
 * "Did you mean" for a mistyped command or a stray word. The thresholds are commander's, which makes
 * the suggestions for mistyped flags (its `suggestSimilar` is not exported): at most 3 edits, and
 * more than 40% of the longer text kept, so that a word is never "corrected" into an unrelated one.
 */
const MAX_DISTANCE = 3;
const MIN_SIMILARITY = 0.4;

/** Edit distance counting a swap of two neighbouring characters as one edit (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > MAX_DISTANCE) return Math.max(a.length, b.length);
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let j = 1; j <= b.length; j++) {
    for (let i = 1; i <= a.length; i++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The candidate closest to `typed` (the first in order among equals), if one is close enough; never `typed` itself. */
function closest(typed: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = MAX_DISTANCE + 1;
  for (const c of candidates) {
    const distance = editDistance(typed, c);
    if (distance === 0 || distance >= bestDistance) continue;
    if ((Math.max(typed.length, c.length) - distance) / Math.max(typed.length, c.length) <= MIN_SIMILARITY) continue;
    best = c;
    bestDistance = distance;
  }
  return best;
}

/** At most this many commands are offered for words that begin several; more is the whole list's job. */
const MAX_COMPLETIONS = 3;

/**
 * The commands the user probably meant by the words typed before the first flag: those the words
 * begin (`import data to`: to target, to source), else one a few typing edits away (`import data to
 * targe`, `analyse-schema`). Empty when no command is close, the words begin too many, or they are a
 * command exactly.
 */
export function suggestCommands(words: readonly string[]): string[] {
  const typed = words.join(' ');
  const phrases = COMMANDS.map((c) => c.words.join(' '));
  if (phrases.includes(typed)) return [];
  const completions = phrases.filter((p) => p.startsWith(`${typed} `));
  if (completions.length > MAX_COMPLETIONS) {
    // Too many to list (`tandem export`): the next word of each, where that is a command of its own or leads to one.
    const next = [...new Set(completions.map((p) => p.split(' ').slice(0, words.length + 1).join(' ')))];
    return next.length <= MAX_COMPLETIONS ? next : [];
  }
  if (completions.length > 0) return completions;
  const near = closest(typed, phrases);
  return near ? [near] : [];
}

/** TANDEM_USAGE for words a command does not know, naming the commands meant (one or more, from {@link suggestCommands}). */
export function unknownCommandError(words: readonly string[], suggestions: readonly string[]): TandemError {
  const quoted = suggestions.map((s) => `"${s}"`);
  if (suggestions.length === 1) {
    return new TandemError('TANDEM_USAGE', `unknown command "${words.join(' ')}". Did you mean ${quoted[0]}?`, {
      hint: `Run "tandem ${suggestions[0]}" (tandem ${suggestions[0]} --help lists its flags).`,
    });
  }
  return new TandemError('TANDEM_USAGE', `unknown command "${words.join(' ')}". Did you mean one of ${quoted.join(', ')}?`, {
    hint: `Run one of them (tandem <command> --help lists its flags).`,
  });
}

/**
 * TANDEM_USAGE for words after a complete command that no flag takes (`tandem export schema /path`):
 * names the first, says that flags start with --, and guesses the flag meant: a flag's name typed
 * without its dashes, or --export-dir before what looks like a path.
 */
export function strayWordError(spec: CommandSpec, stray: readonly string[]): TandemError {
  const command = `tandem ${spec.words.join(' ')}`;
  const word = stray[0]!;
  const names = spec.options.map((o) => o.name);
  const flag = closest(word.replace(/^-+/, ''), names) ?? (names.includes(word.replace(/^-+/, '')) ? word.replace(/^-+/, '') : undefined);
  const looksLikePath = /[/\\~]|^\./.test(word);
  const guess = flag ? `Did you mean --${flag}? `
    : looksLikePath && names.includes('export-dir') ? `Did you mean --export-dir ${word}? ` : '';
  return new TandemError('TANDEM_USAGE', `"${word}" after "${command}" is not expected: the command takes no words of its own, only flags, which start with --.`, {
    hint: `${guess}See the flags of this command: ${command} --help`,
  });
}

/**
 * The error for a connection flag (`--source-db-host`, `--target-ssl-mode`, `--oracle-db-sid`, …)
 * given to a command that takes no such flag because it reads the connection the export dir
 * recorded (`import data to source`, `export data from target`, `compare`, …): restart scripts pass
 * one set of connection flags to every command, and "unknown option" alone does not say why.
 * Undefined for any other flag.
 */
export function recordedConnectionFlagError(spec: CommandSpec, flag: string): TandemError | undefined {
  const m = /^--(?:(source|target)-(?:db|ssl)-[a-z-]+|oracle-[a-z-]+)$/.exec(flag);
  if (!m || spec.options.some((o) => `--${o.name}` === flag)) return undefined;
  // A misspelled one (--source-db-scheme) is not a connection flag of any command: the usual
  // "unknown option", with its "Did you mean", says it (measured before: "takes only its password",
  // untrue for export schema; found by the new-user run).
  if (!COMMANDS.some((c) => c.options.some((o) => `--${o.name}` === flag))) return undefined;
  const side = m[1] === 'target' ? 'target' : 'source';
  const command = `tandem ${spec.words.join(' ')}`;
  const password = spec.options.find((o) => o.name === `${side}-db-password`);
  const recordedBy = side === 'source' ? 'the one "export data from source" read' : 'the one "import data to target" wrote';
  return new TandemError('TANDEM_USAGE', `${flag} is not a flag of "${command}": `
    + (password
      ? `it connects to the ${side} recorded in the export dir (${recordedBy}) and takes only its password.`
      : `it reads the ${side}'s connection, if it needs one, from the export dir.`), {
    hint: password
      ? `Leave ${flag} out; give the password with --${password.name}${password.env ? ` or ${password.env}` : ''}. See: ${command} --help`
      : `Leave ${flag} out. See: ${command} --help`,
  });
}
