import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convert, manualOf, notesOf, sqlOf } from './convert-helpers.js';

test('indexes: bitmap and reverse-key become B-tree (noted), function-based converts, domain indexes go to the manual list', async () => {
  const r = await convert(`
CREATE TABLE t (id NUMBER(6) PRIMARY KEY, name VARCHAR2(40), d DATE, body CLOB, amount NUMBER);
CREATE BITMAP INDEX t_name_bix ON t (name);
CREATE INDEX t_id_rix ON t (id, name) REVERSE;
CREATE INDEX "APP"."T_UPPER_IX" ON "APP"."T" (UPPER("NAME"), "D" DESC) PCTFREE 10 TABLESPACE "USERS" ;
CREATE UNIQUE INDEX t_name_ux ON t (LOWER(name));
CREATE INDEX t_text_ix ON t (body) INDEXTYPE IS CTXSYS.CONTEXT PARAMETERS ('SYNC (ON COMMIT)');
CREATE INDEX t_inv_ix ON t (d) INVISIBLE;
CREATE INDEX t_glob_ix ON t (amount) GLOBAL PARTITION BY RANGE (amount) (PARTITION p1 VALUES LESS THAN (MAXVALUE));
CREATE INDEX t_bad_ix ON t (ORA_HASH(name));`);
  assert.equal(sqlOf(r, 't_name_bix'), 'CREATE INDEX t_name_bix ON app.t (name);');
  assert.equal(sqlOf(r, 't_id_rix'), 'CREATE INDEX t_id_rix ON app.t (id, name);');
  assert.equal(sqlOf(r, 't_upper_ix'), 'CREATE INDEX t_upper_ix ON app.t ((upper(name)), d DESC);');
  assert.equal(r.objects.find((o) => o.name === 't_name_ux')!.type, 'UNIQUE');
  assert.equal(sqlOf(r, 't_name_ux'), 'CREATE UNIQUE INDEX t_name_ux ON app.t ((lower(name)));');
  assert.deepEqual(manualOf(r), ['INDEX t_text_ix DOMAIN_INDEX', 'INDEX t_bad_ix UNSUPPORTED_FUNCTION']);
  assert.deepEqual(notesOf(r), [
    'changed:BITMAP_INDEX@t_name_bix', 'changed:REVERSE_INDEX@t_id_rix', 'manual:DOMAIN_INDEX@t_text_ix', 'changed:INVISIBLE_INDEX@t_inv_ix',
    'changed:GLOBAL_PARTITIONED_INDEX@t_glob_ix', 'manual:UNSUPPORTED_FUNCTION@t_bad_ix',
  ]);
});

test('range partitions: bounds from TO_DATE literals, MAXVALUE; the partition key joins the primary key (noted); INTERVAL noted', async () => {
  const r = await convert(`
CREATE TABLE "APP"."USAGE" ("ID" NUMBER(18,0) NOT NULL ENABLE, "AT" DATE NOT NULL ENABLE, "CODE" VARCHAR2(10 BYTE),
  CONSTRAINT "USAGE_PK" PRIMARY KEY ("ID") USING INDEX ENABLE)
  PARTITION BY RANGE ("AT") INTERVAL (NUMTOYMINTERVAL(1,'MONTH'))
 (PARTITION "P_2024_01"  VALUES LESS THAN (TO_DATE(' 2024-02-01 00:00:00', 'SYYYY-MM-DD HH24:MI:SS', 'NLS_CALENDAR=GREGORIAN')) SEGMENT CREATION IMMEDIATE TABLESPACE "USERS" ,
 PARTITION "SYS_P4401"  VALUES LESS THAN (TO_DATE(' 2024-03-01 00:00:00', 'SYYYY-MM-DD HH24:MI:SS', 'NLS_CALENDAR=GREGORIAN')) ,
 PARTITION "REST" VALUES LESS THAN (MAXVALUE)) ;
CREATE UNIQUE INDEX usage_code_ux ON usage (code);
CREATE UNIQUE INDEX usage_id_ux ON usage (id);`);
  assert.equal(sqlOf(r, 'usage'), 'CREATE TABLE app.usage (\n  id bigint NOT NULL,\n  at timestamp(0) NOT NULL,\n  code varchar(10),\n  CONSTRAINT usage_pk PRIMARY KEY (id, at)\n) PARTITION BY RANGE (at);');
  assert.deepEqual(r.objects.filter((o) => o.type === 'PARTITION').map((o) => o.sql), [
    "CREATE TABLE app.usage_p_2024_01 PARTITION OF app.usage FOR VALUES FROM (MINVALUE) TO (TIMESTAMP '2024-02-01 00:00:00');",
    "CREATE TABLE app.usage_sys_p4401 PARTITION OF app.usage FOR VALUES FROM (TIMESTAMP '2024-02-01 00:00:00') TO (TIMESTAMP '2024-03-01 00:00:00');",
    "CREATE TABLE app.usage_rest PARTITION OF app.usage FOR VALUES FROM (TIMESTAMP '2024-03-01 00:00:00') TO (MAXVALUE);",
  ]);
  assert.equal(sqlOf(r, 'usage_code_ux'), 'CREATE UNIQUE INDEX usage_code_ux ON app.usage (code, at);');
  // The unique index on ID is the primary key's index, which PostgreSQL makes with the key.
  assert.equal(sqlOf(r, 'usage_id_ux'), '');
  assert.deepEqual(notesOf(r), [
    'changed:PARTITION_KEY_IN_KEY@usage.usage_pk', 'unsupported:INTERVAL_PARTITIONING@usage', 'changed:PARTITION_KEY_IN_KEY@usage_code_ux',
    'changed:INDEX_OF_CONSTRAINT@usage_id_ux',
  ]);
});

test('list, hash and composite partitions; REFERENCE partitioning is not converted (noted)', async () => {
  const r = await convert(`
CREATE TABLE l (code VARCHAR2(5), n NUMBER) PARTITION BY LIST (code)
  (PARTITION l_ab VALUES ('A', 'B'), PARTITION l_null VALUES (NULL), PARTITION l_rest VALUES (DEFAULT));
CREATE TABLE h (id NUMBER(9)) PARTITION BY HASH (id) PARTITIONS 3;
CREATE TABLE c (d DATE, k NUMBER(4)) PARTITION BY RANGE (d) SUBPARTITION BY HASH (k) SUBPARTITIONS 2
  (PARTITION y1 VALUES LESS THAN (DATE '2024-01-01'), PARTITION y2 VALUES LESS THAN (DATE '2025-01-01') (SUBPARTITION y2_a, SUBPARTITION y2_b, SUBPARTITION y2_c));
CREATE TABLE tl (region VARCHAR2(5), m DATE) PARTITION BY LIST (region) SUBPARTITION BY RANGE (m)
  SUBPARTITION TEMPLATE (SUBPARTITION h1 VALUES LESS THAN (TO_DATE('2023-07-01','YYYY-MM-DD')), SUBPARTITION h2 VALUES LESS THAN (MAXVALUE))
  (PARTITION north VALUES ('N'));
CREATE TABLE parent (id NUMBER PRIMARY KEY);
CREATE TABLE child (id NUMBER, pid NUMBER NOT NULL, CONSTRAINT child_fk FOREIGN KEY (pid) REFERENCES parent) PARTITION BY REFERENCE (child_fk);`);
  assert.deepEqual(r.objects.filter((o) => o.type === 'PARTITION').map((o) => o.sql), [
    "CREATE TABLE app.l_l_ab PARTITION OF app.l FOR VALUES IN ('A', 'B');",
    'CREATE TABLE app.l_l_null PARTITION OF app.l FOR VALUES IN (NULL);',
    'CREATE TABLE app.l_l_rest PARTITION OF app.l DEFAULT;',
    'CREATE TABLE app.h_p1 PARTITION OF app.h FOR VALUES WITH (MODULUS 3, REMAINDER 0);',
    'CREATE TABLE app.h_p2 PARTITION OF app.h FOR VALUES WITH (MODULUS 3, REMAINDER 1);',
    'CREATE TABLE app.h_p3 PARTITION OF app.h FOR VALUES WITH (MODULUS 3, REMAINDER 2);',
    "CREATE TABLE app.c_y1 PARTITION OF app.c FOR VALUES FROM (MINVALUE) TO (TIMESTAMP '2024-01-01 00:00:00') PARTITION BY HASH (k);",
    'CREATE TABLE app.c_y1_sp1 PARTITION OF app.c_y1 FOR VALUES WITH (MODULUS 2, REMAINDER 0);',
    'CREATE TABLE app.c_y1_sp2 PARTITION OF app.c_y1 FOR VALUES WITH (MODULUS 2, REMAINDER 1);',
    "CREATE TABLE app.c_y2 PARTITION OF app.c FOR VALUES FROM (TIMESTAMP '2024-01-01 00:00:00') TO (TIMESTAMP '2025-01-01 00:00:00') PARTITION BY HASH (k);",
    'CREATE TABLE app.c_y2_a PARTITION OF app.c_y2 FOR VALUES WITH (MODULUS 3, REMAINDER 0);',
    'CREATE TABLE app.c_y2_b PARTITION OF app.c_y2 FOR VALUES WITH (MODULUS 3, REMAINDER 1);',
    'CREATE TABLE app.c_y2_c PARTITION OF app.c_y2 FOR VALUES WITH (MODULUS 3, REMAINDER 2);',
    "CREATE TABLE app.tl_north PARTITION OF app.tl FOR VALUES IN ('N') PARTITION BY RANGE (m);",
    "CREATE TABLE app.tl_north_h1 PARTITION OF app.tl_north FOR VALUES FROM (MINVALUE) TO (TIMESTAMP '2023-07-01 00:00:00');",
    // M may be NULL: the MAXVALUE subpartition becomes the DEFAULT one (see the NULL partition key test).
    'CREATE TABLE app.tl_north_h2 PARTITION OF app.tl_north DEFAULT;',
  ]);
  assert.match(sqlOf(r, 'child'), /^CREATE TABLE app\.child \([^)]*\);$/);
  assert.deepEqual(notesOf(r), ['changed:NULL_PARTITION_KEY@tl_north_h2', 'unsupported:PARTITIONING_NOT_CONVERTED@child']);
});

test('views: FORCE EDITIONABLE with column list, WITH CHECK OPTION kept, WITH READ ONLY noted, views reading unconverted ones follow them', async () => {
  const r = await convert(`
CREATE TABLE t (id NUMBER(6), mgr NUMBER(6), name VARCHAR2(20));
  CREATE OR REPLACE FORCE EDITIONABLE VIEW "APP"."V1" ("ID", "NAME") DEFAULT COLLATION "USING_NLS_COMP"  AS 
  select id, nvl(name, '-') from t where id > 0 WITH CHECK OPTION;
CREATE VIEW v2 AS SELECT id FROM t WITH READ ONLY CONSTRAINT v2_ro;
CREATE VIEW v3 AS SELECT id, ROWID rid FROM t;
CREATE VIEW v4 AS SELECT v3.id FROM v3;
CREATE VIEW v5 AS SELECT id, fn_score(id) s FROM t;
CREATE FUNCTION fn_score(p NUMBER) RETURN NUMBER IS BEGIN RETURN p; END;
/`);
  assert.equal(sqlOf(r, 'v1'), "CREATE VIEW app.v1 (id, name) AS\nSELECT id,\n  COALESCE(name, '-')\nFROM app.t\nWHERE id > 0\nWITH CASCADED CHECK OPTION;");
  assert.equal(sqlOf(r, 'v2'), 'CREATE VIEW app.v2 AS\nSELECT id\nFROM app.t;');
  assert.deepEqual(manualOf(r), ['VIEW v3 PSEUDO_COLUMN', 'VIEW v4 DEPENDS_ON_MANUAL', 'VIEW v5 PLSQL_DEPENDENCY', 'FUNCTION fn_score PLSQL']);
  assert.deepEqual(r.inventory.objects.filter((o) => o.kind === 'VIEW').map((o) => `${o.name} ${o.status}${o.needsPlsql ? ' needs PL/SQL' : ''}`), [
    'v1 created', 'v2 created', 'v3 manual', 'v4 manual', 'v5 manual needs PL/SQL',
  ]);
  assert.ok(notesOf(r).includes('changed:READ_ONLY_VIEW@v2'));
});

test('materialized views: WITH NO DATA, refresh modes noted, the container table dropped, ON PREBUILT TABLE keeps the table', async () => {
  const r = await convert(`
  CREATE TABLE "APP"."MV1" ("M" DATE, "TOTAL" NUMBER);
  CREATE TABLE sales (d DATE, amount NUMBER);
  CREATE MATERIALIZED VIEW "APP"."MV1" ("M", "TOTAL") SEGMENT CREATION IMMEDIATE ORGANIZATION HEAP PCTFREE 10 TABLESPACE "USERS"
  BUILD IMMEDIATE USING INDEX REFRESH FAST ON COMMIT START WITH sysdate+0 NEXT trunc(sysdate)+1
  USING DEFAULT LOCAL ROLLBACK SEGMENT USING ENFORCED CONSTRAINTS DISABLE QUERY REWRITE
  AS select trunc(d, 'MM') m, sum(amount) total from sales group by trunc(d, 'MM');
  CREATE TABLE mv2 (x NUMBER);
  CREATE MATERIALIZED VIEW mv2 ON PREBUILT TABLE REFRESH COMPLETE AS SELECT amount x FROM sales;
  COMMENT ON MATERIALIZED VIEW mv1 IS 'monthly';
  COMMENT ON COLUMN mv1.total IS 'sum';`);
  assert.equal(sqlOf(r, 'mv1'), [
    'CREATE MATERIALIZED VIEW app.mv1 (m, total) AS',
    "SELECT date_trunc('month', d) AS m,",
    '  sum(amount) AS total',
    'FROM app.sales',
    "GROUP BY date_trunc('month', d)",
    'WITH NO DATA;',
    "COMMENT ON MATERIALIZED VIEW app.mv1 IS 'monthly';",
    "COMMENT ON COLUMN app.mv1.total IS 'sum';",
  ].join('\n'));
  assert.equal(sqlOf(r, 'mv2'), 'CREATE TABLE app.mv2 (\n  x numeric\n);');
  assert.deepEqual(notesOf(r), [
    'changed:MVIEW_CONTAINER_TABLE@mv1',
    'changed:MVIEW_REFRESH@mv1', 'changed:MVIEW_REFRESH@mv1', 'changed:MVIEW_REFRESH@mv1',
    'unsupported:MVIEW_PREBUILT@mv2',
  ]);
  assert.deepEqual(r.inventory.objects.filter((o) => o.kind === 'MVIEW').map((o) => `${o.name} ${o.status}`), ['mv1 created', 'mv2 omitted']);
});

test('synonyms: private ones become views, public ones views in schema public; synonyms of sequences or over links are not converted', async () => {
  const r = await convert(`
CREATE TABLE t (id NUMBER);
CREATE SEQUENCE s;
CREATE SYNONYM t_syn FOR t;
CREATE OR REPLACE EDITIONABLE SYNONYM "APP"."OTHER_SYN" FOR "HR"."EMPLOYEES";
CREATE PUBLIC SYNONYM t_pub FOR app.t;
CREATE SYNONYM s_syn FOR s;
CREATE SYNONYM remote_syn FOR t@remote_db;`);
  assert.equal(sqlOf(r, 't_syn'), 'CREATE VIEW app.t_syn AS\nSELECT * FROM app.t;');
  assert.equal(sqlOf(r, 'other_syn'), 'CREATE VIEW app.other_syn AS\nSELECT * FROM hr.employees;');
  assert.equal(sqlOf(r, 't_pub'), 'CREATE VIEW public.t_pub AS\nSELECT * FROM app.t;');
  assert.deepEqual(manualOf(r), ['SYNONYM s_syn SYNONYM_TARGET', 'SYNONYM remote_syn DBLINK']);
});

test('types: object types become composite types, VARRAY and nested tables domains over arrays; methods go with the type body to the manual list', async () => {
  const r = await convert(`
CREATE TYPE addr_typ OID '82A4AF6A4CD1656DE034080020E0EE3D' AS OBJECT (street VARCHAR2(40), zip VARCHAR2(10));
/
CREATE OR REPLACE TYPE phones_typ AS VARRAY(5) OF VARCHAR2(25);
/
CREATE TYPE tags_typ AS TABLE OF VARCHAR2(30);
/
CREATE TYPE money_typ AS OBJECT (amount NUMBER(12,2), MEMBER FUNCTION show RETURN VARCHAR2) NOT FINAL;
/
CREATE TYPE BODY money_typ AS MEMBER FUNCTION show RETURN VARCHAR2 IS BEGIN RETURN amount; END; END;
/
CREATE TYPE sub_typ UNDER money_typ (extra NUMBER);
/
CREATE TABLE c (id NUMBER, home addr_typ, phones phones_typ, tags tags_typ) NESTED TABLE tags STORE AS c_tags RETURN AS VALUE;`);
  assert.equal(sqlOf(r, 'addr_typ'), 'CREATE TYPE app.addr_typ AS (\n  street varchar(40),\n  zip varchar(10)\n);');
  assert.equal(sqlOf(r, 'phones_typ'), 'CREATE DOMAIN app.phones_typ AS varchar(25)[] CHECK (VALUE IS NULL OR cardinality(VALUE) <= 5);');
  assert.equal(sqlOf(r, 'tags_typ'), 'CREATE DOMAIN app.tags_typ AS varchar(30)[];');
  assert.equal(sqlOf(r, 'money_typ'), 'CREATE TYPE app.money_typ AS (\n  amount numeric(12,2)\n);');
  assert.equal(sqlOf(r, 'c'), 'CREATE TABLE app.c (\n  id numeric,\n  home app.addr_typ,\n  phones app.phones_typ,\n  tags app.tags_typ\n);');
  // A subtype holds its supertype's attributes first, then its own.
  assert.equal(sqlOf(r, 'sub_typ'), 'CREATE TYPE app.sub_typ AS (\n  amount numeric(12,2),\n  extra numeric\n);');
  assert.deepEqual(manualOf(r), ['TYPE money_typ PLSQL', 'TYPE BODY money_typ PLSQL']);
});

test('PL/SQL units are listed as they are, ALTER TRIGGER kept with its trigger; anonymous blocks listed', async () => {
  const r = await convert(`
CREATE TABLE t (id NUMBER);
CREATE OR REPLACE PACKAGE pkg AS PROCEDURE p; END pkg;
/
CREATE OR REPLACE PACKAGE BODY pkg AS PROCEDURE p IS BEGIN NULL; END; END pkg;
/
CREATE OR REPLACE PROCEDURE proc(a IN NUMBER) AS BEGIN DELETE FROM t WHERE id = a; END;
/
CREATE OR REPLACE FUNCTION fn RETURN NUMBER IS BEGIN RETURN 1; END;
/
  CREATE OR REPLACE EDITIONABLE TRIGGER "APP"."T_BI" BEFORE INSERT ON "APP"."T" FOR EACH ROW
BEGIN
  :new.id := 1;
END;
/
ALTER TRIGGER "APP"."T_BI" DISABLE;
BEGIN
  DBMS_STATS.GATHER_SCHEMA_STATS('APP');
EXCEPTION WHEN OTHERS THEN NULL;
END;
/`);
  assert.deepEqual(r.manual.map((m) => `${m.kind} ${m.name} ${m.plsql}`), [
    'PACKAGE pkg true', 'PACKAGE BODY pkg true', 'PROCEDURE proc true', 'FUNCTION fn true', 'TRIGGER t_bi true', 'ANONYMOUS BLOCK input.sql line 17 true',
  ]);
  assert.equal(r.manual[4]!.oracleSql, 'CREATE OR REPLACE EDITIONABLE TRIGGER "APP"."T_BI" BEFORE INSERT ON "APP"."T" FOR EACH ROW\nBEGIN\n  :new.id := 1;\nEND;\n/\n\nALTER TRIGGER "APP"."T_BI" DISABLE;');
  assert.deepEqual(r.objects.map((o) => o.type), ['SCHEMA', 'TABLE']);
});

test('names: mixed-case quoted names are kept; a name PostgreSQL already holds is renamed; two Oracle names meeting in one are reported', async () => {
  const r = await convert(`
CREATE TABLE "Orders" ("OrderId" NUMBER(9) CONSTRAINT "Orders_PK" PRIMARY KEY, "LIMIT" NUMBER, "Note" VARCHAR2(10));
CREATE INDEX orders ON "Orders" ("LIMIT");
CREATE TABLE "ABC" (a NUMBER);
CREATE TABLE "abc" (a NUMBER);`);
  assert.equal(sqlOf(r, 'Orders'), 'CREATE TABLE app."Orders" (\n  "OrderId" integer,\n  "limit" numeric,\n  "Note" varchar(10),\n  CONSTRAINT "Orders_PK" PRIMARY KEY ("OrderId")\n);');
  assert.equal(sqlOf(r, 'orders'), 'CREATE INDEX orders ON app."Orders" ("limit");');
  assert.ok(notesOf(r).includes('unsupported:NAME_COLLISION@abc'));
  const collide = await convert('CREATE TABLE t (a NUMBER);\nCREATE INDEX t ON t (a);');
  assert.equal(sqlOf(collide, 't_1'), 'CREATE INDEX t_1 ON app.t (a);');
  assert.deepEqual(notesOf(collide), ['changed:NAME_COLLISION@t_1']);
});

test('schemas: the source schema becomes the target schema; objects of other schemas keep theirs; a lower-case schema option is an unquoted name', async () => {
  const r = await convert('CREATE TABLE t (id NUMBER REFERENCES other.p (id)); CREATE TABLE other.p (id NUMBER PRIMARY KEY);', { schema: 'app', targetSchema: 'target' });
  assert.deepEqual(r.objects.filter((o) => o.type === 'SCHEMA').map((o) => o.sql), ['CREATE SCHEMA IF NOT EXISTS target;', 'CREATE SCHEMA IF NOT EXISTS other;']);
  assert.equal(sqlOf(r, 't'), 'CREATE TABLE target.t (\n  id numeric\n);');
  assert.equal(sqlOf(r, 't_id_fkey'), 'ALTER TABLE target.t ADD CONSTRAINT t_id_fkey FOREIGN KEY (id) REFERENCES other.p (id);');
});

test('statements that create no schema object are listed or counted, never lost silently', async () => {
  const r = await convert(`
CREATE USER app IDENTIFIED BY secret;
GRANT SELECT ON t TO reporting;
CREATE DIMENSION d LEVEL day IS t.d;
CREATE DATABASE LINK remote CONNECT TO u IDENTIFIED BY p USING 'x';
DROP TABLE old_t;
CREATE TABLE t (d DATE);`);
  assert.deepEqual(manualOf(r), ['USER app NOT_CONVERTED', 'DIMENSION d NOT_CONVERTED', 'DATABASE remote NOT_CONVERTED']);
  assert.deepEqual(notesOf(r)[0], 'changed:IGNORED_STATEMENTS@input.sql');
  assert.match(r.notes[0]!.message, /GRANT\/REVOKE statements: 1, DROP statements: 1/);
});

test('an empty schema name is a usage error', async () => {
  await assert.rejects(convert('CREATE TABLE t (a NUMBER);', { schema: ' ' }), { code: 'TANDEM_USAGE' });
});

test('NULL partition keys: the MAXVALUE partition of a nullable range key becomes the DEFAULT partition, a nullable key added to a primary key is noted with the count query (measured before on PostgreSQL 15: "no partition of relation events found for row" and "null value in column country … violates not-null constraint" for rows Oracle holds, without a note)', async () => {
  const r = await convert(`
CREATE TABLE events (id NUMBER(10) NOT NULL, closed_on DATE, payload VARCHAR2(100)) PARTITION BY RANGE (closed_on)
  (PARTITION p2023 VALUES LESS THAN (TO_DATE('2024-01-01','YYYY-MM-DD')), PARTITION pmax VALUES LESS THAN (MAXVALUE));
CREATE TABLE closed (id NUMBER(10) NOT NULL, closed_on DATE NOT NULL) PARTITION BY RANGE (closed_on)
  (PARTITION p2023 VALUES LESS THAN (DATE '2024-01-01'), PARTITION pmax VALUES LESS THAN (MAXVALUE));
CREATE TABLE pair (a NUMBER(4) NOT NULL, b NUMBER(4)) PARTITION BY RANGE (a, b)
  (PARTITION p1 VALUES LESS THAN (10, 10), PARTITION p2 VALUES LESS THAN (20, 20));
CREATE TABLE customers (id NUMBER(10) NOT NULL, country VARCHAR2(2), name VARCHAR2(50), CONSTRAINT customers_pk PRIMARY KEY (id))
  PARTITION BY LIST (country) (PARTITION p_eu VALUES ('DE','FR'), PARTITION p_null VALUES (NULL), PARTITION p_rest VALUES (DEFAULT));
CREATE TABLE acct (id NUMBER(10) PRIMARY KEY, region VARCHAR2(2) NOT NULL) PARTITION BY HASH (region) PARTITIONS 2;`);
  assert.deepEqual(r.objects.filter((o) => o.type === 'PARTITION' && /^app\.(events|closed)_/.test(o.sql.slice(13))).map((o) => o.sql), [
    "CREATE TABLE app.events_p2023 PARTITION OF app.events FOR VALUES FROM (MINVALUE) TO (TIMESTAMP '2024-01-01 00:00:00');",
    'CREATE TABLE app.events_pmax PARTITION OF app.events DEFAULT;',
    // A NOT NULL key keeps its MAXVALUE range partition.
    "CREATE TABLE app.closed_p2023 PARTITION OF app.closed FOR VALUES FROM (MINVALUE) TO (TIMESTAMP '2024-01-01 00:00:00');",
    "CREATE TABLE app.closed_pmax PARTITION OF app.closed FOR VALUES FROM (TIMESTAMP '2024-01-01 00:00:00') TO (MAXVALUE);",
  ]);
  // The list partition for NULL is PostgreSQL's FOR VALUES IN (NULL), but the primary key forbids it.
  assert.equal(sqlOf(r, 'customers_p_null'), 'CREATE TABLE app.customers_p_null PARTITION OF app.customers FOR VALUES IN (NULL);');
  assert.deepEqual(notesOf(r), [
    'changed:NULL_PARTITION_KEY@events_pmax', 'unsupported:NULL_PARTITION_KEY@pair',
    'changed:PARTITION_KEY_IN_KEY@customers.customers_pk', 'unsupported:NULL_PARTITION_KEY@customers.customers_pk',
    'changed:PARTITION_KEY_IN_KEY@acct.acct_pkey',
  ]);
  const message = (name: string) => r.notes.find((n) => n.code === 'NULL_PARTITION_KEY' && n.name === name)!.message;
  assert.match(message('events_pmax'), /range key \(closed_on\) is NULL in this MAXVALUE partition; .* DEFAULT partition \(the keys from \(TIMESTAMP '2024-01-01 00:00:00'\) up, and NULL keys\)$/);
  assert.match(message('pair'), /^range key column\(s\) b of app\.pair may be NULL: .*\(SELECT COUNT\(\*\) FROM "APP"\."PAIR" WHERE "B" IS NULL\); if there are any, add a DEFAULT partition on the target$/);
  assert.match(message('customers.customers_pk'), /^partition column country of app\.customers may be NULL in Oracle, .* PRIMARY KEY customers_pk NOT NULL: .*\(SELECT COUNT\(\*\) FROM "APP"\."CUSTOMERS" WHERE "COUNTRY" IS NULL\)/);
});

test('LENGTH of a CHAR column in a CHECK constraint and a view (also through a synonym) counts the padding (measured before on PostgreSQL 15: length(code) refused the row \'A\' that Oracle holds as \'A  \')', async () => {
  const r = await convert(`
CREATE TABLE codes (code CHAR(3 CHAR) NOT NULL, descr VARCHAR2(20), CONSTRAINT codes_len CHECK (LENGTH(code) = 3));
CREATE SYNONYM codes_syn FOR codes;
CREATE VIEW codes_v AS SELECT c.code, LENGTH(c.code) len, LENGTH(descr) dlen FROM codes_syn c;`);
  assert.match(sqlOf(r, 'codes_len'), /CHECK \(length\(rpad\(code, 3\)\) = 3\);$/);
  assert.equal(sqlOf(r, 'codes_v'), 'CREATE VIEW app.codes_v AS\nSELECT c.code,\n  length(rpad(c.code, 3)) AS len,\n  length(descr) AS dlen\nFROM app.codes_syn c;');
  assert.deepEqual(notesOf(r).filter((n) => n.includes('LENGTH')), []);
});

test('a view building text from NUMBER columns writes Oracle\'s digits (measured before on PostgreSQL 15: Total: 2975.00 EUR and 0.5 where Oracle shows Total: 2975 EUR and .5)', async () => {
  const r = await convert(`
CREATE TABLE inv (id NUMBER(6) PRIMARY KEY, amount NUMBER(10,2), rate NUMBER);
CREATE VIEW inv_label AS SELECT id, TO_CHAR(amount) amount_txt, 'Total: ' || amount || ' EUR' label, TO_CHAR(rate) rate_txt, TO_CHAR(id) id_txt FROM inv;`);
  const text = (x: string) => `regexp_replace(regexp_replace(CAST(${x} AS text), '(\\.[0-9]*[1-9])0+$|\\.0+$', '\\1'), '^(-?)0\\.', '\\1.')`;
  assert.equal(sqlOf(r, 'inv_label'), `CREATE VIEW app.inv_label AS\nSELECT id,\n  ${text('amount')} AS amount_txt,\n  concat('Total: ', ${text('amount')}, ' EUR') AS label,\n  ${text('rate')} AS rate_txt,\n  CAST(id AS text) AS id_txt\nFROM app.inv;`);
  assert.deepEqual(notesOf(r), []);
});
