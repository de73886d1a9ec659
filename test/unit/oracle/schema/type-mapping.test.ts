import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseOracleType } from '../../../../src/adapters/oracle/schema/oracle-type.js';
import { tokenizeOracle } from '../../../../src/adapters/oracle/schema/oracle-tokenizer.js';
import { TokenCursor } from '../../../../src/adapters/oracle/schema/token-cursor.js';
import { mapOracleType } from '../../../../src/adapters/oracle/schema/type-mapping.js';

function map(text: string, targetPgMajor = 15) {
  const c = new TokenCursor(tokenizeOracle(text));
  const t = parseOracleType(c);
  assert.ok(c.atEnd(), `${text}: type not read to its end`);
  return mapOracleType(t, { targetPgMajor });
}

/** Oracle type as written → PostgreSQL type, and the note code when the mapping changes behaviour. */
const TABLE: [string, string, string?][] = [
  ['NUMBER', 'numeric'],
  ['NUMBER(1)', 'smallint'],
  ['NUMBER(4)', 'smallint'],
  ['NUMBER(4,0)', 'smallint'],
  ['NUMBER(5)', 'integer'],
  ['NUMBER(9)', 'integer'],
  ['NUMBER(10)', 'bigint'],
  ['NUMBER(18,0)', 'bigint'],
  ['NUMBER(19)', 'numeric(19)'],
  ['NUMBER(38)', 'numeric(38)'],
  ['NUMBER(*,0)', 'numeric(38)'],
  ['NUMBER(8,2)', 'numeric(8,2)'],
  ['NUMBER(*,2)', 'numeric(38,2)'],
  ['NUMBER(2,5)', 'numeric(2,5)'],
  ['NUMBER(10,-2)', 'numeric(10,-2)'],
  ['INTEGER', 'numeric(38)'],
  ['INT', 'numeric(38)'],
  ['SMALLINT', 'numeric(38)'],
  ['DECIMAL', 'numeric(38)'],
  ['DECIMAL(10,2)', 'numeric(10,2)'],
  ['NUMERIC(5)', 'integer'],
  ['FLOAT', 'numeric'],
  ['FLOAT(63)', 'numeric'],
  ['FLOAT(126)', 'numeric'],
  ['REAL', 'numeric'],
  ['DOUBLE PRECISION', 'numeric'],
  ['BINARY_FLOAT', 'real'],
  ['BINARY_DOUBLE', 'double precision'],
  ['DATE', 'timestamp(0)'],
  ['TIMESTAMP', 'timestamp(6)'],
  ['TIMESTAMP(0)', 'timestamp(0)'],
  ['TIMESTAMP (3)', 'timestamp(3)'],
  ['TIMESTAMP(9)', 'timestamp(6)', 'FRACTIONAL_SECONDS'],
  ['TIMESTAMP WITH TIME ZONE', 'timestamptz(6)', 'TIMESTAMP_TZ'],
  ['TIMESTAMP(3) WITH TIME ZONE', 'timestamptz(3)', 'TIMESTAMP_TZ'],
  ['TIMESTAMP WITH LOCAL TIME ZONE', 'timestamptz(6)'],
  ['TIMESTAMP (0) WITH LOCAL TIME ZONE', 'timestamptz(0)'],
  ['INTERVAL YEAR TO MONTH', 'interval year to month'],
  ['INTERVAL YEAR(4) TO MONTH', 'interval year to month'],
  ['INTERVAL DAY TO SECOND', 'interval day to second(6)'],
  ['INTERVAL DAY(3) TO SECOND(0)', 'interval day to second(0)'],
  ['INTERVAL DAY (2) TO SECOND (9)', 'interval day to second(6)', 'FRACTIONAL_SECONDS'],
  ['CHAR', 'char(1)'],
  ['CHAR(10)', 'char(10)'],
  ['CHAR(10 BYTE)', 'char(10)'],
  ['CHAR(10 CHAR)', 'char(10)'],
  ['NCHAR(5)', 'char(5)'],
  ['VARCHAR2(20)', 'varchar(20)'],
  ['VARCHAR2(20 BYTE)', 'varchar(20)'],
  ['VARCHAR2(20 CHAR)', 'varchar(20)'],
  ['VARCHAR2(32767)', 'varchar(32767)'],
  ['VARCHAR(10)', 'varchar(10)'],
  ['NVARCHAR2(50)', 'varchar(50)'],
  ['CHARACTER VARYING(30)', 'varchar(30)'],
  ['NATIONAL CHARACTER VARYING(8)', 'varchar(8)'],
  ['NCHAR VARYING(7)', 'varchar(7)'],
  ['CLOB', 'text'],
  ['NCLOB', 'text'],
  ['LONG', 'text'],
  ['BLOB', 'bytea'],
  ['RAW(16)', 'bytea'],
  ['LONG RAW', 'bytea'],
  ['BFILE', 'text', 'BFILE'],
  ['XMLTYPE', 'xml'],
  ['SYS.XMLTYPE', 'xml'],
  ['"SYS"."XMLTYPE"', 'xml'],
  ['ROWID', 'text', 'ROWID_COLUMN'],
  ['UROWID', 'text', 'ROWID_COLUMN'],
  ['UROWID (4000)', 'text', 'ROWID_COLUMN'],
  ['JSON', 'jsonb'],
  ['BOOLEAN', 'boolean'],
  ['MDSYS.SDO_GEOMETRY', 'text', 'UNSUPPORTED_TYPE'],
];

test('the type mapping table (PostgreSQL 15 target)', () => {
  for (const [oracle, pg, code] of TABLE) {
    const m = map(oracle);
    assert.equal(m.pg, pg, oracle);
    assert.equal(m.note?.code, code, `${oracle}: note`);
  }
});

test('DATE is timestamp(0), never date: it carries a time of day', () => {
  assert.equal(map('DATE').pg, 'timestamp(0)');
  assert.equal(map('DATE').kind, 'date');
});

test('before PostgreSQL 15, a negative scale or a scale above the precision widens the column and says so', () => {
  const negative = map('NUMBER(10,-2)', 11);
  assert.equal(negative.pg, 'numeric(12)');
  assert.equal(negative.note?.code, 'NEGATIVE_SCALE');
  const small = map('NUMBER(2,5)', 11);
  assert.equal(small.pg, 'numeric(5,5)');
  assert.equal(small.note?.code, 'SCALE_ABOVE_PRECISION');
});
