import type { ColumnStatistic } from '../../../src/analyze/analysis-types.js';

/** One rule's trigger and its look-alike that must stay quiet. */
export interface RuleCase {
  readonly ruleId: string;
  readonly triggers: string;
  readonly clean: string;
  /** Target version for both SQL texts (default: the analyzer's default). */
  readonly version?: string;
  /** A target version in which the problem is fixed: the offending DDL must not be reported there. */
  readonly fixedIn?: string;
  /** The source's statistics both texts are analyzed with (the rules that read them). */
  readonly statistics?: readonly ColumnStatistic[];
}

const PG11 = '2.20.1.0';
const PG15 = '2025.1.0.0';

export const RULE_CASES: readonly RuleCase[] = [
  {
    ruleId: 'stored-generated-column',
    fixedIn: PG15,
    version: PG11,
    triggers: 'CREATE TABLE t (id int PRIMARY KEY, a int, b int GENERATED ALWAYS AS (a * 2) STORED);',
    clean: 'CREATE TABLE t (id int PRIMARY KEY, a int, b int GENERATED ALWAYS AS IDENTITY);',
  },
  {
    ruleId: 'unlogged-table',
    fixedIn: '2024.2.0.0',
    version: PG11,
    triggers: 'CREATE UNLOGGED TABLE t (id int PRIMARY KEY);',
    clean: 'CREATE TABLE t (id int PRIMARY KEY);',
  },
  {
    ruleId: 'table-inheritance',
    triggers: 'CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE c (x int) INHERITS (p);',
    clean: 'CREATE TABLE p (id int PRIMARY KEY) PARTITION BY RANGE (id); CREATE TABLE c PARTITION OF p FOR VALUES FROM (1) TO (10);',
  },
  {
    ruleId: 'low-cardinality-index',
    statistics: [
      { table: 'public.t', column: 'status', rows: 50_000, distinct: 4, nullFraction: 0 },
      { table: 'public.t', column: 'email', rows: 50_000, distinct: 49_000, nullFraction: 0 },
      { table: 'public.small', column: 'status', rows: 500, distinct: 4, nullFraction: 0 },
    ],
    triggers: 'CREATE TABLE public.t (id int PRIMARY KEY, status text, email text); CREATE INDEX t_status ON public.t (status, email);',
    clean: 'CREATE TABLE public.t (id int PRIMARY KEY, status text, email text); CREATE INDEX t_email ON public.t (email, status); '
      + "CREATE INDEX t_rare ON public.t (status) WHERE status = 'failed'; CREATE TABLE public.small (id int PRIMARY KEY, status text); CREATE INDEX s_status ON public.small (status);",
  },
  {
    ruleId: 'mostly-null-index',
    statistics: [
      { table: 'public.t', column: 'cancelled_at', rows: 20_000, distinct: 900, nullFraction: 0.93 },
      { table: 'public.t', column: 'created_at', rows: 20_000, distinct: 19_000, nullFraction: 0.01 },
    ],
    triggers: 'CREATE TABLE t (id int PRIMARY KEY, cancelled_at timestamptz, created_at timestamptz); CREATE INDEX t_c ON t (cancelled_at);',
    clean: 'CREATE TABLE t (id int PRIMARY KEY, cancelled_at timestamptz, created_at timestamptz); CREATE INDEX t_c ON t (cancelled_at) WHERE cancelled_at IS NOT NULL; '
      + 'CREATE INDEX t_cr ON t (created_at, cancelled_at);',
  },
  {
    ruleId: 'table-without-primary-key',
    triggers: 'CREATE TABLE t (id int, name text);',
    clean: 'CREATE TABLE t (id int, name text); ALTER TABLE ONLY t ADD CONSTRAINT t_pkey PRIMARY KEY (id);',
  },
  {
    ruleId: 'column-compression',
    version: PG11,
    triggers: 'CREATE TABLE t (id int PRIMARY KEY, body text COMPRESSION lz4);',
    clean: 'CREATE TABLE t (id int PRIMARY KEY, body text STORAGE EXTERNAL);',
  },
  {
    ruleId: 'foreign-table',
    triggers: "CREATE FOREIGN TABLE ft (id int) SERVER remote OPTIONS (table_name 'x');",
    clean: 'CREATE TABLE ft (id int PRIMARY KEY);',
  },
  {
    ruleId: 'xml-datatype',
    triggers: 'CREATE TABLE t (id int PRIMARY KEY, doc xml);',
    clean: 'CREATE TABLE t (id int PRIMARY KEY, doc text);',
  },
  {
    ruleId: 'txid-snapshot-datatype',
    triggers: 'CREATE TABLE t (id int PRIMARY KEY, snap txid_snapshot);',
    clean: 'CREATE TABLE t (id int PRIMARY KEY, snap bigint);',
  },
  {
    ruleId: 'pg-lsn-datatype',
    triggers: 'CREATE TABLE t (id int PRIMARY KEY, pos pg_lsn);',
    clean: 'CREATE TABLE t (id int PRIMARY KEY, pos numeric);',
  },
  {
    ruleId: 'large-object-datatype',
    triggers: 'CREATE TABLE t (id int PRIMARY KEY, picture lo);',
    clean: 'CREATE TABLE t (id int PRIMARY KEY, picture bytea);',
  },
  {
    ruleId: 'multirange-datatype',
    fixedIn: PG15,
    version: PG11,
    triggers: 'CREATE TABLE t (id int PRIMARY KEY, slots tstzmultirange);',
    clean: 'CREATE TABLE t (id int PRIMARY KEY, slots tstzrange);',
  },
  {
    ruleId: 'postgis-datatype',
    triggers: 'CREATE TABLE t (id int PRIMARY KEY, shape public.geometry);',
    clean: 'CREATE TABLE t (id int PRIMARY KEY, shape jsonb);',
  },
  {
    ruleId: 'exclusion-constraint',
    triggers: 'CREATE TABLE t (id int PRIMARY KEY, r tsrange, EXCLUDE USING gist (r WITH &&));',
    clean: 'CREATE TABLE t (id int PRIMARY KEY, r tsrange, CHECK (NOT isempty(r)));',
  },
  {
    ruleId: 'deferrable-constraint',
    triggers: 'CREATE TABLE t (id int PRIMARY KEY DEFERRABLE INITIALLY DEFERRED);',
    clean: 'CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE t (id int PRIMARY KEY, p int REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED); CREATE INDEX ON t (p);',
  },
  {
    ruleId: 'unique-nulls-not-distinct',
    fixedIn: PG15,
    version: PG11,
    triggers: 'CREATE TABLE t (id int PRIMARY KEY, code text, UNIQUE NULLS NOT DISTINCT (code));',
    clean: 'CREATE TABLE t (id int PRIMARY KEY, code text, UNIQUE NULLS DISTINCT (code));',
  },
  {
    ruleId: 'key-on-unsupported-type',
    triggers: 'CREATE TABLE t (id int PRIMARY KEY, doc jsonb, CONSTRAINT u UNIQUE (doc));',
    clean: 'CREATE TABLE t (id int PRIMARY KEY, doc jsonb, code text, CONSTRAINT u UNIQUE (code));',
  },
  {
    ruleId: 'foreign-key-to-partitioned-table',
    fixedIn: PG15,
    version: PG11,
    triggers:
      'CREATE TABLE p (id int, d date, PRIMARY KEY (id, d)) PARTITION BY RANGE (d); CREATE TABLE c (id int PRIMARY KEY, pid int, pd date, FOREIGN KEY (pid, pd) REFERENCES p (id, d));',
    clean:
      'CREATE TABLE p (id int, d date, PRIMARY KEY (id, d)); CREATE TABLE c (id int PRIMARY KEY, pid int, pd date, FOREIGN KEY (pid, pd) REFERENCES p (id, d));',
  },
  {
    ruleId: 'alter-add-primary-key-partitioned',
    version: PG11,
    fixedIn: '2024.1.0.0',
    triggers: 'CREATE TABLE p (id int, d date) PARTITION BY RANGE (d); ALTER TABLE ONLY p ADD CONSTRAINT p_pkey PRIMARY KEY (id, d);',
    clean: 'CREATE TABLE p (id int, d date); ALTER TABLE ONLY p ADD CONSTRAINT p_pkey PRIMARY KEY (id, d);',
  },
  {
    ruleId: 'partition-key-not-in-unique-key',
    triggers: 'CREATE TABLE p (id int, d date, PRIMARY KEY (id)) PARTITION BY RANGE (d);',
    clean: 'CREATE TABLE p (id int, d date, PRIMARY KEY (id, d)) PARTITION BY RANGE (d);',
  },
  {
    ruleId: 'expression-partition-key-with-unique-key',
    triggers: 'CREATE TABLE p (id int, d date, PRIMARY KEY (id, d)) PARTITION BY RANGE (date_trunc(\'month\', d));',
    clean: 'CREATE TABLE p (id int, d date, PRIMARY KEY (id, d)) PARTITION BY RANGE (d);',
  },
  {
    ruleId: 'multi-column-list-partition',
    triggers: 'CREATE TABLE p (id int, region text, kind text, PRIMARY KEY (id, region, kind)) PARTITION BY LIST (region, kind);',
    clean: 'CREATE TABLE p (id int, region text, kind text, PRIMARY KEY (id, region, kind)) PARTITION BY RANGE (region, kind);',
  },
  {
    ruleId: 'gist-index',
    triggers: 'CREATE TABLE t (id int PRIMARY KEY, r tsrange); CREATE INDEX t_r ON t USING gist (r);',
    clean: 'CREATE TABLE t (id int PRIMARY KEY, r tsrange); CREATE INDEX t_r ON t USING gin (r);',
  },
  {
    ruleId: 'brin-index',
    triggers: 'CREATE TABLE t (id int PRIMARY KEY, ts timestamptz); CREATE INDEX t_ts ON t USING brin (ts);',
    clean: 'CREATE TABLE t (id int PRIMARY KEY, ts timestamptz); CREATE INDEX t_ts ON t USING btree (ts);',
  },
  {
    ruleId: 'spgist-index',
    triggers: 'CREATE TABLE t (id int PRIMARY KEY, name text); CREATE INDEX t_n ON t USING spgist (name);',
    clean: 'CREATE TABLE t (id int PRIMARY KEY, name text); CREATE INDEX t_n ON t USING hash (name);',
  },
  {
    ruleId: 'multi-column-gin-index',
    triggers: 'CREATE TABLE t (id int PRIMARY KEY, a jsonb, b tsvector); CREATE INDEX t_ab ON t USING gin (a, b);',
    clean: 'CREATE TABLE t (id int PRIMARY KEY, a jsonb, b tsvector); CREATE INDEX t_a ON t USING gin (a); CREATE INDEX t_b ON t USING gin (b);',
  },
  {
    ruleId: 'gin-index-sort-order',
    triggers: 'CREATE TABLE t (id int PRIMARY KEY, a tsvector); CREATE INDEX t_a ON t USING gin (a DESC);',
    clean: 'CREATE TABLE t (id int PRIMARY KEY, a tsvector); CREATE INDEX t_a ON t USING gin (a);',
  },
  {
    ruleId: 'index-on-unsupported-type',
    triggers: 'CREATE TABLE t (id int PRIMARY KEY, addr inet); CREATE INDEX t_addr ON t (addr);',
    clean: 'CREATE TABLE t (id int PRIMARY KEY, addr inet); CREATE INDEX t_addr ON t ((addr::text));',
  },
  {
    ruleId: 'alter-table-storage-parameters',
    triggers: 'CREATE TABLE t (id int PRIMARY KEY); ALTER TABLE t SET (fillfactor = 70);',
    clean: 'CREATE TABLE t (id int PRIMARY KEY); ALTER TABLE t SET SCHEMA other;',
  },
  {
    ruleId: 'alter-table-cluster-on',
    triggers: 'CREATE TABLE t (id int PRIMARY KEY); ALTER TABLE t CLUSTER ON t_pkey;',
    clean: 'CREATE TABLE t (id int PRIMARY KEY); ALTER TABLE t OWNER TO app;',
  },
  {
    ruleId: 'alter-table-disable-rule',
    triggers: 'CREATE TABLE t (id int PRIMARY KEY); ALTER TABLE t DISABLE RULE r;',
    clean: 'CREATE TABLE t (id int PRIMARY KEY); ALTER TABLE t ENABLE RULE r;',
  },
  {
    ruleId: 'constraint-trigger',
    triggers: 'CREATE TABLE t (id int PRIMARY KEY); CREATE CONSTRAINT TRIGGER tr AFTER INSERT ON t DEFERRABLE FOR EACH ROW EXECUTE FUNCTION f();',
    clean: 'CREATE TABLE t (id int PRIMARY KEY); CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();',
  },
  {
    ruleId: 'trigger-transition-tables',
    triggers: 'CREATE TABLE t (id int PRIMARY KEY); CREATE TRIGGER tr AFTER INSERT ON t REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION f();',
    clean: 'CREATE TABLE t (id int PRIMARY KEY); CREATE TRIGGER tr AFTER INSERT ON t FOR EACH STATEMENT EXECUTE FUNCTION f();',
  },
  {
    ruleId: 'before-row-trigger-on-partitioned-table',
    fixedIn: PG15,
    version: PG11,
    triggers:
      'CREATE TABLE p (id int, d date, PRIMARY KEY (id, d)) PARTITION BY RANGE (d); CREATE TRIGGER tr BEFORE INSERT ON p FOR EACH ROW EXECUTE FUNCTION f();',
    clean:
      'CREATE TABLE p (id int, d date, PRIMARY KEY (id, d)) PARTITION BY RANGE (d); CREATE TRIGGER tr AFTER INSERT ON p FOR EACH ROW EXECUTE FUNCTION f();',
  },
  {
    ruleId: 'unsupported-extension',
    triggers: 'CREATE EXTENSION IF NOT EXISTS postgis;',
    clean: 'CREATE EXTENSION IF NOT EXISTS "uuid-ossp"; CREATE EXTENSION pgcrypto; CREATE EXTENSION hstore;',
  },
  {
    ruleId: 'security-invoker-view',
    fixedIn: PG15,
    version: PG11,
    triggers: 'CREATE VIEW v WITH (security_invoker = true) AS SELECT 1 AS one;',
    clean: 'CREATE VIEW v WITH (security_barrier = true) AS SELECT 1 AS one;',
  },
  {
    ruleId: 'non-deterministic-collation',
    triggers: "CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);",
    clean: "CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2');",
  },
  {
    ruleId: 'sql-standard-function-body',
    fixedIn: PG15,
    version: PG11,
    triggers: 'CREATE FUNCTION add1(a int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT a + 1; END;',
    clean: 'CREATE FUNCTION add1(a int) RETURNS int LANGUAGE sql AS $$ SELECT a + 1 $$;',
  },
  {
    ruleId: 'policy-with-roles',
    triggers: 'CREATE TABLE t (id int PRIMARY KEY, owner text); CREATE POLICY p ON t TO app_reader USING (owner = current_user);',
    clean: 'CREATE TABLE t (id int PRIMARY KEY, owner text); CREATE POLICY p ON t TO PUBLIC USING (owner = current_user);',
  },
  {
    ruleId: 'transaction-id-function',
    triggers: 'CREATE TABLE t (id int PRIMARY KEY, snap text DEFAULT txid_current()::text);',
    clean: 'CREATE TABLE t (id int PRIMARY KEY, snap text DEFAULT clock_timestamp()::text);',
  },
  {
    ruleId: 'advisory-lock',
    fixedIn: PG15,
    triggers: 'CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_lock(42); END $$;',
    clean: 'CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(1); END $$;',
  },
  {
    ruleId: 'system-column',
    triggers: 'CREATE TABLE t (id int PRIMARY KEY); CREATE VIEW v AS SELECT id, xmin AS version FROM t;',
    clean: 'CREATE TABLE t (id int PRIMARY KEY, version int); CREATE VIEW v AS SELECT id, version FROM t;',
  },
  {
    ruleId: 'listen-notify',
    triggers: "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('ch', 'x'); RETURN NEW; END $$;",
    clean: "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'notify'; RETURN NEW; END $$;",
  },
  {
    ruleId: 'large-object-function',
    triggers: "CREATE FUNCTION f() RETURNS oid LANGUAGE sql AS $$ SELECT lo_import('/tmp/a') $$;",
    clean: "CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$ SELECT lower('/tmp/a') $$;",
  },
  {
    ruleId: 'xml-function',
    triggers: "CREATE VIEW v AS SELECT xmlelement(name a, 'x') AS doc;",
    clean: "CREATE VIEW v AS SELECT json_build_object('a', 'x') AS doc;",
  },
  {
    ruleId: 'two-phase-commit',
    triggers: "CREATE PROCEDURE p() LANGUAGE sql AS $$ PREPARE TRANSACTION 'tx1' $$;",
    clean: 'CREATE PROCEDURE p() LANGUAGE sql AS $$ SELECT 1 $$;',
  },
  {
    ruleId: 'cte-materialized',
    fixedIn: PG15,
    version: PG11,
    triggers: 'CREATE VIEW v AS WITH w AS MATERIALIZED (SELECT 1 AS a) SELECT a FROM w;',
    clean: 'CREATE VIEW v AS WITH w AS (SELECT 1 AS a) SELECT a FROM w;',
  },
  {
    ruleId: 'merge-statement',
    triggers:
      'CREATE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v; END $$;',
    clean:
      'CREATE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN INSERT INTO t SELECT * FROM s ON CONFLICT (id) DO UPDATE SET v = excluded.v; END $$;',
  },
  {
    ruleId: 'sql-json-function',
    triggers: "CREATE VIEW v AS SELECT JSON_OBJECT('a' VALUE 1) AS doc;",
    clean: "CREATE VIEW v AS SELECT json_build_object('a', 1) AS doc;",
  },
  {
    ruleId: 'pg15-regex-function',
    fixedIn: PG15,
    version: PG11,
    triggers: "CREATE VIEW v AS SELECT regexp_count('aaa', 'a') AS n;",
    clean: "CREATE VIEW v AS SELECT regexp_replace('aaa', 'a', 'b') AS n;",
  },
  {
    ruleId: 'range-aggregate-function',
    fixedIn: PG15,
    version: PG11,
    triggers: 'CREATE TABLE t (id int PRIMARY KEY, r int4range); CREATE VIEW v AS SELECT range_agg(r) AS rs FROM t;',
    clean: 'CREATE TABLE t (id int PRIMARY KEY, r int4range); CREATE VIEW v AS SELECT array_agg(r) AS rs FROM t;',
  },
  {
    ruleId: 'timestamp-range-sharded-hotspot',
    triggers: 'CREATE TABLE t (id int PRIMARY KEY, created_at timestamptz); CREATE INDEX t_c ON t (created_at DESC);',
    clean: 'CREATE TABLE t (id int PRIMARY KEY, created_at timestamptz, name text); CREATE INDEX t_c ON t (name ASC, created_at DESC);',
  },
  {
    ruleId: 'sequence-range-sharded-hotspot',
    triggers: 'CREATE TABLE t (id bigserial PRIMARY KEY, seq bigint GENERATED ALWAYS AS IDENTITY); CREATE INDEX t_s ON t (seq ASC);',
    clean: 'CREATE TABLE t (id bigserial PRIMARY KEY, seq bigint GENERATED ALWAYS AS IDENTITY); CREATE INDEX t_s ON t (seq);',
  },
  {
    ruleId: 'redundant-index',
    triggers: 'CREATE TABLE t (id int PRIMARY KEY, a int, b int); CREATE INDEX t_ab ON t (a, b); CREATE INDEX t_a ON t (a);',
    clean: 'CREATE TABLE t (id int PRIMARY KEY, a int, b int); CREATE INDEX t_ab ON t (a, b); CREATE INDEX t_b ON t (b);',
  },
  {
    ruleId: 'foreign-key-without-index',
    triggers: 'CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE c (id int PRIMARY KEY, pid int REFERENCES p (id));',
    clean: 'CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE c (id int PRIMARY KEY, pid int REFERENCES p (id)); CREATE INDEX c_pid ON c (pid);',
  },
  // Added with YugabyteDB's documented known issues for PostgreSQL sources (issue 12).
  {
    ruleId: 'not-valid-constraint',
    triggers: 'CREATE TABLE t (id int PRIMARY KEY, q int); ALTER TABLE t ADD CONSTRAINT q_pos CHECK (q > 0) NOT VALID;',
    clean: 'CREATE TABLE t (id int PRIMARY KEY, q int); ALTER TABLE t ADD CONSTRAINT q_pos CHECK (q > 0);',
  },
  {
    ruleId: 'index-storage-parameters',
    triggers: 'CREATE TABLE t (id int PRIMARY KEY, a int); CREATE INDEX t_a ON t (a) WITH (fillfactor = 70);',
    clean:
      'CREATE TABLE t (id int GENERATED BY DEFAULT AS IDENTITY (SEQUENCE NAME t_id_seq START WITH 1 INCREMENT BY 1) PRIMARY KEY, a int) WITH (fillfactor = 70); CREATE INDEX t_a ON t (a);',
  },
  {
    ruleId: 'partitioned-table-index-regression',
    version: '2.16.2.0',
    fixedIn: '2.17.1.0',
    triggers: 'CREATE TABLE p (id int, d date, PRIMARY KEY (id, d)) PARTITION BY RANGE (d); CREATE INDEX p_id ON p (id);',
    clean: 'CREATE TABLE p (id int, d date, PRIMARY KEY (id, d)); CREATE INDEX p_id ON p (id);',
  },
  {
    ruleId: 'alter-view',
    triggers: 'CREATE VIEW v AS SELECT 1 AS a; ALTER VIEW v RENAME TO w;',
    clean: 'CREATE OR REPLACE VIEW w AS SELECT 1 AS a; ALTER TABLE t RENAME TO u;',
  },
  {
    ruleId: 'view-with-check-option',
    triggers: 'CREATE TABLE t (id int PRIMARY KEY); CREATE VIEW v AS SELECT id FROM t WHERE id < 10 WITH CASCADED CHECK OPTION;',
    clean: 'CREATE TABLE t (id int PRIMARY KEY); CREATE VIEW v WITH (security_barrier) AS SELECT id FROM t WHERE id < 10;',
  },
  {
    ruleId: 'create-conversion',
    triggers: "CREATE CONVERSION app.my_conv FOR 'LATIN1' TO 'UTF8' FROM iso8859_1_to_utf8;",
    clean: "CREATE COLLATION app.c_latin (provider = libc, locale = 'C');",
  },
  {
    ruleId: 'drop-multiple-objects',
    triggers: 'DROP INDEX IF EXISTS app.a_idx, app.b_idx;',
    clean: 'DROP INDEX IF EXISTS app.a_idx; DROP INDEX IF EXISTS app.b_idx; DROP TABLE app.x, app.y;',
  },
  {
    ruleId: 'drop-index-concurrently',
    triggers: 'DROP INDEX CONCURRENTLY IF EXISTS app.a_idx;',
    clean: 'DROP INDEX IF EXISTS app.a_idx;',
  },
  {
    ruleId: 'create-access-method',
    triggers: 'CREATE ACCESS METHOD heap2 TYPE TABLE HANDLER heap_tableam_handler;',
    clean: 'CREATE TABLE t (id int PRIMARY KEY); CREATE INDEX t_id ON t USING hash (id);',
  },
  {
    ruleId: 'alter-table-set-schema',
    triggers: 'CREATE TABLE t (id int PRIMARY KEY); ALTER TABLE t SET SCHEMA archive;',
    clean: 'CREATE TABLE archive.t (id int PRIMARY KEY); ALTER TABLE archive.t RENAME TO t2;',
  },
  {
    ruleId: 'create-schema-with-elements',
    triggers: 'CREATE SCHEMA s CREATE TABLE t (id int PRIMARY KEY);',
    clean: 'CREATE SCHEMA IF NOT EXISTS s; CREATE TABLE s.t (id int PRIMARY KEY);',
  },
  {
    ruleId: 'alter-type-unsupported-form',
    triggers: 'CREATE TYPE pair AS (a int); ALTER TYPE pair ADD ATTRIBUTE b int;',
    clean: "CREATE TYPE mood AS ENUM ('sad'); ALTER TYPE mood ADD VALUE 'ok'; ALTER TYPE mood RENAME TO feeling; ALTER TYPE feeling OWNER TO app;",
  },
  {
    ruleId: 'alter-column-set-attribute',
    triggers: 'CREATE TABLE t (id int PRIMARY KEY, a int); ALTER TABLE ONLY t ALTER COLUMN a SET (n_distinct = 0.1);',
    clean: 'CREATE TABLE t (id int PRIMARY KEY, a int); ALTER TABLE ONLY t ALTER COLUMN a SET DEFAULT 1;',
  },
  {
    ruleId: 'alter-table-of',
    triggers: 'CREATE TYPE pair AS (a int, b int); CREATE TABLE t (a int PRIMARY KEY, b int); ALTER TABLE t OF pair;',
    clean: 'CREATE TYPE pair AS (a int, b int); CREATE TABLE t OF pair (PRIMARY KEY (a));',
  },
  {
    ruleId: 'xid-datatype',
    triggers: 'CREATE TABLE t (id int PRIMARY KEY, tx xid);',
    clean: 'CREATE TABLE t (id int PRIMARY KEY, tx bigint);',
  },
  {
    ruleId: 'collation-deterministic-option',
    version: PG11,
    fixedIn: PG15,
    triggers: "CREATE COLLATION c (provider = icu, locale = 'und', deterministic = true);",
    clean: "CREATE COLLATION c (provider = icu, locale = 'und');",
  },
  {
    ruleId: 'user-mapping-credentials',
    triggers: "CREATE USER MAPPING FOR PUBLIC SERVER remote OPTIONS (\"user\" '<fill in by hand>', password '<fill in by hand>');",
    clean: "CREATE USER MAPPING FOR PUBLIC SERVER remote OPTIONS (\"user\" 'app', password 'set-on-target');",
  },
  {
    ruleId: 'fetch-with-ties',
    version: PG11,
    fixedIn: PG15,
    triggers: 'CREATE TABLE t (id int PRIMARY KEY, score int); CREATE VIEW top AS SELECT id FROM t ORDER BY score DESC FETCH FIRST 3 ROWS WITH TIES;',
    clean: 'CREATE TABLE t (id int PRIMARY KEY, score int); CREATE VIEW top AS SELECT id FROM t ORDER BY score DESC FETCH FIRST 3 ROWS ONLY;',
  },
  {
    ruleId: 'any-value-function',
    triggers: 'CREATE TABLE t (id int PRIMARY KEY, g int, a text); CREATE VIEW v AS SELECT g, any_value(a) AS a FROM t GROUP BY g;',
    clean: 'CREATE TABLE t (id int PRIMARY KEY, g int, a text); CREATE VIEW v AS SELECT g, min(a) AS a FROM t GROUP BY g;',
  },
  {
    ruleId: 'copy-from-where',
    version: PG11,
    fixedIn: PG15,
    triggers: "CREATE PROCEDURE load() LANGUAGE plpgsql AS $$ BEGIN COPY t FROM '/tmp/t.csv' WITH (FORMAT csv) WHERE id > 0; END $$;",
    clean: "CREATE PROCEDURE load() LANGUAGE plpgsql AS $$ BEGIN COPY t FROM '/tmp/t.csv' WITH (FORMAT csv); END $$;",
  },
  {
    ruleId: 'copy-on-error',
    triggers: "CREATE PROCEDURE load() LANGUAGE plpgsql AS $$ BEGIN COPY t FROM '/tmp/t.csv' WITH (FORMAT csv, ON_ERROR ignore); END $$;",
    clean: "CREATE PROCEDURE load() LANGUAGE plpgsql AS $$ BEGIN COPY t FROM '/tmp/t.csv' WITH (FORMAT csv, HEADER true); END $$;",
  },
  {
    ruleId: 'lock-table',
    triggers: 'CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN LOCK TABLE t IN EXCLUSIVE MODE; END $$;',
    clean: 'CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN PERFORM id FROM t WHERE id = 1 FOR UPDATE; END $$;',
  },
  {
    ruleId: 'non-decimal-integer-literal',
    triggers: 'CREATE FUNCTION mask() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 0x1F & 0b101; END $$;',
    clean: "CREATE FUNCTION mask() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE '0x1F'; RETURN 31 & 5; END $$;",
  },
  {
    ruleId: 'jsonb-subscripting',
    version: PG11,
    fixedIn: PG15,
    triggers: "CREATE TABLE t (id int PRIMARY KEY, data jsonb, CHECK (data['k'] <> '{}'));",
    clean: "CREATE TABLE t (id int PRIMARY KEY, data jsonb, tags text[], CHECK (data->'k' <> '{}' AND tags[1] <> ''));",
  },
  {
    ruleId: 'percent-type-declaration',
    triggers: 'CREATE FUNCTION f(i int) RETURNS int LANGUAGE plpgsql AS $$ DECLARE v t.a%TYPE; BEGIN RETURN v; END $$;',
    clean: 'CREATE FUNCTION f(i int) RETURNS int LANGUAGE plpgsql AS $$ DECLARE v int; BEGIN RETURN v; END $$;',
  },
  {
    ruleId: 'ddl-in-routine',
    triggers: 'CREATE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN CREATE TABLE scratch (a int); END $$;',
    clean: 'CREATE TABLE scratch (a int PRIMARY KEY); CREATE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN INSERT INTO scratch VALUES (1); END $$;',
  },
  {
    ruleId: 'foreign-key-type-mismatch',
    triggers: 'CREATE TABLE p (id bigint PRIMARY KEY); CREATE TABLE c (id int PRIMARY KEY, pid int REFERENCES p (id)); CREATE INDEX c_pid ON c (pid);',
    clean: 'CREATE TABLE p (id serial PRIMARY KEY); CREATE TABLE c (id int PRIMARY KEY, pid integer REFERENCES p (id)); CREATE INDEX c_pid ON c (pid);',
  },
  {
    ruleId: 'operator-class-unsupported-method',
    triggers: 'CREATE OPERATOR CLASS app.box_ops FOR TYPE box USING gist AS OPERATOR 3 &&;',
    clean: 'CREATE OPERATOR CLASS app.int_triple_ops FOR TYPE int4 USING hash AS OPERATOR 1 =, FUNCTION 1 hashint4(int4);',
  },
];
