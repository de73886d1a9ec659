import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UnconvertibleError } from '../../../../src/adapters/oracle/schema/conversion-note.js';
import { convertOracleQuery, type ExpressionOptions } from '../../../../src/adapters/oracle/schema/expression-converter.js';

const OPTIONS: ExpressionOptions = {
  schema: 'HR',
  tables: {
    EMP: { ID: 'NUMBER(6)', NAME: 'VARCHAR2(20)', DEPT_ID: 'NUMBER(4)', MGR_ID: 'NUMBER(6)', HIRED: 'DATE' },
    DEPT: { DEPT_ID: 'NUMBER(4)', DNAME: 'VARCHAR2(20)', LOC_ID: 'NUMBER(4)' },
    LOC: { LOC_ID: 'NUMBER(4)', CITY: 'VARCHAR2(20)' },
  },
};

function q(text: string): string {
  return convertOracleQuery(text, OPTIONS).sql;
}

function codes(text: string): string[] {
  return convertOracleQuery(text, OPTIONS).notes.map((n) => n.code);
}

function failure(text: string): string {
  try {
    convertOracleQuery(text, OPTIONS);
  } catch (error) {
    if (error instanceof UnconvertibleError) return error.code;
    throw error;
  }
  return 'converted';
}

test('names: unqualified tables go to the schema, aliases and quoted names keep their form, FROM DUAL goes', () => {
  assert.equal(q('SELECT e.id, e.name "Full Name" FROM emp e'), 'SELECT e.id,\n  e.name AS "Full Name"\nFROM hr.emp e');
  assert.equal(q('select sysdate from dual'), "SELECT date_trunc('second', statement_timestamp())::timestamp(0)");
  assert.equal(q("SELECT 'x' FROM sys.dual WHERE 1 = 1"), "SELECT 'x'\nWHERE 1 = 1");
});

test('Oracle (+) joins become LEFT JOINs after the preserved tables, in dependency order', () => {
  assert.equal(
    q('SELECT e.name, d.dname, l.city FROM emp e, dept d, loc l WHERE e.dept_id = d.dept_id (+) AND d.loc_id = l.loc_id (+) AND e.id > 10'),
    'SELECT e.name,\n  d.dname,\n  l.city\nFROM hr.emp e\n  LEFT JOIN hr.dept d ON e.dept_id = d.dept_id\n  LEFT JOIN hr.loc l ON d.loc_id = l.loc_id\nWHERE e.id > 10',
  );
  // A constant condition on the outer table goes into its ON clause; bare column names are resolved by table.
  assert.equal(
    q("SELECT name, dname FROM emp, dept WHERE emp.dept_id = dept.dept_id (+) AND dname (+) = 'X'"),
    "SELECT name,\n  dname\nFROM hr.emp\n  LEFT JOIN hr.dept ON emp.dept_id = dept.dept_id AND dname = 'X'",
  );
  assert.deepEqual(codes('SELECT e.name FROM emp e, dept d WHERE e.dept_id = d.dept_id (+)'), ['OUTER_JOIN_PLUS']);
  assert.equal(failure('SELECT 1 FROM emp e, dept d WHERE e.dept_id = d.dept_id (+) OR e.id = 1'), 'OUTER_JOIN_PLUS');
  assert.equal(failure('SELECT 1 FROM emp e, dept d WHERE e.dept_id (+) = d.dept_id (+)'), 'OUTER_JOIN_PLUS');
});

test('WHERE ROWNUM <= n becomes LIMIT n only where both databases count the same rows', () => {
  assert.equal(q('SELECT id FROM emp WHERE ROWNUM <= 5'), 'SELECT id\nFROM hr.emp\nLIMIT 5');
  assert.equal(q('SELECT id FROM emp WHERE dept_id = 1 AND ROWNUM < 3'), 'SELECT id\nFROM hr.emp\nWHERE dept_id = 1\nLIMIT 2');
  assert.equal(q('SELECT * FROM (SELECT id FROM emp ORDER BY hired DESC) WHERE ROWNUM = 1'),
    'SELECT *\nFROM (\nSELECT id\nFROM hr.emp\nORDER BY hired DESC\n) subquery_1\nLIMIT 1');
  assert.equal(failure('SELECT id FROM emp WHERE ROWNUM <= 5 ORDER BY id'), 'ROWNUM');
  assert.equal(failure('SELECT count(*) FROM emp WHERE ROWNUM <= 5'), 'ROWNUM');
  assert.equal(failure('SELECT ROWNUM, id FROM emp'), 'ROWNUM');
});

test('CONNECT BY becomes a recursive WITH over the table, LEVEL counted, a CYCLE clause', () => {
  assert.equal(
    q('SELECT id, name, LEVEL lvl FROM emp START WITH mgr_id IS NULL CONNECT BY PRIOR id = mgr_id'),
    [
      'SELECT id,', '  name,', '  emp.tandem_level AS lvl', 'FROM (', 'WITH RECURSIVE tandem_tree AS (',
      '  SELECT emp.*, 1 AS tandem_level FROM hr.emp', '  WHERE mgr_id IS NULL', '  UNION ALL',
      '  SELECT emp.*, tandem_prior.tandem_level + 1 FROM hr.emp JOIN tandem_tree tandem_prior ON tandem_prior.id = emp.mgr_id',
      ') CYCLE id SET tandem_cycle USING tandem_path', 'SELECT * FROM tandem_tree', ') emp', 'WHERE NOT tandem_cycle',
    ].join('\n'),
  );
  assert.equal(failure('SELECT id FROM emp e, dept d CONNECT BY PRIOR e.id = e.mgr_id'), 'CONNECT_BY');
  assert.equal(failure('SELECT SYS_CONNECT_BY_PATH(name, \'/\') FROM emp CONNECT BY PRIOR id = mgr_id'), 'UNSUPPORTED_FUNCTION');
  assert.equal(failure('SELECT id FROM emp CONNECT BY PRIOR id = mgr_id ORDER SIBLINGS BY name'), 'CONNECT_BY');
});

test('set operators: MINUS is EXCEPT; Oracle\'s equal precedence is kept with parentheses', () => {
  assert.equal(q('SELECT id FROM emp MINUS SELECT mgr_id FROM emp'), 'SELECT id\nFROM hr.emp\nEXCEPT\nSELECT mgr_id\nFROM hr.emp');
  assert.equal(q('SELECT id FROM emp UNION SELECT id FROM emp INTERSECT SELECT id FROM emp'),
    '(SELECT id\nFROM hr.emp\nUNION\nSELECT id\nFROM hr.emp)\nINTERSECT\nSELECT id\nFROM hr.emp');
});

test('aggregates and analytics: LISTAGG is string_agg, GROUPING_ID is GROUPING, MEDIAN is percentile_cont, windows are kept', () => {
  assert.equal(q("SELECT LISTAGG(name, ', ') WITHIN GROUP (ORDER BY name) names FROM emp"),
    "SELECT string_agg(name, ', ' ORDER BY name) AS names\nFROM hr.emp");
  assert.equal(q('SELECT GROUPING_ID(dept_id, mgr_id) g FROM emp GROUP BY ROLLUP (dept_id, mgr_id)'),
    'SELECT GROUPING(dept_id, mgr_id) AS g\nFROM hr.emp\nGROUP BY ROLLUP(dept_id, mgr_id)');
  assert.equal(q('SELECT MEDIAN(id) m FROM emp'), 'SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY id) AS m\nFROM hr.emp');
  assert.equal(q('SELECT RANK() OVER (PARTITION BY dept_id ORDER BY hired DESC NULLS LAST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) r FROM emp'),
    'SELECT rank() OVER (PARTITION BY dept_id ORDER BY hired DESC NULLS LAST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS r\nFROM hr.emp');
  assert.equal(failure('SELECT MEDIAN(id) OVER () FROM emp'), 'FUNCTION_ARGUMENTS');
  assert.equal(failure('SELECT MAX(id) KEEP (DENSE_RANK FIRST ORDER BY hired) FROM emp'), 'KEEP_DENSE_RANK');
});

test('FROM forms: subqueries get an alias, APPLY becomes LATERAL, JSON_TABLE becomes jsonb_path_query', () => {
  assert.equal(q('SELECT x.id FROM (SELECT id FROM emp) x CROSS APPLY (SELECT dname FROM dept d WHERE d.dept_id = x.id) y'),
    'SELECT x.id\nFROM (\nSELECT id\nFROM hr.emp\n) x\n  CROSS JOIN LATERAL (\nSELECT dname\nFROM hr.dept d\nWHERE d.dept_id = x.id\n) y');
  assert.equal(
    q("SELECT j.a FROM emp e, JSON_TABLE(e.name, '$[*]' COLUMNS (a NUMBER PATH '$.a', n FOR ORDINALITY)) j"),
    "SELECT j.a\nFROM hr.emp e, LATERAL (\n  SELECT CAST(jsonb_path_query_first(tandem_j0.v, '$.a') #>> '{}' AS numeric) AS a,\n    tandem_j0.n AS n\n  FROM jsonb_path_query(CAST(e.name AS jsonb), '$[*]') WITH ORDINALITY AS tandem_j0(v, n)\n) j",
  );
  assert.equal(failure('SELECT * FROM emp@remote'), 'DBLINK');
  assert.equal(failure('SELECT * FROM emp PARTITION (p1)'), 'PARTITION_EXTENSION');
  assert.equal(failure('SELECT * FROM emp AS OF SCN 1234'), 'FLASHBACK_QUERY');
  assert.equal(failure('SELECT * FROM TABLE(my_fn())'), 'TABLE_COLLECTION');
  assert.equal(failure('SELECT * FROM emp PIVOT (count(*) FOR dept_id IN (1, 2))'), 'PIVOT');
  assert.equal(failure('SELECT * FROM (SELECT dept_id, id FROM emp) PIVOT (count(id) FOR dept_id IN (1 AS a, 2 AS b))'), 'PIVOT');
  assert.equal(failure('SELECT * FROM (SELECT dept_id, id FROM emp) s UNPIVOT (v FOR k IN (dept_id, id))'), 'PIVOT');
});

test('a recursive WITH (recursive subquery factoring) gets RECURSIVE', () => {
  assert.equal(
    q('WITH t (id, lvl) AS (SELECT id, 1 FROM emp WHERE mgr_id IS NULL UNION ALL SELECT e.id, t.lvl + 1 FROM emp e JOIN t ON e.mgr_id = t.id) SELECT id FROM t'),
    'WITH RECURSIVE t (id, lvl) AS (\nSELECT id,\n  1\nFROM hr.emp\nWHERE mgr_id IS NULL\nUNION ALL\nSELECT e.id,\n  t.lvl + 1\nFROM hr.emp e\n  JOIN t ON e.mgr_id = t.id\n)\nSELECT id\nFROM t',
  );
});

test('columns of WITH queries and FROM subqueries keep their kinds: date arithmetic through them is Oracle\'s', () => {
  const days = "(EXTRACT(EPOCH FROM date_trunc('second', statement_timestamp())::timestamp(0) - %) / 86400)";
  assert.equal(q('WITH h AS (SELECT id, hired started FROM emp) SELECT SYSDATE - h.started FROM h'),
    `WITH h AS (\nSELECT id,\n  hired AS started\nFROM hr.emp\n)\nSELECT ${days.replace('%', 'h.started')}\nFROM h`);
  assert.equal(q('SELECT SYSDATE - x.hired FROM (SELECT * FROM emp) x'), `SELECT ${days.replace('%', 'x.hired')}\nFROM (\nSELECT *\nFROM hr.emp\n) x`);
  assert.equal(q('WITH h (id, d) AS (SELECT id, hired FROM emp) SELECT d + 1 FROM h'),
    "WITH h (id, d) AS (\nSELECT id,\n  hired\nFROM hr.emp\n)\nSELECT (d + 1 * INTERVAL '1 day')\nFROM h");
  // A character column of a subquery compared with a number is converted, as for a table's column.
  assert.equal(q('SELECT 1 FROM (SELECT name n FROM emp) s WHERE s.n = 5'), 'SELECT 1\nFROM (\nSELECT name AS n\nFROM hr.emp\n) s\nWHERE CAST(s.n AS numeric) = 5');
});

test('the row generator SELECT … FROM DUAL CONNECT BY LEVEL <= n becomes generate_series', () => {
  assert.equal(q('SELECT LEVEL n FROM dual CONNECT BY LEVEL <= 10'), 'SELECT tandem_rows.tandem_level AS n\nFROM generate_series(1, 10) AS tandem_rows(tandem_level)');
  assert.equal(q('SELECT LEVEL - 1 d FROM dual CONNECT BY LEVEL < 8'), 'SELECT tandem_rows.tandem_level - 1 AS d\nFROM generate_series(1, 7) AS tandem_rows(tandem_level)');
  assert.equal(q('SELECT LEVEL FROM dual CONNECT BY (SELECT MAX(id) FROM emp) >= LEVEL'),
    'SELECT tandem_rows.tandem_level\nFROM generate_series(1, GREATEST((SELECT max(id)\nFROM hr.emp), 1)) AS tandem_rows(tandem_level)');
  assert.deepEqual(codes('SELECT LEVEL FROM dual CONNECT BY LEVEL <= 3'), ['CONNECT_BY']);
  // LEVEL is a number: a date minus LEVEL is date arithmetic.
  assert.equal(q('SELECT DATE \'2024-01-31\' - LEVEL d FROM dual CONNECT BY LEVEL <= 2'),
    "SELECT (TIMESTAMP '2024-01-31 00:00:00' - tandem_rows.tandem_level * INTERVAL '1 day') AS d\nFROM generate_series(1, 2) AS tandem_rows(tandem_level)");
  // Anything else without PRIOR is still refused.
  assert.equal(failure('SELECT LEVEL FROM emp CONNECT BY LEVEL <= 3'), 'CONNECT_BY');
  assert.equal(failure('SELECT LEVEL FROM dual CONNECT BY LEVEL <= LEVEL'), 'CONNECT_BY');
});
