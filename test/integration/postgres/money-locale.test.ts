/**
 * `money`'s text form follows lc_monetary (German: `1.234,56 €`; French: `1 234,56 €`; C:
 * `$1,234.56`). A source whose lc_monetary is German streamed its values in that form, which a
 * target with another setting read by its own rules (measured: refused, stopping the import). Tandem reads and writes every value with lc_monetary C, so the value
 * arrives whatever either side's setting: streamed, and in a snapshot copied as text (a table with
 * a regclass column is copied as text).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { compiledLocales } from '../../helpers/locales.js';
import { runTandem, sourceFlags, targetFlags } from '../../helpers/cli.js';
import { startLiveMigration, killAll, eventually, tail } from '../../helpers/live-process.js';

let src: PgServer;
let dst: PgServer;

before(async () => {
  const LOCPATH = compiledLocales(['de_DE.UTF-8', 'fr_FR.UTF-8', 'ja_JP.UTF-8']);
  [src, dst] = await Promise.all([startPg15({ lc_monetary: "'de_DE.UTF-8'" }, { env: { LOCPATH } }), startPg15({ lc_monetary: "'fr_FR.UTF-8'" }, { env: { LOCPATH } })]);
  await src.createDatabase('src');
  await dst.createDatabase('dst');
});
after(async () => {
  await killAll();
  await Promise.all([src?.stop(), dst?.stop()]);
});

/** Every value in cents, and the text in C's form: the same on both servers whatever their setting. */
const READ = `SELECT id, (m::numeric * 100)::bigint AS cents, ms::text AS ms FROM app.m ORDER BY id`;
const CENTS = "SET lc_monetary = 'C'; " + READ;

test('money from a source whose lc_monetary is German arrives as the same amounts, in the snapshot copied as text and streamed (a fall-back writes the same way); a target reading money with other decimal places does not match', { timeout: 120_000 }, async () => {
  assert.deepEqual(await src.sql('src', "SELECT 1234.56::money::text AS t"), [{ t: '1.234,56 €' }], 'the source prints money the German way');
  assert.match((await dst.sql('dst', "SELECT 1234.56::money::text AS t"))[0].t, /^1\s234,56 €$/, 'the target the French way');
  await src.sql('src', `CREATE SCHEMA app; CREATE TABLE app.m (id int PRIMARY KEY, m money, ms money[], r regclass);
    INSERT INTO app.m VALUES (1, 1234.56, '{0.5,-1000000}', 'app.m'), (2, 12.5, NULL, NULL);`);
  const env = { SOURCE_DB_PASSWORD: src.password, TARGET_DB_PASSWORD: dst.password, TANDEM_METRICS_INTERVAL_MS: '3600000' };
  const { dir, ex, im } = await startLiveMigration(sourceFlags(src, 'src', 'app'), targetFlags(dst, 'dst'), env);
  await src.sql('src', `INSERT INTO app.m VALUES (3, 9876543.21, '{1.5,2}', NULL); UPDATE app.m SET m = m * 3, ms = '{12.34}' WHERE id = 2`);
  const expected = await src.sql('src', CENTS);
  assert.deepEqual(expected.map((r) => r.cents), ['123456', '3750', '987654321']);
  await eventually(async () => {
    const got = await dst.sql('dst', CENTS);
    return JSON.stringify(got) === JSON.stringify(expected) ? true : `target ${JSON.stringify(got)}\nsource ${JSON.stringify(expected)}\n${tail(im.output(), 500)}`;
  }, 30_000, 300);
  assert.equal(ex.exited() || im.exited(), false, tail(ex.output() + im.output()));
  const r = await runTandem(['compare', '--export-dir', dir], env);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);

  // The yen has no decimal places: a target database read with ja_JP's lc_monetary shows every
  // stored amount 100 times larger (1.234,56 € as ￥123,456), though the stored counts are equal.
  await dst.sql('dst', "ALTER DATABASE dst SET lc_monetary = 'ja_JP.UTF-8'");
  assert.deepEqual(await dst.sql('dst', 'SELECT m::text AS m FROM app.m WHERE id = 1'), [{ m: '￥123,456' }], 'an application on the target reads the amount scaled');
  const scaled = await runTandem(['compare', '--export-dir', dir], env);
  assert.equal(scaled.code, 1, `a target that reads every amount scaled is a mismatch:\n${scaled.stdout}\n${scaled.stderr}`);
  const said = scaled.stdout + scaled.stderr;
  assert.match(said, /app\.m/);
  assert.match(said, /money with 2 decimal places \(lc_monetary de_DE\.UTF-8\) on the source and money with 0 decimal places \(lc_monetary ja_JP\.UTF-8\) on the target/, said);
  assert.match(said, /ALTER DATABASE dst SET lc_monetary = 'de_DE\.UTF-8'/, 'the fix for the target is given');
  // The stored rows were compared too, and are said (fix-verify-51b: whether they were was unclear).
  assert.match(said, /the table cannot match; its stored rows are the same on both sides/, said);
  // The fix it gives makes the sides read alike again.
  await dst.sql('dst', "ALTER DATABASE dst SET lc_monetary = 'de_DE.UTF-8'");
  const fixed = await runTandem(['compare', '--export-dir', dir], env);
  assert.equal(fixed.code, 0, `${fixed.stdout}\n${fixed.stderr}`);

  // Set for the role in the database, which wins over the database's: the statement given is that
  // one (measured before: ALTER DATABASE, which changed nothing; the fix-verify-50 run).
  const user = (await dst.sql('dst', 'SELECT current_user AS u'))[0].u;
  await dst.sql('dst', `ALTER ROLE ${user} IN DATABASE dst SET lc_monetary = 'ja_JP.UTF-8'`);
  const byRole = await runTandem(['compare', '--export-dir', dir], env);
  assert.equal(byRole.code, 1, `${byRole.stdout}\n${byRole.stderr}`);
  const advice = new RegExp(`money with 0 decimal places \\(lc_monetary ja_JP\\.UTF-8, set for role ${user} in database dst\\) on the target: .*(ALTER ROLE ${user} IN DATABASE dst SET lc_monetary = 'de_DE\\.UTF-8')`);
  const given = advice.exec(byRole.stdout + byRole.stderr);
  assert.ok(given, byRole.stdout + byRole.stderr);
  await dst.sql('dst', given[1]!);
  const fixedByRole = await runTandem(['compare', '--export-dir', dir], env);
  assert.equal(fixedByRole.code, 0, `the statement given fixes it:\n${fixedByRole.stdout}\n${fixedByRole.stderr}`);

  // An application's own role with its own setting on the source, none on the target: it reads
  // other figures on the target, whatever Tandem's role reads (measured before: MATCH).
  await src.sql('src', "CREATE ROLE shop_app LOGIN; ALTER ROLE shop_app IN DATABASE src SET lc_monetary = 'ja_JP.UTF-8'");
  await dst.sql('dst', 'CREATE ROLE shop_app LOGIN');
  const appRole = await runTandem(['compare', '--export-dir', dir], env);
  assert.equal(appRole.code, 1, `${appRole.stdout}\n${appRole.stderr}`);
  const roleAdvice = /role shop_app reads it as money with 0 decimal places \(lc_monetary ja_JP\.UTF-8, set for role shop_app in database src\) on the source and money with 2 decimal places \(lc_monetary de_DE\.UTF-8, the database's default\) on the target \(for the target to read it as the source does: (ALTER ROLE shop_app IN DATABASE dst SET lc_monetary = 'ja_JP\.UTF-8')/.exec(appRole.stdout + appRole.stderr);
  assert.ok(roleAdvice, appRole.stdout + appRole.stderr);
  await dst.sql('dst', roleAdvice[1]!);
  const fixedAppRole = await runTandem(['compare', '--export-dir', dir], env);
  assert.equal(fixedAppRole.code, 0, `the statement given fixes it:\n${fixedAppRole.stdout}\n${fixedAppRole.stderr}`);

  // A role only one side has is not compared: nobody logs in as it on the other (fix-verify-51b:
  // a MISMATCH, and an ALTER ROLE for a role the target lacks).
  await src.sql('src', "CREATE ROLE src_only_role LOGIN; ALTER ROLE src_only_role IN DATABASE src SET lc_monetary = 'fr_FR.UTF-8'");
  await dst.sql('dst', "CREATE ROLE dst_only_role LOGIN; ALTER ROLE dst_only_role SET lc_monetary = 'ja_JP.UTF-8'");
  const oneSided = await runTandem(['compare', '--export-dir', dir], env);
  assert.equal(oneSided.code, 0, `${oneSided.stdout}\n${oneSided.stderr}`);

  // A role's setting for every database is said as such (fix-verify-51b: "in database dst").
  await src.sql('src', 'CREATE ROLE both_role LOGIN');
  await dst.sql('dst', "CREATE ROLE both_role LOGIN; ALTER ROLE both_role SET lc_monetary = 'ja_JP.UTF-8'");
  const everyDb = await runTandem(['compare', '--export-dir', dir], env);
  assert.equal(everyDb.code, 1, `${everyDb.stdout}\n${everyDb.stderr}`);
  assert.match(everyDb.stdout + everyDb.stderr, /role both_role reads it as money with 2 decimal places \(lc_monetary de_DE\.UTF-8, the (database|server)'s default\) on the source and money with 0 decimal places \(lc_monetary ja_JP\.UTF-8, set for role both_role\) on the target \(for the target to read it as the source does: ALTER ROLE both_role SET lc_monetary = 'de_DE\.UTF-8'/);
});
