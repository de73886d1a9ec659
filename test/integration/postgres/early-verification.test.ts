/**
 * The verification at cutover with early verification, through the built CLI: the importer compares
 * quiet tables while it streams, the cutover compares again only the tables that changed since, and
 * a table that differs is still reported as a MISMATCH by the cutover (and found while streaming).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PgServer } from '../../helpers/pg-server.js';
import { eventually, logMatches, rangeReadings, type TandemProcess } from '../../helpers/live-process.js';
import { sourceAndTargetServers, SampleMigration, waitCompleted, withSampleLiveMigration } from '../../helpers/fallback-kit.js';
import { metaValue } from '../../helpers/export-dir-state.js';
import Database from 'better-sqlite3';
import { join } from 'node:path';

let s: PgServer;
let t: PgServer;

sourceAndTargetServers((source, target) => {
  s = source;
  t = target;
});

/** `withSampleLiveMigration` on this file's servers. */
function withLiveMigration(sdb: string, tdb: string, body: (m: SampleMigration, ex: TandemProcess, im: TandemProcess) => Promise<void>,
  importerEnv: Record<string, string> = {}, exporterEnv: Record<string, string> = {}): Promise<void> {
  return withSampleLiveMigration(s, t, sdb, tdb, body, importerEnv, exporterEnv);
}

test('quiet tables verified while streaming are not compared again; a table changed after its early match is, and its mismatch stops nothing from being reported', { timeout: 150_000 }, async () => {
  await withLiveMigration('shop1', 'yb1', async (m, ex, im) => {
    await im.waitFor(/Applying the changes captured on the source/, 60_000);
    // The first pass covers every table (all are quiet): 8 tables of the sample (partitions through their root).
    await im.waitFor(/Verified 8 table\(s\) ahead of the cutover: row counts and checksums match/, 60_000);

    // After its early match, shop.customers is changed by hand on the target (a bypassing write,
    // so the stream cannot repair it) and through the stream on the source: its early match no
    // longer holds.
    await t.sql('yb1', "UPDATE shop.customers SET city = 'tampered' WHERE customer_id = (SELECT min(customer_id) FROM shop.customers)");
    await s.sql('shop1', "INSERT INTO shop.customers (email, full_name) VALUES ('early@x.io', 'Early Check')");
    // Once quiet again, the importer compares it again while streaming; a difference is said once
    // the queue holds a transaction committed after the source's scan (other tables' changes here),
    // applied, with no change to the table in between: before that it may be the stream's delay.
    const others = setInterval(() => void s.sql('shop1', "UPDATE shop.products SET rating = coalesce(rating, 0) + 1 WHERE product_id = (SELECT min(product_id) FROM shop.products)").catch(() => {}), 300);
    try {
      await im.waitFor(/shop\.customers differs between the source and the target \(rows: source \d+, target \d+; checksums differ\), found while streaming/, 60_000);
    } finally {
      clearInterval(others);
    }
    // The proof's clock: the exporter records the latest source commit time it queued (the source's clock, this machine's).
    const committed = metaValue(m.dir, 'source_queued_commit_ms');
    assert.equal(typeof committed, 'number', String(committed));
    assert.ok(Math.abs(Number(committed) - Date.now()) < 60_000, `the queued commit time ${String(committed)} is the source's clock, in milliseconds`);
    // shop.products goes quiet again and matches (its early match is valid at the marker).
    await new Promise((r) => setTimeout(r, 4000));

    const r = await m.run(['initiate', 'cutover', 'to', 'target']);
    assert.equal(r.code, 0, r.stderr);
    await waitCompleted(m, 'cutover to target', [im, ex]);
    // Only shop.customers is compared at the cutover; the 7 other tables' early matches still hold.
    assert.match(im.output(), /Verifying: comparing row counts and checksums of the tables that changed since they were verified \(7 verified before the marker and unchanged since\)/);
    assert.match(im.output(), /VERIFICATION MISMATCH in 1 table\(s\): shop\.customers\./);
    const text = await m.ok(['cutover', 'status']);
    assert.match(text, /verification MISMATCH in 1 table\(s\): shop\.customers/);
    // The comparison run recorded at the cutover lists all 8 tables, 7 of them matching.
    const cmp = await m.run(['compare', '--output-format', 'json']);
    assert.equal(cmp.code, 1, 'tandem compare confirms the difference');
    // After the last cutover, the hint speaks of the side the application no longer writes (measured before: "before a cutover").
    assert.match(cmp.stderr, /The migration has cut over: the application writes only one side now/);
    const report = JSON.parse(cmp.stdout) as { table_count: number; mismatched_tables: string[] };
    assert.equal(report.table_count, 8);
    assert.deepEqual(report.mismatched_tables, ['shop.customers']);
  });
});

test('without changes after the early pass, the cutover compares no table again and every table matches', { timeout: 150_000 }, async () => {
  await withLiveMigration('shop2', 'yb2', async (m, ex, im) => {
    await im.waitFor(/Verified 8 table\(s\) ahead of the cutover/, 90_000);
    const r = await m.run(['initiate', 'cutover', 'to', 'target']);
    assert.equal(r.code, 0, r.stderr);
    await waitCompleted(m, 'cutover to target', [im, ex]);
    assert.match(im.output(), /\(8 verified before the marker and unchanged since\)/);
    assert.match(im.output(), /Verification: all 8 tables MATCH \(row counts and checksums; 8 of them verified before the marker and unchanged since\)/);
    // cutover status says so too: "MATCH for every table" alone read as if every table had been scanned (the mysql-fidelity run).
    const status = await m.run(['cutover', 'status']);
    assert.match(status.stdout, /Cutover to target: verification MATCH for every table \(8 of them matched before the marker and were not scanned again, having no change in the stream since: "tandem compare" scans every table\)\./);
    // Its connections were opened when the request was seen, not after the marker (the exporter
    // holds the marker 1.5 s, past the importer's fallback look at the request).
    assert.equal(logMatches(m.dir, /verification at cutover-to-target: on the connections opened when the cutover was requested/g), 1);
    assert.equal(await m.diff(), '');
  }, {}, { TANDEM_FAILPOINTS: 'cdc.before-marker=delay:1500' });
});

test('a partition truncated and a table replaced on the source after their early match (changes the stream does not carry) are compared again at the cutover and reported (measured before: "MATCH for every table", the pg-live-edges run)', { timeout: 150_000 }, async () => {
  await withLiveMigration('shop9', 'yb9', async (m, ex, im) => {
    await im.waitFor(/Verified 8 table\(s\) ahead of the cutover: row counts and checksums match/, 90_000);
    const before = await s.sql('shop9', 'SELECT count(*)::int AS n FROM analytics.events_2024_q1');
    assert.ok(before[0].n > 0, 'the partition holds rows to lose');
    await s.sql('shop9', 'TRUNCATE analytics.events_2024_q1');
    await s.sql('shop9', 'CREATE TABLE analytics.totals_new (LIKE analytics.daily_totals INCLUDING ALL); INSERT INTO analytics.totals_new SELECT * FROM analytics.daily_totals LIMIT 1; '
      + 'DROP TABLE analytics.daily_totals; ALTER TABLE analytics.totals_new RENAME TO daily_totals');
    const r = await m.run(['initiate', 'cutover', 'to', 'target']);
    assert.equal(r.code, 0, r.stderr);
    await waitCompleted(m, 'cutover to target', [im, ex]);
    assert.match(im.output(), /VERIFICATION MISMATCH in 2 table\(s\): analytics\.daily_totals, analytics\.events\./);
    const text = await m.ok(['cutover', 'status']);
    assert.match(text, /verification MISMATCH in 2 table\(s\): analytics\.daily_totals, analytics\.events/);
  });
});

// The pg-ddl-48 run: both of these change every row without a write the stream carries, and the
// cutover said "MATCH for every table" on the strength of the tables' early matches.
test('an enum label renamed on the target and a column dropped and added again (same name and type, a default) on the source after their tables\' early match: both are compared again at the cutover and reported', { timeout: 150_000 }, async () => {
  await withLiveMigration('shop11', 'yb11', async (m, ex, im) => {
    await im.waitFor(/Verified 8 table\(s\) ahead of the cutover: row counts and checksums match/, 90_000);
    assert.ok((await t.sql('yb11', "SELECT count(*)::int AS n FROM shop.orders WHERE status = 'cancelled'"))[0].n > 0, 'rows hold the label');
    await t.sql('yb11', "ALTER TYPE shop.order_status RENAME VALUE 'cancelled' TO 'voided'");
    await s.sql('shop11', "ALTER TABLE shop.products DROP COLUMN legacy_attrs; ALTER TABLE shop.products ADD COLUMN legacy_attrs json DEFAULT '{\"was\": \"dropped\"}'");
    const r = await m.run(['initiate', 'cutover', 'to', 'target']);
    assert.equal(r.code, 0, r.stderr);
    await waitCompleted(m, 'cutover to target', [im, ex]);
    assert.match(im.output(), /VERIFICATION MISMATCH in 2 table\(s\): shop\.orders, shop\.products\./);
  });
});

test('an importer given a wrong source password says at once that nothing can be compared while streaming and that the cutover would complete unverified (measured before: said only at the cutover)', { timeout: 150_000 }, async () => {
  await withLiveMigration('shop3', 'yb3', async (m, ex, im) => {
    await im.waitFor(/The tables cannot be compared while streaming \(.*rejected.*\), so the cutover compares every table itself; it needs the same connection, and if this is not fixed by then the cutover completes unverified/, 90_000);
    assert.doesNotMatch(im.output(), /not-the-password/);
    assert.ok(!im.exited(), 'the importer streams on');
  }, { SOURCE_DB_PASSWORD: 'not-the-password' });
});

test('a table the cutover\'s verification could not read is compared again, and its real result reported: never a read failure called a MISMATCH (measured before: a server restart during the verification gave "VERIFICATION MISMATCH" in every table)', { timeout: 150_000 }, async () => {
  await withLiveMigration('shop4', 'yb4', async (m, ex, im) => {
    await im.waitFor(/Verified 8 table\(s\) ahead of the cutover/, 90_000);
    // A difference the stream cannot repair: shop.customers is compared at the cutover, and really differs.
    // (The bypassing write on the target; a streamed one on the source makes its early match stale either way.)
    await t.sql('yb4', "UPDATE shop.customers SET city = 'tampered' WHERE customer_id = (SELECT min(customer_id) FROM shop.customers)");
    await s.sql('shop4', "INSERT INTO shop.customers (email, full_name) VALUES ('retry@x.io', 'Retry Check')");
    // The hand-made difference is outside the key range the stream wrote: it shows when the quiet
    // table is read whole again (said once the queue moves past the scan: other tables' changes).
    const others = setInterval(() => void s.sql('shop4', "UPDATE shop.products SET rating = coalesce(rating, 0) + 1 WHERE product_id = (SELECT min(product_id) FROM shop.products)").catch(() => {}), 300);
    try {
      await im.waitFor(/shop\.customers differs between the source and the target/, 60_000);
    } finally {
      clearInterval(others);
    }
    const r = await m.run(['initiate', 'cutover', 'to', 'target']);
    assert.equal(r.code, 0, r.stderr);
    await waitCompleted(m, 'cutover to target', [im, ex]);
    // The first read of the target at the cutover fails (the fault point): compared again, not reported as a difference.
    assert.match(im.output(), /Could not read 1 table\(s\) for the verification \(target: failpoint cutover\.verify-read\); comparing them again in 0\.5 s/);
    assert.match(im.output(), /VERIFICATION MISMATCH in 1 table\(s\): shop\.customers\./);
    assert.doesNotMatch(im.output(), /verification INCOMPLETE/);
    const text = await m.ok(['cutover', 'status']);
    assert.match(text, /verification MISMATCH in 1 table\(s\): shop\.customers\.(?! \(and)/);
  }, { TANDEM_FAILPOINTS: 'cutover.verify-read=error@1' });
});

test('a table the cutover\'s verification cannot read at all is reported as verification INCOMPLETE once the retries are spent, never as a mismatch, and cutover status says not verified', { timeout: 150_000 }, async () => {
  await withLiveMigration('shop5', 'yb5', async (m, ex, im) => {
    await im.waitFor(/Verified 8 table\(s\) ahead of the cutover/, 90_000);
    // A change after the early pass: shop.customers must be read again at the cutover, and every read of the target fails.
    await s.sql('shop5', "INSERT INTO shop.customers (email, full_name) VALUES ('never@x.io', 'Never Read')");
    const r = await m.run(['initiate', 'cutover', 'to', 'target']);
    assert.equal(r.code, 0, r.stderr);
    await waitCompleted(m, 'cutover to target', [im, ex]);
    assert.match(im.output(), /Could not read 1 table\(s\) for the verification \(target: failpoint cutover\.verify-read\); comparing them again/);
    assert.match(im.output(), /verification INCOMPLETE: could not read 1 table\(s\) at the cutover: shop\.customers \(target: failpoint cutover\.verify-read\)\. That says nothing about the data: run "tandem compare --export-dir/);
    assert.doesNotMatch(im.output(), /MISMATCH/);
    const text = await m.ok(['cutover', 'status']);
    assert.match(text, /not verified/);
    assert.doesNotMatch(text, /MISMATCH/);
    assert.equal(await m.diff(), '', 'the data itself is equal');
    // Without key ranges: the importer would read the inserted row's range again before the marker, leaving nothing to read at the cutover.
  }, { TANDEM_FAILPOINTS: 'cutover.verify-read=error', TANDEM_RECONNECT_BUDGET_MS: '3000', TANDEM_EARLY_KEY_RANGES: 'off' });
});

test('a table dropped on the source during streaming is a VERIFICATION MISMATCH at the cutover at once, as the exporter warned: not read again for 30 s and reported INCOMPLETE (found by the ops-edges run)', { timeout: 150_000 }, async () => {
  await withLiveMigration('shop6', 'yb6', async (m, ex, im) => {
    await im.waitFor(/Verified 8 table\(s\) ahead of the cutover/, 90_000);
    await s.sql('shop6', 'DROP TABLE "Ops"."AuditLog"');
    const started = Date.now();
    const r = await m.run(['initiate', 'cutover', 'to', 'target']);
    assert.equal(r.code, 0, r.stderr);
    await waitCompleted(m, 'cutover to target', [im, ex]);
    assert.ok(Date.now() - started < 25_000, `completed in ${Date.now() - started} ms: the missing table was not read again and again`);
    assert.match(im.output(), /VERIFICATION MISMATCH in 1 table\(s\): Ops\.AuditLog \(source: Table Ops\.AuditLog does not exist\)\. Run "tandem compare/);
    assert.doesNotMatch(im.output(), /Could not read|verification INCOMPLETE/);
    const text = await m.ok(['cutover', 'status']);
    // With its reason, as the cutover said it (measured before: the table's name only).
    assert.match(text, /verification MISMATCH in 1 table\(s\): Ops\.AuditLog \(source: Table Ops\.AuditLog does not exist\)\./);
  });
});

// The pg-live-edges run: a column added on the source after a table's early match rewrites nothing
// (its storage stamp held), and a column only the target has was never fingerprinted: both said
// "MATCH for every table", the second even in tandem compare.
test('a column added on the source, and one added on the target, after the tables\' early match: both tables are a VERIFICATION MISMATCH at the cutover, at once, naming the columns', { timeout: 150_000 }, async () => {
  await withLiveMigration('shop10', 'yb10', async (m, ex, im) => {
    await im.waitFor(/Verified 8 table\(s\) ahead of the cutover/, 90_000);
    await s.sql('shop10', 'ALTER TABLE analytics.daily_totals ADD COLUMN c int DEFAULT 7');
    await t.sql('yb10', 'ALTER TABLE "Ops"."AuditLog" ADD COLUMN z int DEFAULT 3');
    const started = Date.now();
    const r = await m.run(['initiate', 'cutover', 'to', 'target']);
    assert.equal(r.code, 0, r.stderr);
    await waitCompleted(m, 'cutover to target', [im, ex]);
    assert.ok(Date.now() - started < 25_000, `completed in ${Date.now() - started} ms: a column difference is not read again and again`);
    // Each with its reason (fix-verify-50: the cutover said only "run compare" while the cause was known).
    assert.match(im.output(), /VERIFICATION MISMATCH in 2 table\(s\): (?=[^\n]*Ops\.AuditLog \(target: column z only there)(?=[^\n]*analytics\.daily_totals \(target: column c is not there)/);
    assert.doesNotMatch(im.output(), /Could not read|verification INCOMPLETE/);
    assert.match(await m.ok(['cutover', 'status']), /verification MISMATCH in 2 table\(s\): (?=[^\n]*Ops\.AuditLog \(target: column z only there)(?=[^\n]*analytics\.daily_totals \(target: column c is not there)/);
    const compare = await m.run(['compare']);
    assert.match(compare.stdout, /analytics\.daily_totals: target: column c is not there \(the other side has it: a column added or dropped by DDL during the migration/);
    assert.match(compare.stdout, /Ops\.AuditLog: target: column z only there \(added during the migration\?/);
  });
});

// The scale-51 run: tables written to up to the cutover are never quiet for the 2 s an early
// comparison waits for, and the cutover scanned them whole (13.8 s of its 19 s downtime).
test('a table written to without a pause up to the cutover is verified by key range while streaming; the cutover reads only the ranges written since and says so, and every table matches', { timeout: 150_000 }, async () => {
  await withLiveMigration('shop12', 'yb12', async (m, ex, im) => {
    await im.waitFor(/Applying the changes captured on the source/, 60_000);
    let n = 0;
    let writing = true;
    // One change every 20 ms, updates over the whole table and inserts at its end: never quiet.
    const writer = (async () => {
      while (writing) {
        n++;
        await s.sql('shop12', n % 3 === 0
          ? `INSERT INTO shop.customers (email, full_name) VALUES ('busy${n}@x.io', 'Busy ${n}')`
          : `UPDATE shop.customers SET full_name = 'Busy ${n}' WHERE customer_id = (SELECT customer_id FROM shop.customers ORDER BY random() LIMIT 1)`);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    try {
      // Read by key range while written to (told as verified only once no range differs, which
      // a table written every 20 ms may never be, or may be in the same round as the quiet
      // tables: CI saw "Verified 8"), the other 7 verified as quiet tables are.
      await eventually(async () => (rangeReadings(m.dir, 'shop.customers') > 0 ? true : 'shop.customers not read by key range yet'), 90_000, 300);
      await eventually(async () => {
        const told = [...im.output().matchAll(/Verified (\d+) table\(s\) ahead of the cutover: row counts and checksums match/g)]
          .reduce((sum, x) => sum + Number(x[1]), 0);
        return told >= 7 ? true : `${told} table(s) told as verified ahead of the cutover`;
      }, 90_000, 200);
      // Long enough for ranges to be written, and read again, while the table stays busy (by the
      // writes made, not the time: on a loaded machine 3 s held 44 of them, and the first reading
      // may come within a second).
      await new Promise((r) => setTimeout(r, 3000));
      await eventually(async () => (n > 60 ? true : `${n} changes made`), 60_000, 200);
    } finally {
      writing = false;
      await writer;
    }
    assert.ok(n > 50, `${n} changes made`);
    const r = await m.run(['initiate', 'cutover', 'to', 'target']);
    assert.equal(r.code, 0, r.stderr);
    await waitCompleted(m, 'cutover to target', [im, ex]);
    // No table is scanned whole at the cutover: shop.customers's last ranges are read there, or,
    // when the importer read them between the writer's stop and the marker, none (either way all 8
    // tables were verified before the marker; whole, the busy table would not be among them).
    const before = /Verifying: comparing row counts and checksums of the tables that changed since they were verified \((\d+) verified before the marker and unchanged since(?:; (\d+) more verified before it, of which only the key ranges written since are read)?\)/.exec(im.output());
    assert.ok(before, im.output());
    assert.equal(Number(before[1]) + Number(before[2] ?? 0), 8);
    const after = /Verification: all 8 tables MATCH \(row counts and checksums; (\d+) of them verified before the marker and unchanged since(?:; (\d+) verified before it and read again only in the key ranges written since)?\)/.exec(im.output());
    assert.ok(after, im.output());
    assert.equal(Number(after[1]) + Number(after[2] ?? 0), 8);
    assert.match(await m.ok(['cutover', 'status']), /verification MATCH for every table \(\d+ of them matched before the marker and were not scanned again, having no change in the stream since(?:; \d+ matched before the marker and (?:was|were) read again only in the key ranges the stream changed since)?: "tandem compare" scans every table\)/);
    // The counts and checksums the cutover recorded for it are the table's own (summed over its
    // ranges), as a whole comparison gives them.
    const recorded = (dir: string) => {
      const db = new Database(join(dir, 'metainfo', 'meta.db'), { readonly: true });
      try {
        return db.prepare(`SELECT r.left_rows, r.right_rows, r.left_checksum, r.right_checksum FROM verification_results r
          WHERE r.table_key = 'shop.customers' ORDER BY r.run_id DESC LIMIT 1`).get() as Record<string, unknown>;
      } finally {
        db.close();
      }
    };
    const atCutover = recorded(m.dir);
    await m.ok(['compare']);
    assert.deepEqual(recorded(m.dir), atCutover);
    assert.equal(atCutover.left_rows, (await s.sql('shop12', 'SELECT count(*)::int AS n FROM shop.customers'))[0].n);
    assert.equal(await m.diff(), '');
  });
});
