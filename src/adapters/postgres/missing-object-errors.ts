/**
 * SQLSTATEs that mean "something this statement needs does not exist (yet)". `import schema` sets
 * a statement failing with one of them aside and retries it after the rest, because the files run
 * in a fixed object-type order that some dependencies cross (a view reading a materialized view, a
 * domain CHECK calling a function, a function taking a table's row type, …):
 *
 * - 42P01 undefined_table: a relation (table, view, materialized view, sequence) or a FROM entry.
 * - 42883 undefined_function: a function, aggregate or operator (CHECKs, defaults, support functions).
 * - 42704 undefined_object: a type, including a table's row type, a collation, a role. A role that
 *   no file creates still fails in the end, only later.
 * - 3F000 invalid_schema_name: a schema.
 * - 42703 undefined_column: a column, or an attribute of a row or composite type. An exported
 *   schema creates every column with its table and every attribute with its type, so this code
 *   means a missing dependency only when the column comes from an object or an `ALTER … ADD`
 *   further on (typically a user's edit: `ALTER TABLE … ADD COLUMN`, `ALTER TYPE … ADD
 *   ATTRIBUTE`, or a `(row).field` of such a type). A real typo fails the same way after the retry
 *   passes, so setting it aside costs one retry and never hides an error; not setting it aside
 *   would fail those statements for their place in the files alone.
 *
 * Not included: duplicates (see `ALREADY_EXISTS_SQLSTATES`), 42P02 undefined_parameter (no later
 * statement can add one), 55000 object_not_in_prerequisite_state (too broad: it also means
 * "wrong state" for objects that exist) and every error about what the statement itself says.
 */
export const MISSING_OBJECT_SQLSTATES: ReadonlySet<string> = new Set(['42P01', '42883', '42704', '3F000', '42703']);
