import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureTablesFromCatalog, catalogColumn, catalogConverters } from '../../../src/adapters/mysql/capture/capture-catalog.js';
import type { MySqlCatalog, MySqlColumn, MySqlTable } from '../../../src/adapters/mysql/catalog-types.js';
import { parseServerVersion } from '../../../src/adapters/mysql/server-version.js';

function col(name: string, ordinal: number, dataType: string, columnType: string, extra: Partial<MySqlColumn> = {}): MySqlColumn {
  return {
    name, ordinal, dataType, columnType, nullable: true, unsigned: /unsigned/.test(columnType), charMaxLength: null, numericPrecision: null,
    numericScale: null, datetimePrecision: null, charset: null, collation: null, default: { kind: 'null' }, autoIncrement: false,
    onUpdateCurrentTimestamp: false, generated: null, members: null, isJson: false, invisible: false, comment: '', ...extra,
  };
}

const table: MySqlTable = {
  name: 'orders', engine: 'InnoDB', collation: 'utf8mb4_general_ci', comment: '', autoIncrement: null, partitioned: false, systemVersioned: false,
  columns: [
    col('qty', 2, 'int', 'int(5) unsigned zerofill'),
    col('id', 1, 'bigint', 'bigint(20) unsigned', { nullable: false }),
    col('price', 3, 'float', 'float(7,3)', { numericScale: 3 }),
    col('rate', 4, 'double', 'double(12,4)', { numericScale: 4 }),
    col('name', 5, 'varchar', 'varchar(20)', { charset: 'latin1' }),
    col('raw', 6, 'varbinary', 'varbinary(4)', { charset: 'binary' }),
    col('state', 7, 'enum', "enum('a','b')", { members: ['a', 'b'], charset: 'utf8mb4' }),
    col('tags', 8, 'set', "set('x','y')", { members: ['x', 'y'], charset: 'utf8mb4' }),
    col('at', 9, 'datetime', 'datetime(3)', { datetimePrecision: 3 }),
    col('total', 10, 'bigint', 'bigint(20)', { generated: { stored: true, expression: '`qty` * 2' } }),
  ],
  primaryKey: ['id'], indexes: [], foreignKeys: [], checks: [],
};

const catalog: MySqlCatalog = {
  database: 'shop', server: parseServerVersion('10.11.19-MariaDB'), lowerCaseTableNames: 0, sqlMode: '', defaultCharset: 'utf8mb4',
  defaultCollation: 'utf8mb4_general_ci', tables: [table], views: [], sequences: [], triggers: [], routines: [], events: [],
};

test('catalog columns in table order, with what the decoder needs', () => {
  const [t] = captureTablesFromCatalog(catalog);
  assert.deepEqual(t!.columns.map((c) => c.name), ['id', 'qty', 'price', 'rate', 'name', 'raw', 'state', 'tags', 'at', 'total']);
  assert.deepEqual(t!.primaryKey, ['id']);
  assert.equal(t!.eventSchema, 'public');
  assert.equal(t!.eventTable, 'orders');
  assert.deepEqual(t!.omitColumns, ['total']);
  assert.deepEqual(catalogColumn(table.columns[0]!), { name: 'qty', dataType: 'int', unsigned: true, charset: null, zerofillWidth: 5 });
  assert.deepEqual(catalogColumn(table.columns[2]!), { name: 'price', dataType: 'float', unsigned: false, charset: null, floatDecimals: 3, floatAsDouble: true });
  assert.deepEqual(catalogColumn(table.columns[3]!), { name: 'rate', dataType: 'double', unsigned: false, charset: null, floatDecimals: 4 });
  assert.deepEqual(catalogColumn(table.columns[4]!), { name: 'name', dataType: 'varchar', unsigned: false, charset: 'latin1' });
  assert.deepEqual(catalogColumn(table.columns[5]!), { name: 'raw', dataType: 'varbinary', unsigned: false, charset: null });
  assert.deepEqual(catalogColumn(table.columns[6]!), { name: 'state', dataType: 'enum', unsigned: false, charset: 'utf8mb4', enumValues: ['a', 'b'] });
  assert.deepEqual(catalogColumn(table.columns[7]!), { name: 'tags', dataType: 'set', unsigned: false, charset: 'utf8mb4', setValues: ['x', 'y'] });
  assert.deepEqual(catalogColumn(table.columns[8]!), { name: 'at', dataType: 'datetime', unsigned: false, charset: null, fsp: 3 });
  assert.deepEqual(captureTablesFromCatalog(catalog, ['nothing']), []);
  assert.equal(captureTablesFromCatalog(catalog, ['orders'], { targetSchema: 'shop' })[0]!.eventSchema, 'shop');
});

test('converters: the MySQL value converters per column', () => {
  const [t] = captureTablesFromCatalog(catalog);
  const conv = catalogConverters(catalog);
  const byName = (n: string) => conv(t!, t!.columns.find((c) => c.name === n)!);
  assert.equal(byName('at')('2024-05-06 07:08:09.123'), '2024-05-06 07:08:09.123');
  assert.equal(byName('raw')(Buffer.from([0, 255])), '\\x00ff');
  assert.equal(byName('id')('18446744073709551615'), '18446744073709551615');
  assert.throws(() => conv(t!, { name: 'nope' }), /not in the catalog/);
});
