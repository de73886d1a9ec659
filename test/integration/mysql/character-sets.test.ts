/**
 * MySQL character sets that store fewer characters than the target (latin1, utf8mb3, ascii): the
 * fall-back writes the target's text back into them. Measured before: a character latin1 lacks,
 * written on the target after the cutover, stopped the fall-back with "MySQL error 1366" and a hint to
 * "fix the row on the source". Now the live export names such columns (and the cutover with fall-back
 * repeats it), the writer refuses the value before MySQL does, naming the column (never the value)
 * and the ALTER that lets the stream go on, and after that ALTER a rerun resumes with the change.
 * The writer's character tables are checked here against MariaDB's own conversions, over the whole
 * Basic Multilingual Plane.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { startMariaDb, type MariaDbServer } from '../../helpers/mariadb-server.js';
import { newExportDir, runTandem, targetFlags } from '../../helpers/cli.js';
import { cutoverStatus, eventually, killAll, startTandem, tail } from '../../helpers/live-process.js';
import { metaValue } from '../../helpers/export-dir-state.js';
import { repertoireHolds } from '../../../src/core/values/character-repertoire.js';
import { mysqlRepertoire } from '../../../src/adapters/mysql/values/charset-repertoire.js';

let my: MariaDbServer;
let pgs: PgServer;

before(async () => {
  [my, pgs] = await Promise.all([startMariaDb(), startPg15()]);
});
after(async () => {
  await killAll();
  await Promise.all([my?.stop(), pgs?.stop()]);
});

/** The BMP code points MariaDB converts into `charset` and back unchanged (what a column in it stores). */
async function storedByMariaDb(charset: string): Promise<number[]> {
  const c = await my.connect('mysql');
  try {
    const [rows] = await c.query(`SELECT seq AS cp FROM seq_0_to_65535
      WHERE (seq < 55296 OR seq > 57343)
        AND CONVERT(CONVERT(CHAR(seq USING ucs2) USING ${charset}) USING ucs2) = CHAR(seq USING ucs2) COLLATE ucs2_bin`);
    return (rows as { cp: number | string }[]).map((r) => Number(r.cp));
  } finally {
    await c.end();
  }
}

test('the writer\'s character tables agree with MariaDB for every BMP character (latin1, ascii, utf8mb3, ucs2), and astral characters are refused where MariaDB refuses them', async () => {
  for (const charset of ['latin1', 'ascii', 'utf8mb3', 'ucs2']) {
    const server = new Set(await storedByMariaDb(charset));
    const repertoire = mysqlRepertoire(charset)!;
    const disagree: string[] = [];
    for (let cp = 0; cp <= 0xffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      if (repertoireHolds(repertoire, String.fromCodePoint(cp)) !== server.has(cp)) disagree.push(cp.toString(16));
    }
    assert.deepEqual(disagree, [], `${charset}: code points where Tandem and MariaDB disagree`);
    assert.ok(server.size >= 128, `${charset}: ${server.size}`);
  }
  // A strict session refuses what the tables say a column cannot store (error 1366), and stores the rest.
  await my.sql(undefined, `CREATE DATABASE cs; CREATE TABLE cs.t (id int PRIMARY KEY, l varchar(9) CHARACTER SET latin1, m varchar(9) CHARACTER SET utf8mb3)`);
  const insert = (l: string, m: string) => my.sql('cs', "SET SESSION sql_mode = 'STRICT_ALL_TABLES'; INSERT INTO t VALUES ((SELECT coalesce(max(id), 0) + 1 FROM t x), ?, ?)", [l, m]);
  for (const [l, m] of [['€ \u0081 ÿ', '中 Ω'], ['Ā', 'x'], ['x', '😀']]) {
    const expected = repertoireHolds('windows-1252', l) && repertoireHolds('bmp', m);
    const outcome = await insert(l, m).then(() => true, (e: { errno?: number }) => (e.errno === 1366 ? false : e));
    assert.equal(outcome, expected, `${l} / ${m}`);
  }
  assert.deepEqual((await my.sql('cs', 'SELECT l, m FROM t')).map((r) => [r.l, r.m]), [['€ \u0081 ÿ', '中 Ω']]);
});

test('fall-back into a latin1 column: named at export data and at the cutover; a character it lacks stops the fall-back naming the column; after the ALTER a rerun resumes with it', { timeout: 240_000 }, async () => {
  await my.sql(undefined, `CREATE DATABASE shop; CREATE TABLE shop.people (id int PRIMARY KEY, name varchar(40) CHARACTER SET latin1, note varchar(40) CHARACTER SET utf8mb4) ENGINE=InnoDB;
    INSERT INTO shop.people VALUES (1, 'Zoë', 'first'), (2, 'Ærø', NULL)`);
  await pgs.createDatabase('yb');
  const dir = newExportDir();
  const env = { SOURCE_DB_PASSWORD: my.password, TARGET_DB_PASSWORD: pgs.password, TANDEM_METRICS_INTERVAL_MS: '1000' };
  const SF = ['--source-db-type', 'mysql', '--source-db-host', my.host, '--source-db-port', String(my.port), '--source-db-user', my.user, '--source-db-name', 'shop'];
  const TF = targetFlags(pgs, 'yb');
  for (const args of [['export', 'schema', ...SF], ['import', 'schema', ...TF]]) {
    const r = await runTandem([...args, '--export-dir', dir], env);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  }
  const ex = startTandem(['export', 'data', '--export-dir', dir, ...SF, '--export-type', 'snapshot-and-changes'], env);
  const im = startTandem(['import', 'data', '--export-dir', dir, ...TF], env);
  const people = async () => (await my.sql('shop', 'SELECT id, name, note FROM people ORDER BY id')).map((r) => `${r.id}:${r.name}:${r.note}`);
  let resumed: ReturnType<typeof startTandem> | undefined;
  try {
    await ex.waitFor(/Streaming changes/, 60_000);
    assert.match(ex.output(), /WARNING: shop: 1 column\(s\) in a character set that stores fewer characters than the target \(UTF-8\): people\.name \(latin1\)\. If the migration falls back/);
    await eventually(async () => ((await pgs.sql('yb', 'SELECT count(*)::int AS n FROM public.people'))[0].n === 2 ? true : 'snapshot'), 60_000);
    // The exporter's first look at what would act on the fall-back's writes (once a minute after).
    await eventually(async () => (metaValue(dir, 'source_guard_active') ? true : 'not looked yet'), 30_000, 100);
    const init = await runTandem(['initiate', 'cutover', 'to', 'target', '--prepare-for-fall-back', 'true', '--export-dir', dir], env);
    assert.equal(init.code, 0, init.stdout + init.stderr);
    assert.match(init.stdout + init.stderr, /WARNING: when export data started: shop: 1 column\(s\) in a character set that stores fewer characters than the target \(UTF-8\): people\.name \(latin1\)/);
    // No trigger on the migrated tables: nothing to switch off, said as such (measured before: "must be switched off first"; the soak-mysql-48 run).
    assert.match(init.stdout, /Nothing on the MySQL source acts on the target's changes written back to it \(no trigger on the migrated tables\), as "export data from source" last found at \S+: nothing to switch off\. "import data to source" looks again before its first write and before each commit, and waits if one has appeared\./);
    assert.doesNotMatch(init.stdout, /must be switched off first/);
    assert.doesNotMatch(init.stdout, /disables exactly the enabled ones|checks that everything is enabled again/);
    await eventually(async () => {
      if (im.exited() && (await im.done) !== 0) throw new Error(tail(im.output()));
      const st = (await cutoverStatus(dir, env)).find((r) => r.direction === 'cutover to target');
      return st?.status === 'COMPLETED' ? true : String(st?.status);
    }, 90_000);
    await ex.waitFor(/Applying the changes captured on the target to the source/, 30_000);

    // latin1's characters go back (€ is one); Ā is not, nor is anything in the same batch.
    await pgs.sql('yb', "UPDATE public.people SET name = 'Zoë €' WHERE id = 1");
    await eventually(async () => ((await people()).includes('1:Zoë €:first') ? true : (await people()).join()), 30_000);
    await pgs.sql('yb', "BEGIN; INSERT INTO public.people VALUES (3, 'Ānanda', 'emoji 😀 fine in utf8mb4'); UPDATE public.people SET note = 'same batch' WHERE id = 2; COMMIT");
    assert.equal(await ex.done, 1, tail(ex.output()));
    const out = ex.output();
    assert.match(out, /error \[TANDEM_DATA\]: people\.name: a character that the column's character set latin1 cannot store, written on the target\./);
    assert.match(out, /fix: Convert the column on the source to utf8mb4, which stores every character: ALTER TABLE `people` MODIFY `name` <its type as in SHOW CREATE TABLE> CHARACTER SET utf8mb4; then rerun import data to source: it resumes with this change\./);
    assert.ok(!out.includes('Ānanda'), 'the value is not shown');
    assert.deepEqual(await people(), ['1:Zoë €:first', '2:Ærø:null'], 'nothing of the transaction was written');

    // The way out the error names, then a rerun: the change goes through exactly once.
    await my.sql('shop', 'ALTER TABLE people MODIFY name varchar(40) CHARACTER SET utf8mb4');
    resumed = startTandem(['import', 'data', 'to', 'source', '--export-dir', dir], env);
    await eventually(async () => {
      if (resumed!.exited()) throw new Error(tail(resumed!.output()));
      return (await people()).length === 3 ? true : (await people()).join();
    }, 60_000);
    assert.deepEqual(await people(), ['1:Zoë €:first', '2:Ærø:same batch', '3:Ānanda:emoji 😀 fine in utf8mb4']);
  } finally {
    await Promise.all([ex.kill(), im.kill(), resumed?.kill()]);
  }
});
