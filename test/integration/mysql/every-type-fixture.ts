/**
 * A MariaDB database using every type docs/mysql.md decides about, with rows at the edges:
 * all NULL, empty/zero, minima, maxima, and awkward values (multi-byte text, escapes, microseconds,
 * negative TIME, exact decimals, JSON with big numbers, binary bytes, spatial values).
 */

export const EVERY_TYPE_DDL = `
SET SESSION time_zone = '+00:00';
CREATE TABLE every_type (
  id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  ti tinyint, tiu tinyint unsigned, tb tinyint(1), si smallint, siu smallint unsigned,
  mi mediumint, miu mediumint unsigned, i int, iu int unsigned, bi bigint, biu bigint unsigned,
  dec65 decimal(65,30), decu decimal(10,2) unsigned,
  f float, d double, fu float unsigned,
  b1 bit(1), b10 bit(10), b64 bit(64),
  ch char(10), vc varchar(255), tt tinytext, tx text, mt mediumtext, lt longtext,
  bn binary(4), vb varbinary(16), tbl tinyblob, bl blob, mbl mediumblob, lbl longblob,
  dt date, dtm datetime, dtm6 datetime(6), ts timestamp NULL DEFAULT NULL, ts3 timestamp(3) NULL DEFAULT NULL,
  tm time, tm6 time(6), y year,
  j json, e enum('small','medium','large'), st set('a','b','c'),
  g geometry, pt point,
  u uuid, i4 inet4, i6 inet6,
  lat varchar(20) CHARACTER SET latin1,
  gen_total bigint GENERATED ALWAYS AS (bi - i) STORED,
  gen_label varchar(300) GENERATED ALWAYS AS (concat(vc, '/', ch)) VIRTUAL
);
`;

/** Rows 1–6; row 2 holds ENUM's index-0 '' (written in a non-strict session), so it is inserted separately. */
export const EVERY_TYPE_ROWS = `
SET SESSION time_zone = '+00:00';
INSERT INTO every_type (id) VALUES (1);
INSERT INTO every_type VALUES (3,
  -128, 0, -128, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0,
  -99999999999999999999999999999999999.999999999999999999999999999999, 0.00,
  -3.40282e38, -1.7976931348623157e308, 0,
  b'0', b'0000000000', b'0',
  'a', 'a', 'a', 'a', 'a', 'a',
  0x00000000, 0x00, 0x00, 0x00, 0x00, 0x00,
  '1000-01-01', '1000-01-01 00:00:00', '1000-01-01 00:00:00.000000', '1970-01-01 00:00:01', '1970-01-01 00:00:01.000',
  '-838:59:59', '-838:59:59.999999', 1901,
  '[]', 'small', 'a',
  ST_GeomFromText('POINT(0 0)'), ST_GeomFromText('POINT(-180 -90)'),
  '00000000-0000-0000-0000-000000000000', '0.0.0.0', '::',
  'a', DEFAULT, DEFAULT);
INSERT INTO every_type VALUES (4,
  127, 255, 127, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295, 9223372036854775807, 18446744073709551615,
  99999999999999999999999999999999999.999999999999999999999999999999, 99999999.99,
  3.40282e38, 1.7976931348623157e308, 3.40282e38,
  b'1', b'1111111111', 0xFFFFFFFFFFFFFFFF,
  'zzzzzzzzzz', REPEAT('z', 255), REPEAT('z', 255), REPEAT('z', 1000), REPEAT('z', 2000), REPEAT('z', 3000),
  0xFFFFFFFF, 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF, 0xFF, 0xFF, 0xFF, 0xFF,
  '9999-12-31', '9999-12-31 23:59:59', '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07', '2038-01-19 03:14:07.999',
  '838:59:59', '838:59:59.999999', 2155,
  '{"z": 1}', 'large', 'a,b,c',
  ST_GeomFromText('LINESTRING(0 0, 1 1, 2 3)'), ST_GeomFromText('POINT(180 90)'),
  'ffffffff-ffff-ffff-ffff-ffffffffffff', '255.255.255.255', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
  'zzz', DEFAULT, DEFAULT);
INSERT INTO every_type VALUES (5,
  -1, 1, 1, -1, 1, -1, 1, -1, 1, -1, 9223372036854775808,
  0.000000000000000000000000000001, 0.01,
  0.1, 0.1, 16777217,
  b'1', b'1000000001', b'1000000000000000000000000000000000000000000000000000000000000001',
  'ab', 'ab  ', '日本語 ✓ 😀', 'tab\\there\\nnew line\\\\back\\rcr', 'Ünïcödé — “quotes” ''single''', '\\\\N not null',
  0x00FF, 0x000102FF, 0x5C4E, 0x0A0D09, 0x00, 0xDEADBEEF,
  '2024-02-29', '2024-02-29 12:34:56', '2024-02-29 12:34:56.000001', '2024-02-29 12:34:56', '2024-02-29 12:34:56.001',
  '-12:30:00', '-00:00:00.000001', 2024,
  '{"a": 12345678901234567890.123456789, "b": "é\\\\n\\\\u00e9", "c": [1, 2.50, null, true], "d": {"e": -0.0}}', 'medium', 'a,c',
  ST_GeomFromText('POLYGON((0 0, 4 0, 4 4, 0 4, 0 0))', 4326), ST_GeomFromText('POINT(1.5 -2.25)'),
  '123e4567-e89b-12d3-a456-426614174000', '192.168.0.1', '2001:db8::ff00:42:8329',
  'café', DEFAULT, DEFAULT);
INSERT INTO every_type VALUES (6,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0,
  0, 0, 0,
  b'0', b'0', b'0',
  '', '', '', '', '', '',
  X'', X'', X'', X'', X'', X'',
  '2000-01-01', '2000-01-01 00:00:00', '2000-01-01 00:00:00', '2000-01-01 00:00:00', '2000-01-01 00:00:00',
  '00:00:00', '00:00:00', 0,
  '""', 'small', '',
  ST_GeomFromText('POINT(0 0)'), ST_GeomFromText('POINT(0 0)'),
  '00000000-0000-0000-0000-000000000001', '10.0.0.1', '::1',
  '', DEFAULT, DEFAULT);
SET SESSION sql_mode = '';
INSERT INTO every_type (id, e) VALUES (2, 'not a member');
`;

/** Foreign keys between unsigned keys: both ends must get the same PostgreSQL type. */
export const KEYS_DDL = `
CREATE TABLE parent_big (id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, code varchar(20) NOT NULL, UNIQUE KEY code_prefix (code(4)), UNIQUE KEY code_full (code));
CREATE TABLE child_big (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, parent_id bigint unsigned, parent_code varchar(20),
  CONSTRAINT child_big_parent FOREIGN KEY (parent_id) REFERENCES parent_big (id) ON DELETE CASCADE,
  CONSTRAINT child_big_code FOREIGN KEY (parent_code) REFERENCES parent_big (code) ON UPDATE CASCADE ON DELETE SET NULL,
  KEY child_code_desc (parent_code DESC, id));
CREATE TABLE parent_int (id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY) AUTO_INCREMENT = 1000;
CREATE TABLE child_int (id smallint unsigned NOT NULL PRIMARY KEY, parent_id int unsigned NOT NULL REFERENCES parent_int (id),
  price decimal(8,2) NOT NULL DEFAULT 0.00, created_at timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  CONSTRAINT price_positive CHECK (price >= 0));
INSERT INTO parent_big (code) VALUES ('ABCD-1'), ('EFGH-2');
INSERT INTO child_big (parent_id, parent_code) VALUES (1, 'ABCD-1'), (2, NULL);
INSERT INTO parent_int VALUES (), ();
INSERT INTO child_int (id, parent_id, price, created_at) VALUES (1, 1000, 9.99, '2024-01-01 00:00:00.000');
CREATE VIEW expensive AS SELECT c.id AS id, c.price * 2 AS double_price FROM child_int c WHERE c.price > 1;
CREATE VIEW labelled AS SELECT p.id, IFNULL(p.code, 'none') AS code FROM parent_big p;
`;

/** Zero dates, in nullable columns and one NOT NULL column. */
export const ZERO_DATES_SQL = `
SET SESSION sql_mode = '';
CREATE TABLE zero_nullable (id int PRIMARY KEY, d date NULL, dt datetime NULL, ts timestamp NULL DEFAULT NULL);
INSERT INTO zero_nullable VALUES (1, '0000-00-00', '2024-00-10 10:00:00', '0000-00-00 00:00:00'), (2, '2024-05-00', NULL, NULL), (3, '2024-05-06', '2024-05-06 07:08:09', '2024-05-06 07:08:09');
CREATE TABLE zero_not_null (id int PRIMARY KEY, d date NOT NULL);
INSERT INTO zero_not_null VALUES (1, '0000-00-00'), (2, '2024-01-01'), (3, '2024-00-00');
`;
