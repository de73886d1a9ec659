/**
 * Keys exchanged within one source transaction on a DEFERRABLE primary key (found by an exploratory
 * run: `UPDATE d SET id = 7 - id WHERE id IN (3, 4)` with REPLICA IDENTITY FULL, which export data
 * accepts). The change events name each row by its key only, so such a swap cannot be replayed row
 * by row; applied one event per target transaction, the first committed alone left two rows with
 * key 4 (a DEFERRABLE key is not checked in the writer's replica-role session) and the import then
 * stopped for good blaming another writer. The consecutive key changes of one transaction are now
 * one target transaction: the swap stops the import with nothing of it written and an error that
 * says why; a chain of key changes in one transaction (1 -> 10 -> 11) applies, and once only.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPg15, targetDbConfig, type PgServer } from '../../helpers/pg-server.js';
import type { ChangeEvent } from '../../../src/core/change-event.js';
import type { AppliedTable } from '../../../src/core/apply/batch-plan.js';
import { PgChangeTarget } from '../../../src/adapters/postgres/change-applier.js';
import { ChangeDispatcher } from '../../../src/workflow/cdc/change-dispatcher.js';
import { TandemError } from '../../../src/core/errors.js';

const MIGRATION = '5d1f3a9e-8c41-4b7a-9d52-0e6c2f1b3a77';
const TABLES: AppliedTable[] = [{ schema: 'public', name: 'd', primaryKey: ['id'], columns: ['id', 'v'] }];
const DDL = `CREATE TABLE d (id int PRIMARY KEY DEFERRABLE INITIALLY DEFERRED, v text);
  INSERT INTO d VALUES (1, 'same'), (2, 'same'), (3, 'a'), (4, 'b'), (5, 'c'), (6, 'd')`;

let server: PgServer;

before(async () => {
  server = await startPg15();
});
after(async () => {
  await server?.stop();
});

/** A key change as the capture emits it: the old key, and the new row. */
function move(vsn: number, txId: string, from: number, to: number, v: string): ChangeEvent {
  return { vsn, op: 'u', schema: 'public', table: 'd', key: { id: String(from) }, after: { id: String(to), v }, position: String(vsn).padStart(12, '0'), txId };
}

async function* once(events: ChangeEvent[]): AsyncGenerator<ChangeEvent[]> {
  yield events;
}

async function rows(db: string): Promise<string> {
  return (await server.sql(db, "SELECT string_agg(id || ':' || v, ' ' ORDER BY id, v) AS r FROM d"))[0].r;
}

async function dispatch(db: string, events: ChangeEvent[]): Promise<unknown> {
  const target = new PgChangeTarget(targetDbConfig(server, db), { tables: TABLES });
  try {
    await new ChangeDispatcher(target, { migrationUuid: MIGRATION, channels: 4 }).run(once(events));
    return undefined;
  } catch (e) {
    return e;
  } finally {
    await target.close();
  }
}

test('a swap of DEFERRABLE keys in one transaction stops the import with nothing of it written, and says why (measured before: key 3 -> 4 committed alone, two rows with key 4)', async () => {
  await server.createDatabase('swap');
  await server.sql('swap', DDL);
  const events = [
    { vsn: 1, op: 'u' as const, schema: 'public', table: 'd', key: { id: '5' }, after: { id: '5', v: 'c2' }, position: '000000000001', txId: '100' },
    move(2, '101', 3, 4, 'a'),
    move(3, '101', 4, 3, 'b'),
  ];
  const e = await dispatch('swap', events);
  assert.ok(e instanceof TandemError && e.code === 'TANDEM_DATA', String(e));
  assert.match(e.message, /^The update of 1 row\(s\) of public\.d by primary key \(events 3\.\.3\) met 2 rows on .*: its primary key is DEFERRABLE, and the database being read exchanged key values within one transaction \(a swap, or a shift such as SET id = id \+ 1, in one statement or several\)/);
  assert.match(e.hint ?? '', /NOT DEFERRABLE on the database being read/);
  assert.equal(await rows('swap'), '1:same 2:same 3:a 4:b 5:c2 6:d', 'the change before the swap is applied; nothing of the swap');
  assert.deepEqual(await server.sql('swap', 'SELECT id, count(*)::int AS n FROM d GROUP BY id HAVING count(*) > 1'), [], 'no key is held twice');
  // A rerun stops the same way and writes nothing more.
  const again = await dispatch('swap', events);
  assert.ok(again instanceof TandemError && /met 2 rows/.test(again.message), String(again));
  assert.equal(await rows('swap'), '1:same 2:same 3:a 4:b 5:c2 6:d');
});

test('a chain of key changes in one transaction (1 -> 10 -> 11) and one in another (6 -> 60) apply, and a rerun skips them', async () => {
  await server.createDatabase('chain');
  await server.sql('chain', DDL);
  const events = [move(1, '200', 1, 10, 'same'), move(2, '200', 10, 11, 'same'), move(3, '201', 6, 60, 'd')];
  assert.equal(await dispatch('chain', events), undefined);
  assert.equal(await rows('chain'), '2:same 3:a 4:b 5:c 11:same 60:d');
  assert.equal(await dispatch('chain', events), undefined);
  assert.equal(await rows('chain'), '2:same 3:a 4:b 5:c 11:same 60:d');
});
