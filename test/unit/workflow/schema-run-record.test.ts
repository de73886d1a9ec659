import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetaStore } from '../../../src/core/meta-store.js';
import type { SchemaStatement } from '../../../src/core/engine/target.js';
import { SchemaRunRecord } from '../../../src/workflow/schema/schema-run-record.js';

const st = (sql: string): SchemaStatement => ({ objectType: 'TABLE', file: 'tables/tables.sql', line: 1, sql });

test('SchemaRunRecord: what a run started is known to the next run, unless the server rejected it then', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-schema-record-'));
  try {
    const path = join(dir, 'meta.db');
    const [a, b, c, d] = [st('CREATE TABLE a ()'), st('CREATE TABLE b ()'), st('CREATE TABLE c ()'), st('CREATE TABLE d ()')];
    let meta = MetaStore.open(path);
    let record = SchemaRunRecord.open(meta);
    assert.deepEqual(record.startedBefore([a, b, c, d]), new Set());
    record.starting(a);
    record.ran(a, true);
    record.starting(b);
    record.ran(b, false); // rejected: nothing of it is there
    record.starting(c); // the process died while it ran
    meta.close();

    meta = MetaStore.open(path);
    record = SchemaRunRecord.open(meta);
    assert.deepEqual(record.startedBefore([a, b, c, d]), new Set([a.sql, c.sql]));
    // An earlier run's record stays when the statement is rejected now: what that run left may be there.
    record.starting(a);
    record.ran(a, false);
    record.starting(d);
    record.ran(d, true);
    meta.close();

    meta = MetaStore.open(path);
    assert.deepEqual(SchemaRunRecord.open(meta).startedBefore([a, b, c, d]), new Set([a.sql, c.sql, d.sql]));
    meta.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
