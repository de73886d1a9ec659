/**
 * The one rule that turns an Oracle name into a PostgreSQL name. The schema converter and the data
 * path (snapshot, change capture, fall-back writer) must name every table, column and sequence the
 * same way, so both call {@link oracleNameToPg}.
 */

/** PostgreSQL's identifier limit (NAMEDATALEN - 1), in bytes. */
export const PG_MAX_IDENTIFIER_BYTES = 63;

/**
 * The PostgreSQL name of an Oracle object or column, from its name as Oracle stores it (as the
 * catalog views `ALL_TABLES.TABLE_NAME`, `ALL_TAB_COLUMNS.COLUMN_NAME` return it).
 *
 * - A stored name without a lower-case letter is folded to lower case: that is every name written
 *   unquoted in Oracle (`employees`, `EMPLOYEES` and `"EMPLOYEES"` are all stored as `EMPLOYEES`),
 *   and it becomes the name PostgreSQL gives the same unquoted word (`employees`), so SQL written
 *   against the old database keeps working unquoted.
 * - A stored name with a lower-case letter (`"Employees"`, `"order lines"`) was quoted on purpose
 *   and is kept exactly.
 * - A name longer than 63 bytes is cut at 63 bytes on a character boundary, as PostgreSQL itself
 *   cuts an identifier (Oracle allows 128 bytes).
 *
 * Two Oracle names can meet in one PostgreSQL name (`"ABC"` and `"abc"`, or two long names that share
 * their first 63 bytes); the schema converter reports such a collision instead of guessing.
 *
 * @example
 * oracleNameToPg('EMPLOYEES'); // 'employees'
 * oracleNameToPg('ORDER#');    // 'order#' (quoted when used: quoteIdent('order#') is '"order#"')
 * oracleNameToPg('MixedCase'); // 'MixedCase'
 */
export function oracleNameToPg(storedName: string): string {
  const folded = storedName === storedName.toUpperCase() ? storedName.toLowerCase() : storedName;
  return truncateIdentifier(folded);
}

/**
 * The name Oracle stores for a name as written in DDL: an unquoted name is folded to upper case, a
 * quoted one is kept (without its quotes).
 *
 * @example
 * storedOracleName('emp_id', false); // 'EMP_ID'
 * storedOracleName('Emp Id', true);  // 'Emp Id'
 */
export function storedOracleName(written: string, quoted: boolean): string {
  return quoted ? written : written.toUpperCase();
}

/** Cuts a name to at most 63 UTF-8 bytes without splitting a character. */
export function truncateIdentifier(name: string): string {
  if (Buffer.byteLength(name, 'utf8') <= PG_MAX_IDENTIFIER_BYTES) return name;
  let out = '';
  let bytes = 0;
  for (const ch of name) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size > PG_MAX_IDENTIFIER_BYTES) break;
    out += ch;
    bytes += size;
  }
  return out;
}
