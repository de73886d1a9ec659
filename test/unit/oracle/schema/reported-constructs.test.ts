import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convert } from './convert-helpers.js';

/** Oracle DDL → the `severity:CODE` note it must produce (each conversion on its own). */
const CASES: [string, string][] = [
  ['CREATE TABLE t (a NUMBER PRIMARY KEY) ORGANIZATION INDEX;', 'changed:INDEX_ORGANIZED_TABLE'],
  ['CREATE TABLE t (a NUMBER) CLUSTER c (a);', 'changed:CLUSTERED_TABLE'],
  ['CREATE BLOCKCHAIN TABLE t (a NUMBER) NO DROP UNTIL 31 DAYS IDLE;', 'changed:BLOCKCHAIN_TABLE'],
  ['CREATE PRIVATE TEMPORARY TABLE ora$ptt_x (a NUMBER);', 'manual:PRIVATE_TEMPORARY_TABLE'],
  ['CREATE TABLE t (a DATE, b DATE, PERIOD FOR valid (a, b));', 'unsupported:PERIOD_FOR'],
  ['CREATE TABLE s (a NUMBER); CREATE TABLE t AS SELECT a FROM s;', 'changed:CREATE_TABLE_AS'],
  ['CREATE TABLE t (a TIMESTAMP(9));', 'changed:FRACTIONAL_SECONDS'],
  ['CREATE TABLE t (a TIMESTAMP WITH TIME ZONE);', 'changed:TIMESTAMP_TZ'],
  ['CREATE TABLE t (a ROWID);', 'changed:ROWID_COLUMN'],
  ['CREATE TABLE t (a BFILE);', 'unsupported:BFILE'],
  ['CREATE TABLE t (a MDSYS.SDO_GEOMETRY);', 'unsupported:UNSUPPORTED_TYPE'],
  ['CREATE TABLE t (a REF some_typ);', 'unsupported:UNSUPPORTED_TYPE'],
  ['CREATE TABLE t (a NUMBER, CONSTRAINT c CHECK (a > 0) DEFERRABLE);', 'changed:DEFERRABLE_CHECK'],
  ['CREATE TABLE t (a NUMBER CONSTRAINT a_nn NOT NULL DEFERRABLE);', 'changed:DEFERRABLE_NOT_NULL'],
  ['CREATE TABLE t (a NUMBER, b NUMBER, CONSTRAINT u UNIQUE (a, b));', 'changed:UNIQUE_NULLS'],
  ['CREATE TABLE t (a NUMBER, CONSTRAINT pk PRIMARY KEY (a) ENABLE NOVALIDATE);', 'changed:NOVALIDATE'],
  ['CREATE TABLE t (a NUMBER, CONSTRAINT pk PRIMARY KEY (zz));', 'manual:UNKNOWN_COLUMN'],
  ['CREATE TABLE p (a NUMBER, CONSTRAINT pk PRIMARY KEY (a) DISABLE); CREATE TABLE c (a NUMBER REFERENCES p (a));', 'manual:FK_TARGET_KEY_MISSING'],
  ['CREATE TABLE c (a NUMBER REFERENCES elsewhere.p (a));', 'changed:FK_UNKNOWN_TABLE'],
  ['CREATE TABLE t (a NUMBER GENERATED ALWAYS AS IDENTITY (START WITH LIMIT VALUE));', 'changed:IDENTITY_START_LIMIT'],
  ['CREATE SEQUENCE s MINVALUE -99999999999999999999 INCREMENT BY -1;', 'changed:SEQUENCE_MINVALUE'],
  ['CREATE SEQUENCE s SESSION;', 'changed:SESSION_SEQUENCE'],
  ['CREATE SEQUENCE s INCREMENT BY 0;', 'manual:SEQUENCE_VALUE'],
  ['CREATE TABLE t (c VARCHAR2(2)) PARTITION BY LIST (c) AUTOMATIC (PARTITION p1 VALUES (\'A\'));', 'unsupported:AUTOMATIC_LIST_PARTITIONING'],
  ['CREATE TABLE t (a NUMBER, b NUMBER) PARTITION BY LIST (a, b) (PARTITION p1 VALUES ((1, 2)));', 'unsupported:PARTITIONING_NOT_CONVERTED'],
  ['CREATE TABLE t (a NUMBER) PARTITION BY SYSTEM (PARTITION p1, PARTITION p2);', 'unsupported:PARTITIONING_NOT_CONVERTED'],
  ['CREATE TABLE t (d DATE) PARTITION BY RANGE (d) (PARTITION p1 VALUES LESS THAN (my_fn(1)));', 'changed:UNKNOWN_FUNCTION'],
  ['CREATE TABLE t (a NUMBER); CREATE INDEX i ON t (a) FROM t WHERE a > 1;', 'manual:BITMAP_JOIN_INDEX'],
  ['CREATE INDEX i ON CLUSTER c;', 'manual:CLUSTER_INDEX'],
  ['CREATE TABLE t (a NUMBER); CREATE INDEX i ON t (missing_col);', 'manual:UNKNOWN_COLUMN'],
  ['CREATE TABLE t (a NUMBER); CREATE VIEW v (a, CONSTRAINT v_pk PRIMARY KEY (a) RELY DISABLE NOVALIDATE) AS SELECT a FROM t;', 'unsupported:VIEW_CONSTRAINT'],
  ['CREATE VIEW v OF some_typ WITH OBJECT IDENTIFIER (id) AS SELECT 1 id FROM dual;', 'manual:OBJECT_VIEW'],
  ['CREATE VIEW v AS SELECT * FROM t@remote;', 'manual:DBLINK'],
  ['CREATE VIEW v AS SELECT a FROM t WHERE;', 'manual:QUERY_SYNTAX'],
  ['CREATE TABLE t (a NUMBER, CONSTRAINT c CHECK (a >));', 'manual:CHECK_SYNTAX'],
  ['CREATE TABLE t (a NUMBER); CREATE INDEX i ON t (a +);', 'manual:INDEX_SYNTAX'],
  ['CREATE TABLE t (a NUMBER(5,));', 'manual:SYNTAX'],
  ['CREATE TABLE t (a NUMBER); ALTER TABLE t ADD PARTITION p2 VALUES LESS THAN (10);', 'unsupported:ALTER_TABLE_IGNORED'],
  ['COMMENT ON TABLE nowhere IS \'x\';', 'unsupported:COMMENT_UNKNOWN_OBJECT'],
  ['FROBNICATE THE DATABASE;', 'manual:UNKNOWN_STATEMENT'],
  ['CREATE CONTEXT app_ctx USING app_pkg;', 'manual:NOT_CONVERTED'],
  ['CREATE TABLE t (a VARCHAR2(5) DEFAULT :bind);', 'unsupported:DEFAULT_NOT_CONVERTED'],
  ['CREATE TABLE t (a VARCHAR2(5), b AS (UPPER(a)));', 'changed:VIRTUAL_COLUMN'],
  ['CREATE TABLE t (a NUMBER, b NUMBER AS (ROWNUM));', 'unsupported:VIRTUAL_COLUMN_NOT_CONVERTED'],
  ['CREATE TABLE t (a VARCHAR2(5) INVISIBLE);', 'changed:INVISIBLE_COLUMN'],
  ['CREATE TABLE t (a VARCHAR2(5) ENCRYPT);', 'changed:ENCRYPTED_COLUMN'],
  ['CREATE TYPE o AS OBJECT (a NUMBER);\n/', 'changed:OBJECT_TYPE'],
  ['CREATE TYPE c AS TABLE OF NUMBER;\n/', 'changed:COLLECTION_TYPE'],
  ['CREATE TYPE c AS TABLE OF NUMBER INDEX BY PLS_INTEGER;\n/', 'manual:PLSQL'],
  ['CREATE TABLE t (d TIMESTAMP WITH LOCAL TIME ZONE); CREATE INDEX i ON t (TRUNC(d));', 'manual:NOT_IMMUTABLE'],
];

test('every reported construct produces its note', async () => {
  for (const [ddl, expected] of CASES) {
    const r = await convert(ddl);
    const codes = r.notes.map((n) => `${n.severity}:${n.code}`);
    assert.ok(codes.includes(expected), `${ddl}\n  expected ${expected}, got ${codes.join(', ') || 'no notes'}`);
  }
});

test('a target before PostgreSQL 15 gets forms it can run, or the object in the manual list', async () => {
  const r = await convert(`CREATE TABLE t (id NUMBER, pid NUMBER, a NUMBER(5,-2), g RAW(16) DEFAULT SYS_GUID(), d NUMBER AS (id * 2), j CLOB);
CREATE VIEW tree AS SELECT id FROM t START WITH pid IS NULL CONNECT BY PRIOR id = pid;
CREATE VIEW top AS SELECT id FROM t ORDER BY id FETCH FIRST 3 ROWS WITH TIES;
CREATE VIEW jt AS SELECT x.v FROM t, JSON_TABLE(t.j, '$' COLUMNS (v NUMBER PATH '$.v')) x;`, { targetPgMajor: 11 });
  assert.equal(r.objects.find((o) => o.name === 't')!.sql, [
    'CREATE TABLE app.t (', '  id numeric,', '  pid numeric,', '  a numeric(7),',
    "  g bytea DEFAULT decode(replace(gen_random_uuid()::text, '-', ''), 'hex'),", '  d numeric,', '  j text', ');',
  ].join('\n'));
  assert.deepEqual(r.manual.map((m) => `${m.name} ${m.code}`), ['tree CONNECT_BY', 'top FETCH_WITH_TIES', 'jt JSON_TABLE']);
  assert.deepEqual(r.notes.filter((n) => n.objectType === 'COLUMN').map((n) => n.code), ['NEGATIVE_SCALE', 'GEN_RANDOM_UUID', 'VIRTUAL_COLUMN_NOT_CONVERTED']);
});
