import { TandemError } from '../core/errors.js';
import { parseIdentifierList } from '../core/identifier-list.js';

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
    for (const parts of parseIdentifierList(text, flag)) {
      if (parts.length > 2) throw new TandemError('TANDEM_USAGE', `${flag}: "${parts.join('.')}" has too many dots.`);
      const [schema, name] = parts.length === 2 ? parts : [undefined, parts[0]!];
      const re = new RegExp('^' + name!.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
      const found = tables.filter((t) => (schema === undefined || t.schema === schema) && re.test(t.name));
      if (found.length === 0) unknown.push(parts.join('.'));
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
