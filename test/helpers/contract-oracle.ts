/**
 * Oracle's side of the live-fallback contract (test/helpers/live-fallback-contract.ts), for a real
 * Oracle given by TANDEM_TEST_ORACLE (see test/e2e/live-fallback-contract.test.ts): a schema the
 * suite drops and creates, customers keyed by an identity GENERATED ALWAYS, orders by a sequence,
 * a CLOB, a TIMESTAMP WITH TIME ZONE, a RAW, an INTERVAL, an AFTER INSERT trigger and a foreign key
 * that Tandem disables for the fall-back (`--disable-triggers-and-fks true`) and enables again, and
 * the spec's `ybvoyager_metadata` user and tables and writer role created when missing.
 *
 * NEVER RUN WHERE TANDEM IS DEVELOPED: no Oracle server can run there.
 */
import assert from 'node:assert/strict';
import type { ContractSource } from './live-fallback-contract.js';
import { openOracleSession, type OracleSession } from '../../src/adapters/oracle/connection.js';
import { METADATA_DDL, writerRoleSql } from '../../src/adapters/oracle/prerequisites.js';

/** `user/password@host:port/service` (port 1521 when left out). */
export interface OracleTestUrl { readonly user: string; readonly password: string; readonly host: string; readonly port: number; readonly service: string }

export function parseOracleTestUrl(url: string): OracleTestUrl {
  const m = /^([^/@]+)\/([^@]*)@([^:/]+)(?::(\d+))?\/(.+)$/.exec(url);
  if (!m) throw new Error('TANDEM_TEST_ORACLE must look like user/password@host:port/service');
  return { user: m[1]!, password: m[2]!, host: m[3]!, port: m[4] ? Number(m[4]) : 1521, service: m[5]! };
}

/** Runs a PL/SQL block or statement, ignoring the listed ORA- codes (e.g. "does not exist"). */
async function exec(s: OracleSession, sql: string, ignore: string[] = []): Promise<void> {
  try {
    await s.execute(sql);
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause;
    const code = (e as { code?: string }).code ?? cause?.code;
    if (!ignore.includes(String(code)) && !ignore.includes(String(cause?.code))) throw e;
  }
}

/**
 * The statements of one of the spec's SQL*Plus scripts, whose statements are separated by blank
 * lines: a PL/SQL block (ending with a `/` line) whole, other chunks split at their `;`.
 */
function scriptStatements(script: string): string[] {
  const out: string[] = [];
  for (const chunk of script.split(/\n\s*\n/)) {
    const text = chunk.trim();
    if (!text) continue;
    if (/^(BEGIN|DECLARE)\b/i.test(text)) out.push(text.replace(/\n\/\s*$/, ''));
    else out.push(...text.split(/;\s*(?:\n|$)/).map((x) => x.trim()).filter(Boolean));
  }
  return out;
}

export async function oracleContractSource(o: OracleTestUrl, schemaName = 'TANDEM_CT'): Promise<ContractSource> {
  const SCHEMA = schemaName.toUpperCase();
  const session = await openOracleSession({ host: o.host, port: o.port, serviceName: o.service }, { user: o.user, password: o.password });
  const cdb = process.env.TANDEM_TEST_ORACLE_CDB;
  return {
    name: 'Oracle',
    flags: ['--source-db-type', 'oracle', '--source-db-host', o.host, '--source-db-port', String(o.port), '--source-db-user', o.user,
      '--source-db-name', o.service, '--source-db-schema', SCHEMA, ...(cdb ? ['--oracle-cdb-name', cdb] : [])],
    password: o.password,
    targetSchema: SCHEMA.toLowerCase(),
    exportDataFlags: ['--disable-triggers-and-fks', 'true'],
    async setUp() {
      const user = String((await session.query('SELECT USER AS U FROM DUAL'))[0]!.U);
      await exec(session, `DROP USER ${SCHEMA} CASCADE`, ['ORA-01918']);
      await session.execute(`CREATE USER ${SCHEMA} IDENTIFIED BY "Ct_${Date.now()}" QUOTA UNLIMITED ON USERS`);
      const ddl = [
        `CREATE TABLE ${SCHEMA}.CUSTOMERS (CUSTOMER_ID NUMBER(10) GENERATED ALWAYS AS IDENTITY PRIMARY KEY, EMAIL VARCHAR2(200) NOT NULL UNIQUE,
           NAME VARCHAR2(100), CREATED DATE DEFAULT SYSDATE NOT NULL, BALANCE NUMBER(12,2) DEFAULT 0)`,
        `CREATE TABLE ${SCHEMA}.ORDERS (ORDER_ID NUMBER(12) PRIMARY KEY, CUSTOMER_ID NUMBER(10) NOT NULL REFERENCES ${SCHEMA}.CUSTOMERS,
           ORDERED_AT TIMESTAMP(6) WITH TIME ZONE, NOTE CLOB, AMOUNT NUMBER, FLAG CHAR(1), PAYLOAD RAW(16), WAIT INTERVAL DAY(2) TO SECOND(3))`,
        `CREATE TABLE ${SCHEMA}.ORDER_AUDIT (AUDIT_ID NUMBER(12) PRIMARY KEY, ORDER_ID NUMBER(12), AT DATE)`,
        `CREATE SEQUENCE ${SCHEMA}.ORDER_SEQ START WITH 1000`,
        `CREATE SEQUENCE ${SCHEMA}.AUDIT_SEQ`,
        `CREATE OR REPLACE TRIGGER ${SCHEMA}.ORDERS_AUDIT AFTER INSERT ON ${SCHEMA}.ORDERS FOR EACH ROW
         BEGIN INSERT INTO ${SCHEMA}.ORDER_AUDIT (AUDIT_ID, ORDER_ID, AT) VALUES (${SCHEMA}.AUDIT_SEQ.NEXTVAL, :NEW.ORDER_ID, SYSDATE); END;`,
      ];
      for (const sql of ddl) await session.execute(sql);
      for (const t of ['CUSTOMERS', 'ORDERS', 'ORDER_AUDIT']) await session.execute(`ALTER TABLE ${SCHEMA}.${t} ADD SUPPLEMENTAL LOG DATA (ALL) COLUMNS`);
      await session.execute(`BEGIN
        FOR i IN 1 .. 200 LOOP
          INSERT INTO ${SCHEMA}.CUSTOMERS (EMAIL, NAME, BALANCE) VALUES ('c' || i || '@example.com', CASE WHEN MOD(i, 7) = 0 THEN NULL ELSE 'Customer ' || i END, i * 1.25);
        END LOOP;
        FOR i IN 1 .. 500 LOOP
          INSERT INTO ${SCHEMA}.ORDERS (ORDER_ID, CUSTOMER_ID, ORDERED_AT, NOTE, AMOUNT, FLAG, PAYLOAD, WAIT)
          VALUES (${SCHEMA}.ORDER_SEQ.NEXTVAL, MOD(i, 200) + 1, TIMESTAMP '2024-01-01 10:00:00.123456 +05:30' + NUMTODSINTERVAL(i, 'MINUTE'),
                  CASE WHEN MOD(i, 3) = 0 THEN 'note ' || i END, i / 7, 'Y', HEXTORAW('0AFF'), INTERVAL '1 02:03:04.5' DAY TO SECOND);
        END LOOP;
      END;`);
      await session.commit();
      // The spec's metadata user and tables and the writer role, when missing (a DBA's one-time step).
      if ((await session.query(`SELECT 1 FROM ALL_USERS WHERE USERNAME = 'YBVOYAGER_METADATA'`)).length === 0) {
        for (const sql of scriptStatements(METADATA_DDL.replace('"password"', `"Md_${Date.now()}"`))) await session.execute(sql);
      }
      for (const sql of scriptStatements(writerRoleSql(SCHEMA, user))) await exec(session, sql, ['ORA-01921']);
    },
    async write(round) {
      await session.execute(`INSERT INTO ${SCHEMA}.CUSTOMERS (EMAIL, NAME) VALUES ('live${round}@example.com', 'Live ${round}')`);
      await session.execute(`INSERT INTO ${SCHEMA}.ORDERS (ORDER_ID, CUSTOMER_ID, ORDERED_AT, NOTE, AMOUNT) VALUES (${SCHEMA}.ORDER_SEQ.NEXTVAL, ${round + 1}, SYSTIMESTAMP, 'live ${round}', ${round}.5)`);
      await session.execute(`UPDATE ${SCHEMA}.CUSTOMERS SET BALANCE = BALANCE + 1, NAME = '' WHERE CUSTOMER_ID = ${round + 10}`);
      await session.execute(`DELETE FROM ${SCHEMA}.ORDERS WHERE ORDER_ID = ${1000 + round}`);
      await session.commit();
    },
    async afterFallBackWrites(ctx) {
      // '' cannot be stored in Oracle: it becomes NULL there and is counted and reported. (The two
      // sides then differ, so the value is set to NULL on the target too before comparing.)
      const s = SCHEMA.toLowerCase();
      await ctx.target.sql(ctx.targetDb, `UPDATE ${s}.customers SET name = '' WHERE customer_id = 3`);
      await ctx.exporter.waitFor(/written to Oracle differently: .*\.NAME: 1 empty string\(s\) stored as NULL/, 300_000);
      await ctx.target.sql(ctx.targetDb, `UPDATE ${s}.customers SET name = NULL WHERE customer_id = 3`);
      assert.match(ctx.exporter.output(), /Disabling on the source \(--disable-triggers-and-fks true\)/);
    },
    async afterCutoverToSource() {
      const trig = await session.query(`SELECT STATUS FROM ALL_TRIGGERS WHERE OWNER = '${SCHEMA}' AND TRIGGER_NAME = 'ORDERS_AUDIT'`);
      assert.deepEqual(trig.map((r) => r.STATUS), ['ENABLED']);
      const fks = await session.query(`SELECT STATUS FROM ALL_CONSTRAINTS WHERE OWNER = '${SCHEMA}' AND CONSTRAINT_TYPE = 'R'`);
      assert.deepEqual(fks.map((r) => r.STATUS), ['ENABLED']);
      const gen = await session.query(`SELECT GENERATION_TYPE FROM ALL_TAB_IDENTITY_COLS WHERE OWNER = '${SCHEMA}' AND TABLE_NAME = 'CUSTOMERS'`);
      assert.deepEqual(gen.map((r) => r.GENERATION_TYPE), ['ALWAYS']);
    },
    async nextCustomerKey() {
      const before = await session.query(`SELECT TO_CHAR(MAX(CUSTOMER_ID)) AS M FROM ${SCHEMA}.CUSTOMERS`);
      await session.execute(`INSERT INTO ${SCHEMA}.CUSTOMERS (EMAIL) VALUES ('after-fallback@example.com')`);
      const got = await session.query(`SELECT TO_CHAR(CUSTOMER_ID) AS N FROM ${SCHEMA}.CUSTOMERS WHERE EMAIL = 'after-fallback@example.com'`);
      await session.execute(`DELETE FROM ${SCHEMA}.CUSTOMERS WHERE EMAIL = 'after-fallback@example.com'`);
      await session.commit();
      return { generated: BigInt(String(got[0]!.N)), largestBefore: BigInt(String(before[0]!.M)) };
    },
    async afterEnd() {
      assert.deepEqual(await session.query(`SELECT TABLE_NAME FROM USER_TABLES WHERE TABLE_NAME IN ('TANDEM_MARKERS', 'TANDEM_LOGMINER_FLUSH')`), []);
    },
    async close() {
      await exec(session, `DROP USER ${SCHEMA} CASCADE`, ['ORA-01918', 'ORA-01940']).catch(() => {});
      await session.close();
    },
  };
}
