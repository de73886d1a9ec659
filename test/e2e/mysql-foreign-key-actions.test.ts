/**
 * Foreign-key actions during a live migration from MariaDB, through the built CLI. InnoDB carries
 * out ON DELETE / ON UPDATE CASCADE and SET NULL below the binlog, so the rows they change never
 * reach the stream (checked here on the binlog itself); the target's importer carries them out
 * from the source's foreign keys as export data recorded them (two of the target's keys are dropped
 * first, to show that it does not depend on them). The source runs deletes and key updates that set off cascades
 * three levels deep, SET NULL through a key on a non-primary unique column, ON UPDATE CASCADE of a
 * primary key and of a unique column, a self-referencing tree, and children inserted just before
 * their parent is deleted (in other transactions and in the same one), and a REPLACE of a parent. Then every table must hold
 * the same rows on both sides, the data-migration report's FINAL_ROW_COUNT must be the real count,
 * and the cutover's verification must match.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPg15, type PgServer } from '../helpers/pg-server.js';
import { startMariaDb, type MariaDbServer } from '../helpers/mariadb-server.js';
import { newExportDir, runTandem, targetFlags, type CliResult } from '../helpers/cli.js';
import { cutoverStatus, eventually, killAll, startTandem, tail, type TandemProcess } from '../helpers/live-process.js';

let my: MariaDbServer;
let pgs: PgServer;

before(async () => {
  [my, pgs] = await Promise.all([startMariaDb(), startPg15()]);
});
after(async () => {
  await killAll();
  await Promise.all([my?.stop(), pgs?.stop()]);
});

const TABLES: Record<string, string> = {
  parent: 'id, code, name',
  child: 'id, parent_id, note',
  grandchild: 'id, child_id',
  tagged: 'id, parent_code',
  node: 'id, up',
};

const SCHEMA = `
CREATE TABLE parent (id int PRIMARY KEY, code varchar(10) NOT NULL UNIQUE, name varchar(20));
CREATE TABLE child (id int PRIMARY KEY, parent_id int, note varchar(20),
  CONSTRAINT child_parent FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE ON UPDATE CASCADE);
CREATE TABLE grandchild (id int PRIMARY KEY, child_id int NOT NULL,
  CONSTRAINT grandchild_child FOREIGN KEY (child_id) REFERENCES child (id) ON DELETE CASCADE);
CREATE TABLE tagged (id int PRIMARY KEY, parent_code varchar(10),
  CONSTRAINT tagged_parent FOREIGN KEY (parent_code) REFERENCES parent (code) ON DELETE SET NULL ON UPDATE CASCADE);
CREATE TABLE node (id int PRIMARY KEY, up int, CONSTRAINT node_up FOREIGN KEY (up) REFERENCES node (id) ON DELETE CASCADE);`;

function seed(): string {
  const v: string[] = [];
  const parents = Array.from({ length: 40 }, (_, i) => i + 1);
  v.push(`INSERT INTO parent VALUES ${parents.map((p) => `(${p}, 'P${p}', 'parent ${p}')`).join(', ')}`);
  v.push(`INSERT INTO child VALUES ${parents.flatMap((p) => [0, 1, 2].map((k) => `(${p * 10 + k}, ${p}, 'c${k}')`)).join(', ')}`);
  v.push(`INSERT INTO grandchild VALUES ${parents.flatMap((p) => [0, 1, 2].flatMap((k) => [0, 1].map((g) => `(${(p * 10 + k) * 10 + g}, ${p * 10 + k})`))).join(', ')}`);
  v.push(`INSERT INTO tagged VALUES ${parents.flatMap((p) => [0, 1].map((k) => `(${p * 10 + k}, 'P${p}')`)).join(', ')}, (9999, NULL)`);
  // Two trees four levels deep: 1 -> 2, 3 -> 4..7 -> 8..15; and the same from 101.
  const nodes: string[] = [];
  for (const base of [0, 100]) for (let n = 1; n <= 15; n++) nodes.push(`(${base + n}, ${n === 1 ? 'NULL' : base + Math.floor(n / 2)})`);
  v.push(`INSERT INTO node VALUES ${nodes.join(', ')}`);
  return v.join(';\n');
}

/** '' when both sides hold the same rows; else the first differences. */
async function diff(): Promise<string> {
  const out: string[] = [];
  for (const [table, cols] of Object.entries(TABLES)) {
    const text = cols.split(', ').map((c) => `COALESCE(CAST(${c} AS CHAR), '~')`).join(`, '|', `);
    const a = (await my.sql('fk', `SELECT CONCAT(${text}) AS r FROM ${table} ORDER BY id`)).map((r) => String(r.r));
    const pgText = cols.split(', ').map((c) => `COALESCE(${c}::text, '~')`).join(` || '|' || `);
    const b = (await pgs.sql('yb', `SELECT ${pgText} AS r FROM public.${table} ORDER BY id`)).map((r) => String(r.r));
    if (a.join('\n') !== b.join('\n')) {
      const onlyA = a.filter((x) => !b.includes(x)).slice(0, 5);
      const onlyB = b.filter((x) => !a.includes(x)).slice(0, 5);
      out.push(`${table}: source ${a.length} rows, target ${b.length}; only on source ${JSON.stringify(onlyA)}, only on target ${JSON.stringify(onlyB)}`);
    }
  }
  return out.join('\n');
}

test('MariaDB -> PostgreSQL live: the target carries out the foreign-key actions the binlog leaves out', { timeout: 300_000 }, async () => {
  await my.createDatabase('fk');
  await my.sql('fk', `${SCHEMA}\n${seed()}`);
  await pgs.createDatabase('yb');
  const dir = newExportDir();
  const env = { SOURCE_DB_PASSWORD: my.password, TARGET_DB_PASSWORD: pgs.password };
  const SF = ['--source-db-type', 'mysql', '--source-db-host', my.host, '--source-db-port', String(my.port), '--source-db-user', my.user, '--source-db-name', 'fk'];
  const TF = targetFlags(pgs, 'yb');
  const run = (args: string[]): Promise<CliResult> => runTandem([...args, '--export-dir', dir], env);
  const ok = async (args: string[]): Promise<string> => {
    const r = await run(args);
    assert.equal(r.code, 0, `tandem ${args.join(' ')} exited ${r.code}:\n${r.stdout.slice(-3000)}\n${r.stderr}`);
    return r.stdout + r.stderr;
  };
  let ex: TandemProcess | undefined;
  let im: TandemProcess | undefined;
  try {
    await ok(['export', 'schema', ...SF]);
    await ok(['import', 'schema', ...TF]);
    // Two of the target's keys dropped: the importer carries out the source's keys as export data
    // recorded them, whatever keys the target has.
    await pgs.sql('yb', 'ALTER TABLE public.tagged DROP CONSTRAINT tagged_parent; ALTER TABLE public.node DROP CONSTRAINT node_up');
    ex = startTandem(['export', 'data', '--export-dir', dir, ...SF, '--export-type', 'snapshot-and-changes'], env);
    im = startTandem(['import', 'data', 'to', 'target', '--export-dir', dir, ...TF, '--parallel-jobs', '4'], env);
    await ex.waitFor(/Streaming changes/, 120_000);
    assert.match(ex.output(), /foreign-key actions/i, 'the export says how the actions the binlog leaves out are handled');
    const binlogBefore = (await my.sql('fk', 'SHOW MASTER STATUS'))[0] as { File: string; Position: number };

    const c = await my.connect('fk');
    try {
      // Children inserted just before their parent goes, in other transactions: the cascade must
      // see them although they travel in other channels.
      for (let p = 1; p <= 12; p++) {
        await c.query(`INSERT INTO child VALUES (${1000 + p}, ${p}, 'late')`);
        await c.query(`INSERT INTO grandchild VALUES (${10000 + p}, ${1000 + p})`);
        await c.query(`DELETE FROM parent WHERE id = ${p}`);
      }
      // In one transaction: a new child and its parent's delete; two parents at once.
      await c.query(`BEGIN; INSERT INTO child VALUES (2013, 13, 'same tx'); DELETE FROM parent WHERE id = 13; DELETE FROM parent WHERE id IN (14, 15); COMMIT`);
      // ON UPDATE CASCADE of a primary key (children follow), then of a unique column (tagged follows).
      await c.query('UPDATE parent SET id = 216 WHERE id = 16');
      await c.query("UPDATE parent SET code = 'Q17' WHERE id = 17");
      // An update that carries the unique column unchanged changes nothing else.
      await c.query("UPDATE parent SET name = 'renamed', code = 'P18' WHERE id = 18");
      // A key update, then a delete, of the same parent in one transaction.
      await c.query("BEGIN; UPDATE parent SET id = 219, code = 'Q19' WHERE id = 19; DELETE FROM parent WHERE id = 219; COMMIT");
      // A self-referencing tree: a subtree three levels deep, then a whole tree.
      await c.query('DELETE FROM node WHERE id = 2');
      await c.query('DELETE FROM node WHERE id = 101');
      // A child that moved to another parent before that parent goes.
      await c.query('UPDATE child SET parent_id = 21 WHERE id = 200');
      await c.query('DELETE FROM parent WHERE id = 21');
      // REPLACE of a referenced row is a delete and an insert in InnoDB: the children go.
      await c.query("REPLACE INTO parent VALUES (22, 'P22', 'replaced')");
      // Writes that set nothing off, after all that.
      await c.query(`INSERT INTO parent VALUES (500, 'P500', 'new'); INSERT INTO child VALUES (5000, 500, 'new')`);
    } finally {
      await c.end();
    }

    // The binlog holds no row of `tagged` (MariaDB maps the table, but writes rows only for the
    // statement's own table): the rows the importer must make up for.
    const events = await my.sql('fk', `SHOW BINLOG EVENTS IN '${binlogBefore.File}' FROM ${binlogBefore.Position}`);
    const tableIds = new Map<string, string>();
    const withRows = new Set<string>();
    for (const e of events) {
      const id = /^table_id: (\d+)/.exec(String(e.Info))?.[1];
      if (e.Event_type === 'Table_map') tableIds.set(id!, /\((.*)\)/.exec(String(e.Info))![1]!);
      else if (/_rows/.test(String(e.Event_type)) && id) withRows.add(tableIds.get(id)!);
    }
    assert.ok(withRows.has('fk.parent') && withRows.has('fk.node'), `row events of ${[...withRows].join(', ')}`);
    assert.ok(!withRows.has('fk.tagged'), `no row of fk.tagged is in the binlog, although SET NULL and ON UPDATE CASCADE changed some: ${[...withRows].join(', ')}`);

    await eventually(async () => (await diff()) || true, 90_000, 500);
    assert.match(im.output(), /./);

    // Real counts behind the report's FINAL_ROW_COUNT, on both sides.
    const rep = await run(['get', 'data-migration-report', '--output-format', 'json']);
    assert.equal(rep.code, 0, rep.stderr);
    const reported = JSON.parse(rep.stdout) as { table_name: string; db_type: string; final_row_count: number }[];
    const wrong: string[] = [];
    for (const table of Object.keys(TABLES)) {
      const real = Number((await pgs.sql('yb', `SELECT count(*)::int AS n FROM public.${table}`))[0].n);
      for (const side of ['source', 'target']) {
        const row = reported.find((x) => x.table_name === `public.${table}` && x.db_type === side);
        if (row?.final_row_count !== real) wrong.push(`${table} ${side}: report ${row?.final_row_count}, real ${real}`);
      }
    }
    assert.deepEqual(wrong, [], 'FINAL_ROW_COUNT counts the rows the actions deleted');

    await ok(['initiate', 'cutover', 'to', 'target']);
    await eventually(async () => {
      for (const p of [ex!, im!]) if (p.exited() && (await p.done) !== 0) throw new Error(`tandem ${p.args.slice(0, 4).join(' ')} exited with ${await p.done}:\n${tail(p.output())}`);
      const s = (await cutoverStatus(dir, env)).find((r) => r.direction === 'cutover to target');
      return s?.status === 'COMPLETED' ? true : JSON.stringify(s);
    }, 120_000, 300);
    const done = (await cutoverStatus(dir, env)).find((r) => r.direction === 'cutover to target') as { detail: { verification?: { match: boolean } } };
    assert.equal(done.detail.verification?.match, true, JSON.stringify(done.detail));
    assert.equal(await diff(), '');
  } finally {
    await Promise.all([ex?.kill(), im?.kill()]);
  }
});
