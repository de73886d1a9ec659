import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UnconvertibleError } from '../../../../src/adapters/oracle/schema/conversion-note.js';
import { convertOracleExpression, type ExpressionOptions } from '../../../../src/adapters/oracle/schema/expression-converter.js';

const EMP: ExpressionOptions = {
  tables: {
    EMP: {
      HIRED: 'DATE', LEFT_ON: 'DATE', SALARY: 'NUMBER(8,2)', N: 'NUMBER(5)', M: 'NUMBER(5)', NAME: 'VARCHAR2(20)', F: 'BINARY_DOUBLE',
      TS: 'TIMESTAMP(6)', TZ: 'TIMESTAMP WITH TIME ZONE', DOC: 'BLOB', TXT: 'CLOB', LIMIT: 'NUMBER',
    },
  },
};
const SYSDATE = "date_trunc('second', statement_timestamp())::timestamp(0)";

function sql(text: string, options: ExpressionOptions = EMP): string {
  return convertOracleExpression(text, options).sql;
}

function codes(text: string, options: ExpressionOptions = EMP): string[] {
  return convertOracleExpression(text, options).notes.map((n) => n.code);
}

function failure(text: string, options: ExpressionOptions = EMP): string {
  try {
    convertOracleExpression(text, options);
  } catch (error) {
    if (error instanceof UnconvertibleError) return error.code;
    throw error;
  }
  return 'converted';
}

/** Oracle expression → PostgreSQL expression. */
const TABLE: [string, string][] = [
  ['NVL(name, \'?\')', "COALESCE(name, '?')"],
  ['NVL2(name, 1, 0)', 'CASE WHEN name IS NOT NULL THEN 1 ELSE 0 END'],
  ["DECODE(name, 'a', 1, 'b', 2, 0)", "CASE name WHEN 'a' THEN 1 WHEN 'b' THEN 2 ELSE 0 END"],
  ["DECODE(name, 'a', 1, NULL, 2, 3)", "CASE WHEN name IS NOT DISTINCT FROM 'a' THEN 1 WHEN name IS NULL THEN 2 ELSE 3 END"],
  ['DECODE(n, m, 1, 0)', 'CASE WHEN n IS NOT DISTINCT FROM m THEN 1 ELSE 0 END'],
  ['SYSDATE', SYSDATE],
  ['CURRENT_DATE', SYSDATE],
  ['SYSTIMESTAMP', 'statement_timestamp()'],
  ['LOCALTIMESTAMP', 'statement_timestamp()::timestamp'],
  ['USER', 'SESSION_USER'],
  ['hired + 1', "(hired + 1 * INTERVAL '1 day')"],
  ['hired - 7', "(hired - 7 * INTERVAL '1 day')"],
  ['1 + hired', "(hired + 1 * INTERVAL '1 day')"],
  ['hired + 1/24', "(hired + (CAST(1 AS numeric) / 24) * INTERVAL '1 day')"],
  ['left_on - hired', '(EXTRACT(EPOCH FROM left_on - hired) / 86400)'],
  ['ts - ts', 'ts - ts'],
  ['n / m', 'CAST(n AS numeric) / m'],
  ['salary / n', 'salary / n'],
  ["name || '-' || n", "concat(name, '-', n)"],
  ['name || name', "NULLIF(concat(name, name), '')"],
  ["CONCAT(name, 'x')", "concat(name, 'x')"],
  ["''", 'NULL'],
  ["name = ''", 'name = NULL'],
  ["TO_DATE('2020-01-31', 'YYYY-MM-DD')", "TIMESTAMP '2020-01-31 00:00:00'"],
  ["TO_DATE(' 2024-02-01 00:00:00', 'SYYYY-MM-DD HH24:MI:SS', 'NLS_CALENDAR=GREGORIAN')", "TIMESTAMP '2024-02-01 00:00:00'"],
  ["TO_DATE(name, 'DD.MM.YYYY')", "CAST(to_timestamp(name, 'DD.MM.YYYY') AS timestamp(0))"],
  ["TO_TIMESTAMP(name, 'YYYY-MM-DD HH24:MI:SS.FF')", "CAST(to_timestamp(name, 'YYYY-MM-DD HH24:MI:SS.US') AS timestamp)"],
  ["TO_CHAR(hired, 'YYYY-MM')", "to_char(hired, 'YYYY-MM')"],
  ['TO_CHAR(n)', 'CAST(n AS text)'],
  ['TO_CHAR(name)', 'name'],
  ['TO_NUMBER(name)', 'CAST(name AS numeric)'],
  ['TRUNC(hired)', "date_trunc('day', hired)"],
  ["TRUNC(hired, 'MM')", "date_trunc('month', hired)"],
  ["TRUNC(SYSDATE, 'YYYY')", `date_trunc('year', ${SYSDATE})`],
  ['TRUNC(salary, 1)', 'trunc(salary, 1)'],
  ['ROUND(f, 2)', 'round(CAST(f AS numeric), 2)'],
  ["SUBSTR(name, 2, 3)", 'substr(name, 2, 3)'],
  ["SUBSTR(name, 0, 3)", 'substr(name, 1, 3)'],
  ["SUBSTR(name, -3)", 'substr(name, length(name) - 3 + 1)'],
  ["INSTR(name, 'x')", "strpos(name, 'x')"],
  ["REPLACE(name, 'x')", "replace(name, 'x', '')"],
  ['LENGTHB(name)', 'octet_length(name)'],
  ["REGEXP_LIKE(name, '^a')", "(name ~ '^a')"],
  ["REGEXP_LIKE(name, '^a', 'i')", "(name ~* '^a')"],
  ["REGEXP_REPLACE(name, '[0-9]')", "regexp_replace(name, '[0-9]', '', 'g')"],
  ["REGEXP_REPLACE(name, 'a', 'b')", "regexp_replace(name, 'a', 'b', 'g')"],
  // '' is NULL in Oracle, and a NULL replacement removes the matches; PostgreSQL would return NULL.
  ["REGEXP_REPLACE(name, '[^0-9]', '')", "regexp_replace(name, '[^0-9]', '', 'g')"],
  ["REGEXP_REPLACE(name, 'a', NULL, 1, 2)", "regexp_replace(name, 'a', '', 1, 2)"],
  ["REPLACE(name, '-', '')", "replace(name, '-', '')"],
  ['REPLACE(name, name, name)', "replace(name, name, COALESCE(name, ''))"],
  ["REGEXP_SUBSTR(name, '[a-z]+')", "regexp_substr(name, '[a-z]+')"],
  ['CAST(n AS VARCHAR2(10))', 'CAST(n AS varchar(10))'],
  ['CAST(name AS DATE)', 'CAST(name AS timestamp(0))'],
  ["NUMTODSINTERVAL(n, 'HOUR')", "(n * INTERVAL '1 hour')"],
  ["NUMTOYMINTERVAL(2, 'YEAR')", "(2 * INTERVAL '1 year')"],
  ["TO_DSINTERVAL('5 10:00:00')", "CAST('5 10:00:00' AS interval)"],
  ["INTERVAL '2-6' YEAR TO MONTH", "INTERVAL '2-6' YEAR TO MONTH"],
  ["INTERVAL '30' DAY(3)", "INTERVAL '30' DAY"],
  ["DATE '2020-01-01'", "TIMESTAMP '2020-01-01 00:00:00'"],
  ["TIMESTAMP '2020-01-01 10:00:00 +02:00'", "TIMESTAMPTZ '2020-01-01 10:00:00 +02:00'"],
  ['SYS_EXTRACT_UTC(tz)', "(tz AT TIME ZONE 'UTC')"],
  ['BITAND(n, 4)', '(CAST(n AS bigint) & CAST(4 AS bigint))'],
  ['LNNVL(n > 1)', '(n > 1) IS NOT TRUE'],
  ["SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA')", 'current_schema()'],
  ["SYS_CONTEXT('USERENV', 'SESSION_USER')", 'SESSION_USER'],
  ["HEXTORAW('FF00')", "decode('FF00', 'hex')"],
  ['RAWTOHEX(doc)', "upper(encode(doc, 'hex'))"],
  ['EMPTY_BLOB()', "'\\x'::bytea"],
  ['EMPTY_CLOB()', "''::text"],
  ["q'[it's]'", "'it''s'"],
  ["N'abc'", "'abc'"],
  ['.5', '0.5'],
  ['LENGTH(name) > 3 AND (n = 1 OR m = 2)', 'length(name) > 3 AND (n = 1 OR m = 2)'],
  ['n - (m - 1)', 'n - (m - 1)'],
  ['-(n + m)', '-(n + m)'],
  ['n != 1', 'n <> 1'],
  ['n ^= 1', 'n <> 1'],
  ["name LIKE 'a%'", "name LIKE 'a%'"],
  ["name LIKE 'a\\_%'", "name LIKE 'a\\_%' ESCAPE ''"],
  ["name LIKE 'a!_%' ESCAPE '!'", "name LIKE 'a!_%' ESCAPE '!'"],
  ["name NOT IN ('a', 'b')", "name NOT IN ('a', 'b')"],
  ['n BETWEEN 1 AND 5', 'n BETWEEN 1 AND 5'],
  ['n = ANY (1, 2)', 'n IN (1, 2)'],
  ['n > ALL (1, 2)', 'n > ALL (ARRAY[1, 2])'],
  ['f IS NAN', "f = 'NaN'"],
  ['f IS NOT INFINITE', "f NOT IN ('Infinity', '-Infinity')"],
  ['EXTRACT(YEAR FROM hired)', 'EXTRACT(YEAR FROM hired)'],
  ["TRIM(LEADING '0' FROM name)", "TRIM(LEADING '0' FROM name)"],
  ['TRANSLATE(name USING NCHAR_CS)', 'name'],
  ["TRANSLATE(name, 'ab', 'cd')", "translate(name, 'ab', 'cd')"],
  ['"LIMIT" + 1', '"limit" + 1'],
  ['emp.name', 'emp.name'],
  ['"Emp"."Name"', '"Emp"."Name"'],
];

test('expression conversion table (CHECK context, table EMP)', () => {
  for (const [oracle, pg] of TABLE) assert.equal(sql(oracle), pg, oracle);
});

test('defaults: sequence NEXTVAL, SYS_GUID() by target column type, SYSDATE', () => {
  assert.equal(sql('emp_seq.NEXTVAL', { mode: 'default', schema: 'HR' }), "nextval('hr.emp_seq')");
  assert.equal(sql('"HR"."EMP_SEQ"."NEXTVAL"', { mode: 'default', schema: 'HR' }), "nextval('hr.emp_seq')");
  assert.equal(sql('other.seq.CURRVAL', { mode: 'default', schema: 'HR' }), "currval('other.seq')");
  assert.equal(sql('SYS_GUID()', { mode: 'default', targetType: 'RAW(16)' }), "decode(replace(gen_random_uuid()::text, '-', ''), 'hex')");
  assert.equal(sql('SYS_GUID()', { mode: 'default', targetType: 'VARCHAR2(32)' }), "upper(replace(gen_random_uuid()::text, '-', ''))");
});

test('in index and generated-column expressions || stays immutable (COALESCE, not concat)', () => {
  assert.equal(sql("name || ', ' || n", { ...EMP, mode: 'index' }), "(COALESCE(name, '') || ', ' || COALESCE(CAST(n AS text), ''))");
  assert.equal(sql('name || name', { ...EMP, mode: 'generated' }), "NULLIF(COALESCE(name, '') || COALESCE(name, ''), '')");
});

test('index and generated-column expressions refuse what is not IMMUTABLE on PostgreSQL (to_char, to_timestamp, text <-> date casts)', () => {
  for (const mode of ['index', 'generated'] as const) {
    for (const e of ["TO_CHAR(hired, 'YYYY')", 'TO_CHAR(hired)', "TO_DATE(name, 'YYYY-MM-DD')", "TO_NUMBER(name, '999')", "TO_TIMESTAMP(name, 'YYYY')",
      "hired || 'x'", 'CAST(name AS DATE)', 'CAST(hired AS VARCHAR2(20))']) {
      assert.equal(failure(e, { ...EMP, mode }), 'NOT_IMMUTABLE', `${mode}: ${e}`);
    }
  }
  // The same forms convert elsewhere, and the immutable ones convert everywhere.
  assert.equal(sql("TO_CHAR(hired, 'YYYY')", { ...EMP, mode: 'view' }), "to_char(hired, 'YYYY')");
  assert.equal(sql('TO_CHAR(n)', { ...EMP, mode: 'index' }), 'CAST(n AS text)');
  assert.equal(sql('TO_NUMBER(name)', { ...EMP, mode: 'index' }), 'CAST(name AS numeric)');
  assert.equal(sql("TRUNC(hired, 'MM')", { ...EMP, mode: 'generated' }), "date_trunc('month', hired)");
  assert.equal(sql("TO_DATE('2020-01-31', 'YYYY-MM-DD')", { ...EMP, mode: 'index' }), "TIMESTAMP '2020-01-31 00:00:00'");
});

test('IS JSON converts in a CHECK (a cast that rejects invalid JSON), not elsewhere', () => {
  assert.equal(sql('doc IS JSON'), "(doc IS NULL OR CAST(convert_from(doc, 'UTF8') AS json) IS NOT NULL)");
  assert.equal(sql('txt IS JSON'), '(txt IS NULL OR CAST(txt AS json) IS NOT NULL)');
  assert.deepEqual(codes('txt IS JSON'), ['IS_JSON']);
  assert.equal(failure('txt IS JSON', { ...EMP, mode: 'view' }), 'IS_JSON');
});

test('MONTHS_BETWEEN and ADD_MONTHS follow Oracle\'s month-end rules', () => {
  assert.equal(sql('ADD_MONTHS(hired, 1)'),
    "(CASE WHEN date_trunc('day', hired) = date_trunc('month', hired) + INTERVAL '1 month - 1 day' THEN date_trunc('month', hired + 1 * INTERVAL '1 month') + INTERVAL '1 month - 1 day' + (hired - date_trunc('day', hired)) ELSE hired + 1 * INTERVAL '1 month' END)");
  assert.match(sql('MONTHS_BETWEEN(left_on, hired)'), /^\(CASE WHEN EXTRACT\(DAY FROM left_on\) = EXTRACT\(DAY FROM hired\) OR .* \/ 2678400 END\)$/);
});

test('notes: changes of behaviour are reported', () => {
  assert.deepEqual(codes('GREATEST(n, m)'), ['GREATEST_LEAST_NULL']);
  assert.deepEqual(codes('TO_CHAR(hired)'), ['IMPLICIT_TO_CHAR']);
  assert.deepEqual(codes("hired || 'x'"), ['IMPLICIT_TO_CHAR']);
  assert.deepEqual(codes('SUBSTR(name, n)'), ['SUBSTR_START']);
  assert.deepEqual(codes('TO_DATE(name)'), ['TO_DATE_NLS']);
  assert.deepEqual(codes("name LIKEC 'a%'"), ['LIKE_VARIANT']);
  assert.deepEqual(codes('my_func(n)'), ['UNKNOWN_FUNCTION']);
  assert.deepEqual(codes("ts AT TIME ZONE 'UTC'"), ['AT_TIME_ZONE']);
  assert.equal(sql("SYS_CONTEXT('USERENV', 'LANG')"), "current_setting('userenv.lang', true)");
  assert.equal(sql("SYS_CONTEXT('APP_CTX', 'TENANT_ID')"), "current_setting('app_ctx.tenant_id', true)");
  assert.deepEqual(codes("SYS_CONTEXT('APP_CTX', 'TENANT_ID')"), ['SYS_CONTEXT']);
});

test('what has no PostgreSQL form is refused with a code', () => {
  const refused: [string, string][] = [
    ['ROWNUM', 'ROWNUM'],
    ['ROWID', 'PSEUDO_COLUMN'],
    ['LEVEL', 'CONNECT_BY'],
    ['UID', 'PSEUDO_COLUMN'],
    ['NEXT_DAY(hired, \'MONDAY\')', 'UNSUPPORTED_FUNCTION'],
    ['ORA_HASH(name)', 'UNSUPPORTED_FUNCTION'],
    ['JSON_VALUE(txt, \'$.a\')', 'UNSUPPORTED_FUNCTION'],
    ['SYS_CONTEXT(name, \'X\')', 'SYS_CONTEXT'],
    ['pkg.fn(n)', 'PLSQL_DEPENDENCY'],
    ['DBMS_RANDOM.VALUE', 'PLSQL_DEPENDENCY'],
    ['DBMS_RANDOM.VALUE()', 'PLSQL_DEPENDENCY'],
    ['INSTR(name, \'x\', 2)', 'FUNCTION_ARGUMENTS'],
    ["TRUNC(tz, 'DD')", 'converted'],
    [':bind', 'BIND_VARIABLE'],
    ['name COLLATE BINARY_CI', 'COLLATE'],
    ['PRIOR n', 'CONNECT_BY'],
  ];
  for (const [oracle, code] of refused) assert.equal(failure(oracle), code, oracle);
  assert.equal(failure('fine_for(n)', { ...EMP, plsql: ['FINE_FOR'] }), 'PLSQL_DEPENDENCY');
  assert.equal(failure("TRUNC(tz, 'DD')", { ...EMP, mode: 'index' }), 'NOT_IMMUTABLE');
  assert.equal(failure('REGEXP_SUBSTR(name, \'a\')', { ...EMP, targetPgMajor: 11 }), 'UNSUPPORTED_FUNCTION');
});

test('LENGTH of a CHAR/NCHAR column counts its blank padding as Oracle does: length(rpad(col, n)); BYTE semantics noted (measured before on PostgreSQL 15: CHECK (length(code) = 3) refused \'A\' in a char(3), and a view showed 1 where Oracle shows 3)', () => {
  const CODES: ExpressionOptions = { tables: { CODES: { CODE: 'CHAR(3)', U: 'CHAR(2 CHAR)', N: 'NCHAR(4)', V: 'VARCHAR2(5)' } }, mode: 'check' };
  assert.equal(sql('LENGTH(code) = 3', CODES), 'length(rpad(code, 3)) = 3');
  assert.deepEqual(codes('LENGTH(code) = 3', CODES), ['CHAR_PADDED_LENGTH']);
  assert.equal(sql('LENGTH(u)', CODES), 'length(rpad(u, 2))');
  assert.equal(sql('LENGTH((n))', CODES), 'length(rpad((n), 4))');
  assert.deepEqual(codes('LENGTH(u) + LENGTH(n)', CODES), []);
  // Not a CHAR column: PostgreSQL's length is Oracle's.
  assert.equal(sql('LENGTH(v)', CODES), 'length(v)');
  assert.equal(sql('LENGTH(TRIM(code))', CODES), 'length(TRIM(code))');
});

test('TO_CHAR(number) and number || text write Oracle\'s digits: no trailing zeros, no 0 before the point; floats are noted (measured before on PostgreSQL 15: TO_CHAR(amount) of NUMBER(10,2) gave 2975.00 and 0.5 where Oracle gives 2975 and .5)', () => {
  const ORACLE_TEXT = (x: string) => `regexp_replace(regexp_replace(CAST(${x} AS text), '(\\.[0-9]*[1-9])0+$|\\.0+$', '\\1'), '^(-?)0\\.', '\\1.')`;
  assert.equal(sql('TO_CHAR(salary)'), ORACLE_TEXT('salary'));
  assert.equal(sql('TO_CHAR(limit)'), ORACLE_TEXT('"limit"'));
  assert.equal(sql("'Total: ' || salary || ' EUR'"), `concat('Total: ', ${ORACLE_TEXT('salary')}, ' EUR')`);
  assert.equal(sql("'N' || salary", { ...EMP, mode: 'index' }), `('N' || COALESCE(${ORACLE_TEXT('salary')}, ''))`);
  // Integers print alike on both sides.
  assert.equal(sql('TO_CHAR(n)'), 'CAST(n AS text)');
  assert.equal(sql("name || '-' || n"), "concat(name, '-', n)");
  assert.deepEqual(codes('TO_CHAR(salary)'), []);
  assert.deepEqual(codes('TO_CHAR(f)'), ['IMPLICIT_TO_CHAR']);
  assert.deepEqual(codes("f || 'x'"), ['IMPLICIT_TO_CHAR']);
});
