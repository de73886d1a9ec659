import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chunkSelectSql, isMySqlChunk, rangeCount, splitColumn, splitKeyRange, tableChunks } from '../../../src/adapters/mysql/snapshot/chunk-plan.js';
import type { TableInfo } from '../../../src/core/engine/catalog.js';
import { column, table } from './catalog-builders.js';

const info = (over: Partial<TableInfo> = {}): TableInfo => ({ schema: 'public', name: 'accounts', columns: ['id', 'f'], primaryKey: ['id'], estimatedRows: 5_000_000, estimatedBytes: 600 << 20, ...over });

test('key ranges: equal widths, never more ranges than keys', () => {
  assert.deepEqual(splitKeyRange(1n, 100n, 4), [26n, 51n, 76n]);
  assert.deepEqual(splitKeyRange(1n, 5_000_000n, 2), [2500001n]);
  assert.deepEqual(splitKeyRange(-10n, 9n, 2), [0n]);
  assert.deepEqual(splitKeyRange(7n, 9n, 8), [8n, 9n]);
  assert.deepEqual(splitKeyRange(5n, 5n, 4), []);
  assert.deepEqual(splitKeyRange(0n, 18446744073709551615n, 3), [6148914691236517205n, 12297829382473034410n]);
});

test('which tables are split: several readers, 64 MB or more (or a million rows when bytes are unknown), a one-column integer key', () => {
  assert.equal(rangeCount(info(), 1), 1);
  assert.equal(rangeCount(info(), 4), 4);
  assert.equal(rangeCount(info({ estimatedBytes: 100 << 20 }), 4), 2);
  assert.equal(rangeCount(info({ estimatedBytes: 10 << 20 }), 4), 1);
  assert.equal(rangeCount(info({ estimatedBytes: 0, estimatedRows: 2_500_000 }), 8), 3);
  assert.equal(rangeCount(info({ estimatedBytes: 0, estimatedRows: 999_999 }), 8), 1);
  assert.equal(splitColumn(table('t', [column('id', 'bigint unsigned')], { primaryKey: ['id'] })), 'id');
  assert.equal(splitColumn(table('t', [column('id', 'varchar(10)')], { primaryKey: ['id'] })), undefined);
  assert.equal(splitColumn(table('t', [column('a', 'int'), column('b', 'int')], { primaryKey: ['a', 'b'] })), undefined);
  assert.equal(splitColumn(table('t', [column('a', 'int')])), undefined);
});

test('chunks: open outer ranges, their SELECTs with integer literals; FLOAT read as DOUBLE; names backquoted', () => {
  const mt = table('acc`ts', [column('id', 'int'), column('f', 'float')], { primaryKey: ['id'] });
  const chunks = tableChunks(info({ name: 'acc`ts' }), 'shop', 'id', [26n, 51n]);
  assert.deepEqual(chunks.map((c) => [c.tableKey, c.chunkNo, c.estimatedRows, c.range]), [
    ['public.acc`ts', 0, 1666667, { column: 'id', to: '26' }],
    ['public.acc`ts', 1, 1666667, { column: 'id', from: '26', to: '51' }],
    ['public.acc`ts', 2, 1666667, { column: 'id', from: '51' }],
  ]);
  assert.ok(chunks.every(isMySqlChunk));
  assert.equal(chunkSelectSql(chunks[0]!, mt), 'SELECT `id`, CAST(`f` AS DOUBLE) FROM `shop`.`acc``ts` WHERE `id` < 26');
  assert.equal(chunkSelectSql(chunks[1]!, mt), 'SELECT `id`, CAST(`f` AS DOUBLE) FROM `shop`.`acc``ts` WHERE `id` >= 26 AND `id` < 51');
  assert.equal(chunkSelectSql(chunks[2]!, mt), 'SELECT `id`, CAST(`f` AS DOUBLE) FROM `shop`.`acc``ts` WHERE `id` >= 51');
  const whole = tableChunks(info({ name: 'acc`ts' }), 'shop', undefined, []);
  assert.deepEqual(whole.map((c) => [c.chunkNo, c.estimatedRows, c.range, c.format]), [[0, 5_000_000, undefined, 'text']]);
  assert.equal(chunkSelectSql(whole[0]!, mt), 'SELECT `id`, CAST(`f` AS DOUBLE) FROM `shop`.`acc``ts`');
  assert.equal(isMySqlChunk({ tableKey: 'public.t', chunkNo: 0, format: 'text', estimatedRows: 0 }), false);
});
