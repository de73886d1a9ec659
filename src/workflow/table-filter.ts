import { TandemError } from '../core/errors.js';
import { parseNameRefList, resolveNameRef, type NameRef } from '../core/identifier-list.js';

interface Named { readonly schema: string; readonly name: string }

/**
 * Applies --table-list / --exclude-table-list. Entries are `table` or `schema.table`, quoted for
 * mixed case; `*` matches any run of characters. A name that matches nothing is an error, so a typo
 * never silently drops a table from the migration.
 */
export function filterTables<T extends Named>(tables: readonly T[], include?: string, exclude?: string): T[] {
  const match = (text: string, flag: string): Set<T> => {
    const hits = new Set<T>();
    const unknown: string[] = [];
    for (const parts of parseNameRefList(text, flag)) {
      if (parts.length > 2) throw new TandemError('TANDEM_USAGE', `${flag}: "${parts.map((p) => p.text).join('.')}" has too many dots.`);
      const [schemaRef, nameRef] = parts.length === 2 ? parts : [undefined, parts[0]!];
      let candidates: readonly T[] = tables;
      if (schemaRef) {
        const schemas = unambiguous(resolveNameRef(schemaRef, [...new Set(tables.map((t) => t.schema))]), schemaRef.text, 'schema', flag);
        candidates = tables.filter((t) => schemas.includes(t.schema));
      }
      const found = matchName(nameRef!, candidates, flag);
      if (found.length === 0) unknown.push(parts.map((p) => (p.quoted ? `"${p.text}"` : p.text)).join('.'));
      for (const f of found) hits.add(f);
    }
    if (unknown.length > 0) {
      throw new TandemError('TANDEM_UNKNOWN_TABLE', `${flag} names table(s) that do not exist in the selected schemas: ${unknown.join(', ')}.`, {
        hint: `Tables there: ${tables.slice(0, 30).map((t) => `${t.schema}.${t.name}`).join(', ')}${tables.length > 30 ? ', …' : ''}`,
      });
    }
    return hits;
  };
  let out = [...tables];
  if (include !== undefined && include.trim() !== '') {
    const inc = match(include, '--table-list');
    out = out.filter((t) => inc.has(t));
  }
  if (exclude !== undefined && exclude.trim() !== '') {
    const exc = match(exclude, '--exclude-table-list');
    out = out.filter((t) => !exc.has(t));
  }
  return out;
}

/** One match, or none; several different names matching one typed name is an ambiguity the user resolves by quoting. */
function unambiguous(hits: string[], typed: string, kind: string, flag: string): string[] {
  if (hits.length > 1) {
    throw new TandemError('TANDEM_USAGE', `${flag}: ${typed} could mean ${kind}s ${hits.map((h) => `"${h}"`).join(' or ')}.`, {
      hint: `Quote the one you mean, e.g. ${flag} '"${hits[0]}"'.`,
    });
  }
  return hits;
}

/**
 * The tables a typed name means (YugabyteDB Voyager's rule, as for schemas: an unquoted name exactly
 * as typed first, then folded to lower case, then ignoring case; a quoted one only as quoted). `*`
 * matches any run of characters, tried in the same order, except in a quoted name that is a table's
 * whole name (that table, `*` and all).
 */
function matchName<T extends Named>(ref: NameRef, tables: readonly T[], flag: string): T[] {
  if (!ref.text.includes('*')) {
    const names = unambiguous(resolveNameRef(ref, [...new Set(tables.map((t) => t.name))]), ref.text, 'table', flag);
    return tables.filter((t) => names.includes(t.name));
  }
  // A quoted name that is a table's whole name means that table alone, its `*` a character (measured
  // before: '"star*"' also took starX, and an exclude list dropped it without a word; the docs-claims-2 run).
  if (ref.quoted) {
    const exact = tables.filter((t) => t.name === ref.text);
    if (exact.length > 0) return exact;
  }
  const pattern = ref.text.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  const tries = ref.quoted ? [new RegExp(`^${pattern}$`)] : [new RegExp(`^${pattern}$`), new RegExp(`^${pattern.toLowerCase()}$`), new RegExp(`^${pattern}$`, 'i')];
  for (const re of tries) {
    const found = tables.filter((t) => re.test(t.name));
    if (found.length > 0) return found;
  }
  return [];
}
