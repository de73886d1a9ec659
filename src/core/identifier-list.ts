import { TandemError } from './errors.js';

/**
 * Splits a comma-separated list of SQL names the way PostgreSQL reads identifiers: an unquoted name
 * folds to lower case (`fold: 'upper'`: to upper case, as Oracle reads them), a double-quoted one
 * keeps its case and may contain commas, dots and `""`. Each item may be qualified
 * (`schema.table`); the parts come back separately.
 */
export function parseIdentifierList(text: string, flag: string, fold: 'lower' | 'upper' = 'lower'): string[][] {
  const items: string[][] = [];
  let parts: string[] = [];
  let current = '';
  let quoted = false;
  let wasQuoted = false;
  const endPart = () => {
    const name = wasQuoted ? current : fold === 'upper' ? current.trim().toUpperCase() : current.trim().toLowerCase();
    if (name === '' && !wasQuoted) throw new TandemError('TANDEM_USAGE', `${flag} has an empty name in "${text}".`);
    parts.push(name);
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

/** A list of plain names (schemas): qualification is an error. */
export function parseNameList(text: string, flag: string, fold: 'lower' | 'upper' = 'lower'): string[] {
  return parseIdentifierList(text, flag, fold).map((parts) => {
    if (parts.length !== 1) throw new TandemError('TANDEM_USAGE', `${flag} takes plain names, not "${parts.join('.')}".`);
    return parts[0]!;
  });
}
