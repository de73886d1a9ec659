import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assignConnections } from '../../../src/core/engine/target.js';

test('import connections are spread round-robin over every YugabyteDB node', () => {
  const nodes = [{ host: 'yb1', port: 5433 }, { host: 'yb2', port: 5433 }, { host: 'yb3', port: 5433 }];
  const got = assignConnections(nodes, 7, { host: 'given', port: 5433 });
  assert.deepEqual(got.map((n) => n.host), ['yb1', 'yb2', 'yb3', 'yb1', 'yb2', 'yb3', 'yb1']);
});

test('without a node list (plain PostgreSQL, or yb_servers() failed) every connection uses the given endpoint', () => {
  const got = assignConnections([], 3, { host: 'given', port: 5432 });
  assert.deepEqual(got, [{ host: 'given', port: 5432 }, { host: 'given', port: 5432 }, { host: 'given', port: 5432 }]);
});
