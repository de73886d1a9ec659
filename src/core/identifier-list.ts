import { TandemError } from './errors.js';

/**
 * One name as the user typed it: `text` keeps its case either way; `quoted` says whether it was
 * double-quoted (then it names exactly that) or not (then `resolveNameRef` decides, as YugabyteDB
 * Voyager does: exactly as typed first, then folded to lower case).
 */
export interface NameRef {
  readonly text: string;
  readonly quoted: boolean;
}

/**
 * Splits a comma-separated list of SQL names: a double-quoted name keeps its case and may contain
 * commas, dots and `""`; an unquoted one is trimmed and keeps the case it was typed in (see
 * `NameRef`). Each item may be qualified (`schema.table`); the parts come back separately.
 */
export function parseNameRefList(text: string, flag: string): NameRef[][] {
  const items: NameRef[][] = [];
  let parts: NameRef[] = [];
  let current = '';
  let quoted = false;
  let wasQuoted = false;
  const endPart = () => {
    const name = wasQuoted ? current : current.trim();
    if (name === '' && !wasQuoted) throw new TandemError('TANDEM_USAGE', `${flag} has an empty name in "${text}".`);
    parts.push({ text: name, quoted: wasQuoted });
    current = '';
    wasQuoted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') { current += '"'; i++; } else quoted = false;
      } else current += ch;
    } else if (ch === '"') {
      if (current.trim() !== '') throw new TandemError('TANDEM_USAGE', `${flag}: a quote may only start a name, in "${text}".`);
      current = '';
      quoted = true;
      wasQuoted = true;
    } else if (ch === '.') {
      endPart();
    } else if (ch === ',') {
      endPart();
      items.push(parts);
      parts = [];
    } else if (wasQuoted) {
      if (ch.trim() !== '') throw new TandemError('TANDEM_USAGE', `${flag}: unexpected "${ch}" after a quoted name in "${text}".`);
    } else current += ch;
  }
  if (quoted) throw new TandemError('TANDEM_USAGE', `${flag} has an unterminated quote in "${text}".`);
  if (text.trim() === '') return [];
  endPart();
  items.push(parts);
  return items;
}

/**
 * As the database reads identifiers: unquoted names folded to lower case (`fold: 'upper'`: to upper
 * case, as Oracle reads them).
 */
export function parseIdentifierList(text: string, flag: string, fold: NameFold = 'lower'): string[][] {
  return parseNameRefList(text, flag).map((parts) => parts.map((p) => folded(p, fold)));
}

/** How a database folds unquoted names: PostgreSQL to lower case, Oracle to upper case. */
export type NameFold = 'lower' | 'upper';

/** A list of plain names (schemas) as the user typed them: qualification is an error. */
export function parseNameRefs(text: string, flag: string): NameRef[] {
  return parseNameRefList(text, flag).map((parts) => {
    if (parts.length !== 1) throw new TandemError('TANDEM_USAGE', `${flag} takes plain names, not "${parts.map((p) => p.text).join('.')}".`);
    return parts[0]!;
  });
}

/** A list of plain names (schemas), unquoted names folded as the database reads them. */
export function parseNameList(text: string, flag: string, fold: NameFold = 'lower'): string[] {
  return parseNameRefs(text, flag).map((n) => folded(n, fold));
}

function folded(n: NameRef, fold: NameFold): string {
  return n.quoted ? n.text : fold === 'upper' ? n.text.toUpperCase() : n.text.toLowerCase();
}

/**
 * The names among `available` that a typed name means, in YugabyteDB Voyager's way: a quoted name
 * only itself; an unquoted one itself exactly as typed if that exists, else its folded form (lower
 * case; upper case for Oracle), else
 * every name equal to it ignoring case (`available` holding both `Sales` and `SALES`, the unquoted
 * `sales` means both: an ambiguity the caller refuses, naming them). Empty when nothing matches.
 */
export function resolveNameRef(ref: NameRef, available: readonly string[], fold: NameFold = 'lower'): string[] {
  if (available.includes(ref.text)) return [ref.text];
  if (ref.quoted) return [];
  const f = folded(ref, fold);
  if (available.includes(f)) return [f];
  const lower = ref.text.toLowerCase();
  return available.filter((a) => a.toLowerCase() === lower);
}

/**
 * Resolves typed names against the names that exist; a name that matches nothing or more than one
 * is a TandemError (`code`) naming what is there, so a typo never silently drops anything.
 */
export function resolveNameRefs(refs: readonly NameRef[], available: readonly string[], what: { flag: string; kind: string; code: 'TANDEM_UNKNOWN_SCHEMA' | 'TANDEM_UNKNOWN_TABLE'; fold?: NameFold }): string[] {
  const out: string[] = [];
  const missing: string[] = [];
  for (const ref of refs) {
    const hits = resolveNameRef(ref, available, what.fold);
    if (hits.length === 1) {
      if (!out.includes(hits[0]!)) out.push(hits[0]!);
    } else if (hits.length === 0) {
      missing.push(ref.quoted ? `"${ref.text}"` : ref.text);
    } else {
      throw new TandemError('TANDEM_USAGE', `${what.flag}: ${ref.text} could mean ${what.kind}s ${hits.map((h) => `"${h}"`).join(' or ')}.`, {
        hint: `Quote the one you mean, e.g. ${what.flag} '"${hits[0]}"'.`,
      });
    }
  }
  if (missing.length > 0) {
    throw new TandemError(what.code, `${what.kind[0]!.toUpperCase()}${what.kind.slice(1)}(s) not found: ${missing.join(', ')}.`, {
      hint: `${what.kind[0]!.toUpperCase()}${what.kind.slice(1)}s there: ${available.slice(0, 40).join(', ') || '(none)'}${available.length > 40 ? ', …' : ''}.`,
    });
  }
  return out;
}
