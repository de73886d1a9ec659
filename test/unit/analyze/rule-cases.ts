/** One rule's trigger and its look-alike that must stay quiet. */
export interface RuleCase {
  readonly ruleId: string;
  readonly triggers: string;
  readonly clean: string;
  /** Target version for both SQL texts (default: the analyzer's default). */
  readonly version?: string;
}

const PG11 = '2.20.1.0';

export const RULE_CASES: readonly RuleCase[] = [
  {
    ruleId: 'stored-generated-column',
    version: PG11,
    triggers: 'CREATE TABLE t (id int PRIMARY KEY, a int, b int GENERATED ALWAYS AS (a * 2) STORED);',
    clean: 'CREATE TABLE t (id int PRIMARY KEY, a int, b int GENERATED ALWAYS AS IDENTITY);',
  },
  {
    ruleId: 'unlogged-table',
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
    version: PG11,
    triggers:
      'CREATE TABLE p (id int, d date, PRIMARY KEY (id, d)) PARTITION BY RANGE (d); CREATE TABLE c (id int PRIMARY KEY, pid int, pd date, FOREIGN KEY (pid, pd) REFERENCES p (id, d));',
    clean:
      'CREATE TABLE p (id int, d date, PRIMARY KEY (id, d)); CREATE TABLE c (id int PRIMARY KEY, pid int, pd date, FOREIGN KEY (pid, pd) REFERENCES p (id, d));',
  },
  {
    ruleId: 'alter-add-primary-key-partitioned',
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
    version: PG11,
    triggers: 'CREATE VIEW v WITH (security_invoker = true) AS SELECT 1 AS one;',
    clean: 'CREATE VIEW v WITH (security_barrier = true) AS SELECT 1 AS one;',
  },
  {
    ruleId: 'non-deterministic-collation',
    version: PG11,
    triggers: "CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);",
    clean: "CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2');",
  },
  {
    ruleId: 'sql-standard-function-body',
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
    ruleId: 'advisory-lock',
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
    version: PG11,
    triggers: "CREATE VIEW v AS SELECT regexp_count('aaa', 'a') AS n;",
    clean: "CREATE VIEW v AS SELECT regexp_replace('aaa', 'a', 'b') AS n;",
  },
  {
    ruleId: 'range-aggregate-function',
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
];
