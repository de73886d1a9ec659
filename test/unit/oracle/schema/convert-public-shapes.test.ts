/**
 * Shapes of Oracle DDL met in public schema scripts (SQL Developer and Liquibase exports, install
 * scripts of applications) that the converter once failed on; each test is one class of failure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convert, manualOf, notesOf, sqlOf } from './convert-helpers.js';

test('a character value compared with a number is converted to a number, as Oracle does: =, <>, IN, BETWEEN, DECODE', async () => {
  const r = await convert(`CREATE TABLE codes (code VARCHAR2(4), n NUMBER(3), d DATE);
CREATE VIEW cv AS SELECT code, DECODE(code, 1, 'one', NULL, 'none', 'other') AS label FROM codes
 WHERE code <> 0 AND n = '7' AND code NOT IN (1, 2) AND code NOT BETWEEN 10 AND n AND code = 'A' AND n > 1;`);
  assert.equal(sqlOf(r, 'cv'), [
    'CREATE VIEW app.cv AS',
    'SELECT code,',
    "  CASE WHEN CAST(code AS numeric) IS NOT DISTINCT FROM 1 THEN 'one' WHEN CAST(code AS numeric) IS NULL THEN 'none' ELSE 'other' END AS label",
    'FROM app.codes',
    "WHERE CAST(code AS numeric) <> 0 AND n = '7' AND CAST(code AS numeric) NOT IN (1, 2) AND CAST(code AS numeric) NOT BETWEEN 10 AND n AND code = 'A' AND n > 1;",
  ].join('\n'));
  assert.deepEqual(notesOf(r), ['changed:IMPLICIT_TO_NUMBER@cv']);
});

test('LOB (…) STORE AS (…) is storage, not the query of CREATE TABLE … AS; ${…} placeholders in storage clauses are dropped with them', async () => {
  const r = await convert(`CREATE TABLE docs ( id NUMBER(19) NOT NULL, body CLOB, scan BLOB, CONSTRAINT docs_pk PRIMARY KEY (id) USING INDEX TABLESPACE \${idx.tbs} )
 LOB (body) STORE AS ( TABLESPACE \${lob.tbs} ENABLE STORAGE IN ROW CHUNK 8192 RETENTION NOCACHE LOGGING STORAGE ( INITIAL 64K NEXT 1M MINEXTENTS 1 MAXEXTENTS UNLIMITED PCTINCREASE 0 BUFFER_POOL DEFAULT ))
 LOB (scan) STORE AS SECUREFILE scan_seg ( TABLESPACE \${lob.tbs} DISABLE STORAGE IN ROW NOCACHE NOLOGGING ) LOGGING NOCOMPRESS NOCACHE NOPARALLEL MONITORING TABLESPACE \${data.tbs};
CREATE TABLE copy AS (SELECT id FROM docs);`);
  assert.equal(sqlOf(r, 'docs'), 'CREATE TABLE app.docs (\n  id numeric(19) NOT NULL,\n  body text,\n  scan bytea,\n  CONSTRAINT docs_pk PRIMARY KEY (id)\n);');
  assert.equal(sqlOf(r, 'copy'), 'CREATE TABLE app.copy AS\n(SELECT id\nFROM app.docs)\nWITH NO DATA;');
  assert.deepEqual(manualOf(r), []);
});

test('GENERATED AS IDENTITY without ALWAYS or BY DEFAULT is an ALWAYS identity, as on Oracle', async () => {
  const r = await convert('CREATE TABLE ev (id NUMBER GENERATED AS IDENTITY (START WITH 100 INCREMENT BY 10), step VARCHAR2(3));');
  assert.equal(sqlOf(r, 'ev'), 'CREATE TABLE app.ev (\n  id bigint GENERATED ALWAYS AS IDENTITY (START WITH 100 INCREMENT BY 10 MINVALUE 1 NO MAXVALUE CACHE 20 NO CYCLE),\n  step varchar(3)\n);');
  assert.deepEqual(notesOf(r), ['changed:IDENTITY_TYPE@ev.id']);
});

test('synonyms follow their target: PL/SQL waits for it, types and sequences are listed, Oracle\'s own public synonyms are left out, undefined targets are listed', async () => {
  const r = await convert(`CREATE TABLE t (a NUMBER);
CREATE OR REPLACE PACKAGE api AS PROCEDURE p; END;
/
CREATE TYPE obj_t AS OBJECT (a NUMBER, MEMBER FUNCTION f RETURN NUMBER);
/
CREATE SEQUENCE sq;
CREATE SYNONYM api_syn FOR api;
CREATE SYNONYM obj_syn FOR obj_t;
CREATE SYNONYM seq_syn FOR sq;
CREATE SYNONYM t_syn FOR t;
CREATE SYNONYM gone_syn FOR gone;
CREATE SYNONYM other_syn FOR other.thing;
CREATE PUBLIC SYNONYM xml_syn FOR sys.xmltype;
CREATE SYNONYM lock_syn FOR sys.dbms_lock;`);
  assert.deepEqual(manualOf(r), [
    'SYNONYM api_syn PLSQL_DEPENDENCY',
    'SYNONYM obj_syn PLSQL_DEPENDENCY',
    'SYNONYM seq_syn SYNONYM_TARGET',
    'SYNONYM gone_syn SYNONYM_TARGET',
    'SYNONYM lock_syn SYNONYM_TARGET',
    'PACKAGE api PLSQL',
    'TYPE obj_t PLSQL',
  ]);
  assert.equal(sqlOf(r, 't_syn'), 'CREATE VIEW app.t_syn AS\nSELECT * FROM app.t;');
  // A schema the DDL does not contain may hold the target: the synonym is kept.
  assert.equal(sqlOf(r, 'other_syn'), 'CREATE VIEW app.other_syn AS\nSELECT * FROM other.thing;');
  assert.equal(sqlOf(r, 'xml_syn'), '');
  assert.equal(r.notes.find((n) => n.name === 'xml_syn')!.message,
    'the public synonym of Oracle\'s own "SYS"."XMLTYPE" is not created: Oracle creates it in every database and PostgreSQL has no such object (what uses it needs its own conversion)');
  assert.deepEqual(notesOf(r).filter((n) => n.includes('SYNONYM')), [
    'manual:SYNONYM_TARGET@seq_syn', 'changed:SYNONYM_AS_VIEW@t_syn', 'manual:SYNONYM_TARGET@gone_syn',
    'changed:SYNONYM_AS_VIEW@other_syn', 'unsupported:SUPPLIED_SYNONYM@xml_syn', 'manual:SYNONYM_TARGET@lock_syn',
  ]);
});

test('subtypes (UNDER) become composite types with their supertypes\' attributes first; a subtype of an unconverted type is listed', async () => {
  const r = await convert(`CREATE TYPE a_t AS OBJECT (x NUMBER) NOT FINAL;
/
CREATE TYPE b_t UNDER a_t (y VARCHAR2(5)) NOT FINAL;
/
CREATE TYPE c_t UNDER b_t (z DATE);
/
CREATE TYPE d_t UNDER missing_t (w NUMBER);
/
CREATE TABLE holder (id NUMBER, c c_t);`);
  assert.equal(sqlOf(r, 'c_t'), 'CREATE TYPE app.c_t AS (\n  x numeric,\n  y varchar(5),\n  z timestamp(0)\n);');
  assert.equal(sqlOf(r, 'holder'), 'CREATE TABLE app.holder (\n  id numeric,\n  c app.c_t\n);');
  assert.deepEqual(manualOf(r), ['TYPE d_t TYPE_INHERITANCE']);
  assert.deepEqual(notesOf(r), ['changed:OBJECT_TYPE@a_t', 'changed:TYPE_INHERITANCE@b_t', 'changed:TYPE_INHERITANCE@c_t', 'manual:TYPE_INHERITANCE@d_t']);
});

test('an anonymous block that only runs DDL literals with EXECUTE IMMEDIATE converts that DDL; any other block stays for a person', async () => {
  const r = await convert(`BEGIN
  EXECUTE IMMEDIATE 'CREATE TABLE t (id NUMBER(9) PRIMARY KEY, name VARCHAR2(20))';
EXCEPTION WHEN OTHERS THEN IF SQLCODE != -955 THEN RAISE; END IF;
END;
/
DECLARE
  v_ddl VARCHAR2(200) := 'CREATE INDEX t_name_ix ON t (name)';
BEGIN
  EXECUTE IMMEDIATE v_ddl;
  EXECUTE IMMEDIATE q'[COMMENT ON TABLE t IS 'it''s t']';
  DBMS_OUTPUT.PUT_LINE('done');
END;
/
BEGIN
  FOR r IN (SELECT table_name FROM user_tables) LOOP
    EXECUTE IMMEDIATE 'DROP TABLE ' || r.table_name;
  END LOOP;
END;
/
BEGIN
  EXECUTE IMMEDIATE 'CREATE SEQUENCE s2';
  INSERT INTO t VALUES (1, 'x');
END;
/
BEGIN
  EXECUTE IMMEDIATE 'BEGIN NULL; END;';
END;
/`);
  assert.deepEqual(r.objects.map((o) => o.sql), [
    'CREATE SCHEMA IF NOT EXISTS app;',
    'CREATE TABLE app.t (\n  id integer,\n  name varchar(20),\n  CONSTRAINT t_pkey PRIMARY KEY (id)\n);',
    'CREATE INDEX t_name_ix ON app.t (name);',
    "COMMENT ON TABLE app.t IS 'it''s t';",
  ]);
  assert.deepEqual(manualOf(r), ['ANONYMOUS BLOCK input.sql line 14 PLSQL', 'ANONYMOUS BLOCK input.sql line 20 PLSQL', 'ANONYMOUS BLOCK input.sql line 25 PLSQL']);
  assert.deepEqual(notesOf(r).filter((n) => n.includes('DYNAMIC_DDL')), ['changed:DYNAMIC_DDL@input.sql line 1', 'changed:DYNAMIC_DDL@input.sql line 6']);
});

test('what depends on a table the converter could not read follows it to the manual list instead of failing at import', async () => {
  const r = await convert(`CREATE TABLE good (id NUMBER PRIMARY KEY);
CREATE TABLE odd (id NUMBER GENERATED FROM NOWHERE, g NUMBER);
CREATE INDEX odd_ix ON odd (g);
ALTER TABLE odd ADD CONSTRAINT odd_fk FOREIGN KEY (g) REFERENCES good (id);
CREATE TABLE child (id NUMBER, odd_id NUMBER REFERENCES odd (id));
CREATE VIEW odd_v AS SELECT id FROM odd;
CREATE SYNONYM odd_s FOR odd;
COMMENT ON TABLE odd IS 'x';`);
  assert.deepEqual(r.objects.map((o) => o.name), ['app', 'good', 'child']);
  assert.deepEqual(manualOf(r), [
    'CONSTRAINT child.child_odd_id_fkey DEPENDS_ON_MANUAL',
    'INDEX odd_ix DEPENDS_ON_MANUAL',
    'SYNONYM odd_s DEPENDS_ON_MANUAL',
    'VIEW odd_v DEPENDS_ON_MANUAL',
    'TABLE odd SYNTAX',
    'ALTER TABLE odd DEPENDS_ON_MANUAL',
  ]);
});

test('object tables become tables of the type\'s attributes and object views views of them; constructors become row casts; a table that may hold subtypes is listed', async () => {
  const r = await convert(`CREATE TYPE person_typ AS OBJECT (idno NUMBER, first_name VARCHAR2(20), last_name VARCHAR2(25), email VARCHAR2(25));
/
CREATE TABLE person_obj_table OF person_typ (idno PRIMARY KEY, last_name NOT NULL, email DEFAULT 'none', CONSTRAINT person_email_uk UNIQUE (email)) OBJECT IDENTIFIER IS PRIMARY KEY;
CREATE TABLE plain_people OF person_typ;
ALTER TABLE plain_people ADD CONSTRAINT plain_pk PRIMARY KEY (idno);
CREATE TYPE shape_t AS OBJECT (id NUMBER) NOT FINAL;
/
CREATE TYPE circle_t UNDER shape_t (r NUMBER);
/
CREATE TABLE shapes OF shape_t;
CREATE TABLE only_shapes OF shape_t NOT SUBSTITUTABLE AT ALL LEVELS;
CREATE TABLE bad OF person_typ (nick NOT NULL);
CREATE VIEW people_v OF person_typ WITH OBJECT IDENTIFIER (idno) AS SELECT idno, first_name, last_name, email FROM person_obj_table;
CREATE VIEW circles_v OF circle_t WITH OBJECT IDENTIFIER DEFAULT AS SELECT id, 1 FROM only_shapes;
CREATE VIEW maker AS SELECT person_typ(idno, 'a', 'b', NULL) AS p FROM plain_people;
CREATE VIEW linked OF person_typ WITH OBJECT IDENTIFIER (idno) AS SELECT idno, first_name, last_name, MAKE_REF(people_v, idno) FROM plain_people;`);
  assert.equal(sqlOf(r, 'person_obj_table'), [
    'CREATE TABLE app.person_obj_table (', '  idno numeric,', '  first_name varchar(20),', '  last_name varchar(25) NOT NULL,',
    "  email varchar(25) DEFAULT 'none',", '  CONSTRAINT person_obj_table_pkey PRIMARY KEY (idno)', ');',
  ].join('\n'));
  assert.equal(sqlOf(r, 'person_email_uk'), 'ALTER TABLE app.person_obj_table ADD CONSTRAINT person_email_uk UNIQUE (email);');
  assert.equal(sqlOf(r, 'plain_people'), 'CREATE TABLE app.plain_people (\n  idno numeric,\n  first_name varchar(20),\n  last_name varchar(25),\n  email varchar(25),\n  CONSTRAINT plain_pk PRIMARY KEY (idno)\n);');
  assert.equal(sqlOf(r, 'only_shapes'), 'CREATE TABLE app.only_shapes (\n  id numeric\n);');
  assert.equal(sqlOf(r, 'people_v'), 'CREATE VIEW app.people_v (idno, first_name, last_name, email) AS\nSELECT idno,\n  first_name,\n  last_name,\n  email\nFROM app.person_obj_table;');
  assert.equal(sqlOf(r, 'circles_v'), 'CREATE VIEW app.circles_v (id, r) AS\nSELECT id,\n  1\nFROM app.only_shapes;');
  assert.equal(sqlOf(r, 'maker'), "CREATE VIEW app.maker AS\nSELECT ROW(idno, 'a', 'b', NULL)::app.person_typ AS p\nFROM app.plain_people;");
  assert.deepEqual(manualOf(r), ['TABLE shapes OBJECT_TABLE', 'TABLE bad OBJECT_TABLE', 'VIEW linked UNSUPPORTED_FUNCTION']);
  assert.deepEqual(r.manual.slice(0, 2).map((m) => m.reason), [
    'an object table of "APP"."SHAPE_T", whose rows may be objects of its subtypes (CIRCLE_T) with attributes of their own: no one PostgreSQL table of columns holds them',
    'the table names NICK, which is not an attribute of "APP"."PERSON_TYP"',
  ]);
  assert.deepEqual(notesOf(r).filter((n) => n.includes('OBJECT_TABLE') || n.includes('OBJECT_VIEW')), [
    'changed:OBJECT_TABLE@person_obj_table', 'changed:OBJECT_TABLE@plain_people', 'changed:OBJECT_TABLE@only_shapes',
    'manual:OBJECT_TABLE@shapes', 'manual:OBJECT_TABLE@bad', 'changed:OBJECT_VIEW@people_v', 'changed:OBJECT_VIEW@circles_v',
  ]);
});

test('types are created after the types they use, whatever the order of the files that define them', async () => {
  const r = await convert([
    { name: 'a_orders.sql', text: 'CREATE TYPE order_t AS OBJECT (id NUMBER, ship_to address_t, lines line_list_t);\n/' },
    { name: 'b_base.sql', text: 'CREATE TYPE line_list_t AS TABLE OF line_t;\n/\nCREATE TYPE address_t AS OBJECT (city VARCHAR2(40));\n/\nCREATE TYPE line_t AS OBJECT (sku VARCHAR2(10), qty NUMBER(5));\n/' },
  ]);
  assert.deepEqual(r.objects.filter((o) => o.type === 'TYPE' || o.type === 'DOMAIN').map((o) => o.name), ['address_t', 'line_t', 'line_list_t', 'order_t']);
  assert.equal(sqlOf(r, 'order_t'), 'CREATE TYPE app.order_t AS (\n  id numeric,\n  ship_to app.address_t,\n  lines app.line_list_t\n);');
  assert.deepEqual(r.notes.filter((n) => n.code === 'UNSUPPORTED_TYPE'), []);
});
