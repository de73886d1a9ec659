import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { restoreSequences } from '../../../src/adapters/postgres/sequence-sync.js';
import { TandemError } from '../../../src/core/errors.js';

let server: PgServer;

before(async () => {
  server = await startPg15();
  await server.createDatabase('seq');
  await server.sql('seq', `
    CREATE TABLE public.orders (id serial PRIMARY KEY, note text);
    INSERT INTO public.orders (note) SELECT 'n' FROM generate_series(1, 100);
    CREATE TABLE public.items (id bigint PRIMARY KEY DEFAULT nextval('public.orders_id_seq'));
    CREATE ROLE seqonly LOGIN PASSWORD 'seqonly-pw';
    GRANT USAGE ON SCHEMA public TO seqonly;
    GRANT SELECT, UPDATE ON SEQUENCE public.orders_id_seq TO seqonly;
    GRANT SELECT ON public.items TO seqonly;`);
});
after(async () => server?.stop());

async function lastValue(): Promise<string> {
  const [row] = await server.sql('seq', 'SELECT last_value::text AS v FROM public.orders_id_seq');
  return row.v;
}

test('a column maximum that cannot be read stops the restore with the table named, and no sequence moves', async () => {
  await server.sql('seq', "SELECT setval('public.orders_id_seq', 100)");
  const client = new pg.Client({ host: server.host, port: server.port, user: 'seqonly', password: 'seqonly-pw', database: 'seq' });
  await client.connect();
  try {
    await assert.rejects(restoreSequences(client, [{ schema: 'public', name: 'orders_id_seq', lastValue: '5', isCalled: true }]), (e: unknown) => {
      assert.ok(e instanceof TandemError);
      assert.equal(e.code, 'TANDEM_PRIVILEGE');
      assert.match(e.message, /public\.orders\.id/);
      assert.match(e.hint ?? '', /GRANT SELECT ON "public"\."orders"/);
      return true;
    });
  } finally {
    await client.end();
  }
  assert.equal(await lastValue(), '100', 'the sequence was not set below the data');
});

test('with SELECT on every fed column the sequence is raised to the data', async () => {
  await server.sql('seq', "INSERT INTO public.items VALUES (250)");
  const client = await server.client('seq');
  try {
    const r = await restoreSequences(client, [{ schema: 'public', name: 'orders_id_seq', lastValue: '5', isCalled: true }]);
    assert.deepEqual(r, [{ sequence: 'public.orders_id_seq', value: '250', raisedToData: true }]);
  } finally {
    await client.end();
  }
  assert.equal(await lastValue(), '250');
});

test('a warmed sequence reader reads on its own connection, and connects again when that one was lost while it waited', async () => {
  const { PgSequenceSync } = await import('../../../src/adapters/postgres/pg-sequences.js');
  const { targetDbConfig } = await import('../../helpers/pg-server.js');
  await server.sql('seq', "SELECT setval('public.orders_id_seq', 300)");
  const sync = new PgSequenceSync(targetDbConfig(server, 'seq'));
  const backends = async () => Number((await server.sql('seq', "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = 'seq' AND pid <> pg_backend_pid()"))[0].n);
  const before = await backends();
  sync.warm();
  sync.warm(); // a second request opens nothing more
  for (let i = 0; i < 200 && (await backends()) === before; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(await backends(), before + 1, 'warm() opened one connection ahead of the read');
  const first = await sync.read(['public']);
  assert.deepEqual(first.map((s) => [s.name, s.lastValue]), [['orders_id_seq', '300']]);

  // Warmed again, then the connection dies (an idle timeout, a restart): the read still answers.
  sync.warm();
  for (let i = 0; i < 200 && (await backends()) === before; i++) await new Promise((r) => setTimeout(r, 10));
  await server.sql('seq', "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'seq' AND pid <> pg_backend_pid()");
  await new Promise((r) => setTimeout(r, 100));
  const second = await sync.read(['public']);
  assert.deepEqual(second.map((s) => [s.name, s.lastValue]), [['orders_id_seq', '300']]);

  // A warm connection that no read used is closed by close().
  sync.warm();
  for (let i = 0; i < 200 && (await backends()) === before; i++) await new Promise((r) => setTimeout(r, 10));
  await sync.close();
  for (let i = 0; i < 200 && (await backends()) !== before; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(await backends(), before, 'close() ended the unused connection');
});

test('a warmed restore runs on the connection opened ahead (new connections are refused meanwhile), and connects again when that one was lost', async () => {
  const { PgSequenceSync } = await import('../../../src/adapters/postgres/pg-sequences.js');
  const { targetDbConfig } = await import('../../helpers/pg-server.js');
  const items = await server.sql('seq', 'SELECT coalesce(max(id), 0)::bigint AS m FROM public.items');
  const above = String(Math.max(1000, Number(items[0].m) + 1));
  const backends = async () => Number((await server.sql('postgres', "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = 'seq'"))[0].n);
  const before = await backends();
  const sync = new PgSequenceSync(targetDbConfig(server, 'seq'));
  sync.warm();
  for (let i = 0; i < 200 && (await backends()) === before; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(await backends(), before + 1, 'warm() opened one connection');
  // From here no new connection to the database can open: the restore can only use the warm one.
  await server.sql('postgres', 'ALTER DATABASE seq ALLOW_CONNECTIONS false');
  try {
    const r = await sync.restore([{ schema: 'public', name: 'orders_id_seq', lastValue: above, isCalled: true }]);
    assert.deepEqual(r, [{ sequence: 'public.orders_id_seq', value: above, raisedToData: false }]);
  } finally {
    await server.sql('postgres', 'ALTER DATABASE seq ALLOW_CONNECTIONS true');
  }
  assert.equal(await lastValue(), above);
  for (let i = 0; i < 200 && (await backends()) !== before; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(await backends(), before, 'the warm connection was closed after the restore');

  // Warmed, then lost: the restore connects again and still sets the value.
  const higher = String(Number(above) + 500);
  sync.warm();
  for (let i = 0; i < 200 && (await backends()) === before; i++) await new Promise((r) => setTimeout(r, 10));
  await server.sql('postgres', "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'seq'");
  await new Promise((r) => setTimeout(r, 100));
  const again = await sync.restore([{ schema: 'public', name: 'orders_id_seq', lastValue: higher, isCalled: true }]);
  assert.deepEqual(again.map((x) => x.value), [higher]);
  assert.equal(await lastValue(), higher);
});
