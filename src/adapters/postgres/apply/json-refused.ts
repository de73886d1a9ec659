import { quoteIdent } from '../../../core/sql-names.js';

/**
 * A json column refused a text the database being read took for JSON: MariaDB's json_valid
 * accepts an escape such as \x and a number such as `1.`, which PostgreSQL's json refuses (and JSON
 * itself). The change cannot be written as json; a text column takes it as it is.
 */
export function jsonRefusedHint(table: string, sqlTable: string, jsonColumns: readonly string[], where: string, rerun: string): string {
  const columns = jsonColumns.length > 0 ? jsonColumns.map(quoteIdent) : ['<column>'];
  return `A value for ${jsonColumns.length === 1 ? 'the json column' : 'a json column'} ${jsonColumns.length > 0 ? `${jsonColumns.join(', ')} ` : ''}of ${table} is text that the database being read accepts as JSON and PostgreSQL's json refuses `
    + '(MariaDB accepts an escape such as \\x or a number such as 1.). Make the column text on '
    + `${where} (${columns.map((c) => `ALTER TABLE ${sqlTable} ALTER COLUMN ${c} TYPE text;`).join(' ')}), ${rerun} `
    + 'To have json again, correct such values on the database being read, and after the cutover run ALTER TABLE … ALTER COLUMN … TYPE json USING … ::json.';
}
