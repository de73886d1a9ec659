import { test } from 'node:test';
import assert from 'node:assert/strict';
import { translateMySqlExpression } from '../../../src/adapters/mysql/schema/expression-translator.js';
import { parseMemberList, tokenizeMySql } from '../../../src/adapters/mysql/schema/mysql-lexer.js';

const ctx = { database: 'shop', targetSchema: 'public' };
const ok = (sql: string) => {
  const r = translateMySqlExpression(sql, ctx);
  assert.ok(r.ok, `${sql}: ${r.ok ? '' : r.reason}`);
  return r.ok ? r.sql : '';
};
const reason = (sql: string) => {
  const r = translateMySqlExpression(sql, ctx);
  assert.ok(!r.ok, `${sql} should not convert`);
  return r.ok ? '' : r.reason;
};

test('the lexer reads MySQL literals: escapes, doubled quotes, introducers, hex, bits, numbers', () => {
  assert.deepEqual(tokenizeMySql("'it''s\\n' _utf8mb4'x' X'00ff' b'101' 0x1F 1.5e3 `a``b`").map((t) => [t.type, Buffer.isBuffer(t.value) ? t.value.toString('hex') : t.value]), [
    ['string', "it's\n"], ['string', 'x'], ['hex', '00ff'], ['bits', '101'], ['hex', '1f'], ['number', '1.5e3'], ['ident', 'a`b'],
  ]);
  assert.deepEqual(parseMemberList("enum('it''s','back\\\\slash','x,y')"), ["it's", 'back\\slash', 'x,y']);
  assert.equal(parseMemberList('int(11)'), null);
});

test('CHECK clauses, generated columns and defaults as the catalog prints them', () => {
  assert.equal(ok('`n` > 0'), 'n > 0');
  assert.equal(ok("`s2` <> 'x' and `n` between 1 and 10"), "s2 <> 'x' AND n BETWEEN 1 AND 10");
  assert.equal(ok("`status` in ('a','b''c')"), "status IN ('a', 'b''c')");
  assert.equal(ok('`a` is not null or `b` != 2'), 'a IS NOT NULL OR b <> 2');
  assert.equal(ok('`a` <=> `b`'), 'a IS NOT DISTINCT FROM b');
  assert.equal(ok("concat(`s`,'-',`s2`)"), "(CAST(s AS text) || CAST('-' AS text) || CAST(s2 AS text))");
  assert.equal(ok('ucase(`email`)'), 'upper(email)');
  assert.equal(ok("ifnull(`a`, 'none')"), "coalesce(a, 'none')");
  assert.equal(ok('if(`a` > 1, `b`, `c`)'), 'CASE WHEN a > 1 THEN b ELSE c END');
  assert.equal(ok('length(`s`)'), 'octet_length(s)');
  assert.equal(ok('round(`price` * 1.2, 2)'), 'round(CAST(price * 1.2 AS numeric), 2)');
  assert.equal(ok('cast(`a` as signed)'), 'CAST(a AS bigint)');
  assert.equal(ok('cast(`a` as decimal(10,2))'), 'CAST(a AS numeric(10,2))');
  assert.equal(ok('year(`d`)'), 'CAST(EXTRACT(YEAR FROM d) AS integer)');
  assert.equal(ok('current_timestamp()'), 'LOCALTIMESTAMP');
  assert.equal(ok('(1 + 1)'), '(1 + 1)');
  assert.equal(ok("`Name` = _utf8mb4'Zoë'"), "\"Name\" = 'Zoë'");
  assert.equal(ok('nextval(`shop`.`invoice_seq`)'), "nextval('public.invoice_seq'::regclass)");
});

test('view queries: the database becomes the schema, MySQL join syntax and LIMIT a,b', () => {
  assert.equal(ok('select `shop`.`p`.`a` AS `a`,concat(`shop`.`p`.`b`,\'x\') AS `bx` from `shop`.`p` where `shop`.`p`.`a` > 1'),
    "SELECT public.p.a AS a, (CAST(public.p.b AS text) || CAST('x' AS text)) AS bx FROM public.p WHERE public.p.a > 1");
  assert.equal(ok('select `c`.`email` AS `email` from (`shop`.`Cu` `c` join `shop`.`o2` `o` on(`o`.`cid` = `c`.`CId`))'),
    'SELECT c.email AS email FROM (public."Cu" c JOIN public.o2 o ON (o.cid = c."CId"))');
  assert.equal(ok('select count(*) AS `n`,`shop`.`t`.`k` AS `k` from `shop`.`t` group by `shop`.`t`.`k` order by `n` desc limit 5,10'),
    'SELECT count(*) AS n, public.t.k AS k FROM public.t GROUP BY public.t.k ORDER BY n DESC LIMIT 10 OFFSET 5');
  assert.equal(ok('select `t`.* from `shop`.`t`'), 'SELECT t.* FROM public.t');
});

test('division converts with a warning; MySQL-only constructs do not convert, and say why', () => {
  const r = translateMySqlExpression('`a` / 2', ctx);
  assert.deepEqual(r, { ok: true, sql: 'a / 2', warnings: ['division: MySQL divides integers exactly (5 / 2 = 2.5000), PostgreSQL truncates them (5 / 2 = 2)'] });
  assert.equal(reason('group_concat(`a`)'), 'it uses the function group_concat()');
  assert.equal(reason("`code` regexp '^[A-Z]+$'"), 'it uses the word regexp');
  assert.equal(reason('`a` div 2'), 'it uses the word div');
  assert.equal(reason('`a` xor `b`'), 'it uses the word xor');
  assert.equal(reason('`d` + interval 1 day'), 'it uses the word interval');
  assert.equal(reason("`j` ->> '$.a'"), 'it uses the ->> operator');
  assert.equal(reason('@@sql_mode'), 'it uses variable @@sql_mode');
  assert.equal(reason('select `other`.`t`.`a` from `other`.`t`'), 'it uses a reference to the database other');
  assert.equal(reason('uuid()'), 'it uses the function uuid()');
  assert.equal(reason('!`a` = 1'), 'it uses the ! operator');
  assert.equal(reason('cast(`a` as binary)'), 'it uses CAST to binary');
  assert.equal(reason("'unterminated"), 'it does not read as MySQL (unterminated string)');
  assert.equal(reason("'a\\0b'"), 'it uses a string with a NUL character');
});
