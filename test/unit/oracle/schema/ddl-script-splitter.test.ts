import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitOracleScript } from '../../../../src/adapters/oracle/schema/ddl-script-splitter.js';
import { OracleTokenizeError, tokenizeOracle } from '../../../../src/adapters/oracle/schema/oracle-tokenizer.js';

test('SQL*Plus commands are skipped; SQL ends at ; and PL/SQL at a / line', () => {
  const script = [
    'SET ECHO OFF',
    'rem a remark with an unbalanced quote: it\'s fine',
    'PROMPT Creating; things',
    'DEFINE x = 1',
    '@@other_file.sql',
    'CREATE TABLE t (a NUMBER, b VARCHAR2(10) DEFAULT \'x;y\'); -- trailing comment',
    'CREATE OR REPLACE PROCEDURE p IS',
    'BEGIN',
    '  NULL; -- a ; inside PL/SQL',
    'END;',
    '/',
    'CREATE INDEX i ON t (a)',
    '/',
    'EXEC dbms_stats.gather_schema_stats(\'X\');',
    'INSERT INTO t VALUES (1, q\'[a;b]\');',
  ].join('\n');
  const split = splitOracleScript(script);
  assert.deepEqual(split.statements.map((s) => [s.line, s.plsql, s.text]), [
    [6, false, "CREATE TABLE t (a NUMBER, b VARCHAR2(10) DEFAULT 'x;y')"],
    [7, true, 'CREATE OR REPLACE PROCEDURE p IS\nBEGIN\n  NULL; -- a ; inside PL/SQL\nEND;'],
    [12, false, 'CREATE INDEX i ON t (a)'],
    [15, false, "INSERT INTO t VALUES (1, q'[a;b]')"],
  ]);
  assert.deepEqual(split.skipped.map((s) => s.command), ['SET', 'REM', 'PROMPT', 'DEFINE', '@', 'EXEC']);
});

test('a type spec ends at its ; and takes the / line after it; a type body needs the / line', () => {
  const script = 'CREATE TYPE a_typ AS OBJECT (x NUMBER, y VARCHAR2(5));\n/\nCREATE TYPE b_typ AS VARRAY(3) OF NUMBER;\nCREATE TYPE BODY a_typ AS\n  MEMBER FUNCTION f RETURN NUMBER IS BEGIN RETURN 1; END;\nEND;\n/\nCREATE TABLE z (n NUMBER);';
  const split = splitOracleScript(script);
  assert.deepEqual(split.statements.map((s) => s.text), [
    'CREATE TYPE a_typ AS OBJECT (x NUMBER, y VARCHAR2(5))',
    'CREATE TYPE b_typ AS VARRAY(3) OF NUMBER',
    'CREATE TYPE BODY a_typ AS\n  MEMBER FUNCTION f RETURN NUMBER IS BEGIN RETURN 1; END;\nEND;',
    'CREATE TABLE z (n NUMBER)',
  ]);
});

test('DBMS_METADATA output: statements indented, terminated by ; or by / after PL/SQL, CRLF line ends', () => {
  const script = '\r\n  CREATE TABLE "HR"."T" \r\n   (\t"ID" NUMBER(10,0)\r\n   ) ;\r\n\r\n  CREATE OR REPLACE EDITIONABLE TRIGGER "HR"."T_BI" \r\n BEFORE INSERT ON "HR"."T"\r\nBEGIN\r\n  NULL;\r\nEND;\r\n\r\n/\r\nALTER TRIGGER "HR"."T_BI" ENABLE;\r\n';
  const split = splitOracleScript(script);
  assert.deepEqual(split.statements.map((s) => [s.line, s.plsql]), [[2, false], [6, true], [13, false]]);
  assert.equal(split.statements[2]!.text, 'ALTER TRIGGER "HR"."T_BI" ENABLE');
});

test('a script without terminators (SQL Developer export, terminator off): a statement ends where the next one begins', () => {
  const script = [
    '--  DDL for Table T',
    '  CREATE TABLE "S"."T" ("ID" NUMBER(5,0), "NOTE" VARCHAR2(30))',
    '  SEGMENT CREATION IMMEDIATE',
    '  TABLESPACE "USERS"',
    '  CREATE UNIQUE INDEX "S"."T_PK" ON "S"."T" ("ID")',
    '  ALTER TABLE "S"."T" ADD CONSTRAINT "T_PK" PRIMARY KEY ("ID")',
    '  USING INDEX "S"."T_PK"  ENABLE',
    '   COMMENT ON TABLE "S"."T"  IS \'create table in a string\'',
    '  CREATE OR REPLACE FORCE EDITIONABLE VIEW "S"."V" ("ID") AS',
    '  SELECT id',
    '    FROM t',
    'REM INSERTING into S.T',
    'SET DEFINE OFF;',
    'Insert into S.T (ID,NOTE) values (\'1\',\'x\');',
    'CREATE OR REPLACE PROCEDURE p IS',
    'BEGIN',
    '  UPDATE t',
    '  SET note = NULL;',
    '  COMMENT_ROWS(1);',
    'END;',
    '/',
  ].join('\n');
  const split = splitOracleScript(script);
  assert.deepEqual(split.statements.map((s) => [s.line, s.plsql, s.text]), [
    [2, false, 'CREATE TABLE "S"."T" ("ID" NUMBER(5,0), "NOTE" VARCHAR2(30))\n  SEGMENT CREATION IMMEDIATE\n  TABLESPACE "USERS"'],
    [5, false, 'CREATE UNIQUE INDEX "S"."T_PK" ON "S"."T" ("ID")'],
    [6, false, 'ALTER TABLE "S"."T" ADD CONSTRAINT "T_PK" PRIMARY KEY ("ID")\n  USING INDEX "S"."T_PK"  ENABLE'],
    [8, false, 'COMMENT ON TABLE "S"."T"  IS \'create table in a string\''],
    [9, false, 'CREATE OR REPLACE FORCE EDITIONABLE VIEW "S"."V" ("ID") AS\n  SELECT id\n    FROM t'],
    [14, false, "Insert into S.T (ID,NOTE) values ('1','x')"],
    [15, true, 'CREATE OR REPLACE PROCEDURE p IS\nBEGIN\n  UPDATE t\n  SET note = NULL;\n  COMMENT_ROWS(1);\nEND;'],
  ]);
  assert.deepEqual(split.skipped.map((s) => s.command), ['REM', 'SET']);
});

test('the tokenizer: quoted names keep their case, words are upper-cased, every literal form is read', () => {
  const tokens = tokenizeOracle(`select "Mixed"."Name", emp_id, q'{it's}', N'x', nq'!y!', 'a''b', 1.5e3, .5, 2f /*+ hint */ -- c\n|| <> != ^= :=`);
  assert.deepEqual(tokens.map((t) => [t.kind, t.value]), [
    ['word', 'SELECT'], ['quoted', 'Mixed'], ['punct', '.'], ['quoted', 'Name'], ['punct', ','], ['word', 'EMP_ID'], ['punct', ','],
    ['string', "it's"], ['punct', ','], ['string', 'x'], ['punct', ','], ['string', 'y'], ['punct', ','], ['string', "a'b"], ['punct', ','],
    ['number', '1.5e3'], ['punct', ','], ['number', '.5'], ['punct', ','], ['number', '2'],
    ['op', '||'], ['op', '<>'], ['op', '!='], ['op', '^='], ['op', ':='],
  ]);
  assert.equal(tokens[tokens.length - 5]!.newline, true);
  assert.throws(() => tokenizeOracle("select 'open"), OracleTokenizeError);
  assert.throws(() => tokenizeOracle('select "open'), OracleTokenizeError);
});
