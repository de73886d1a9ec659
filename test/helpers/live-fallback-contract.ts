/**
 * The live-migration-with-fall-back contract: the spec's whole workflow, through the built CLI, the
 * same steps and the same checks whichever engine the source runs. Each engine supplies a
 * `ContractSource` (test/helpers/contract-<engine>.ts): its connection flags, a small shop schema
 * (customers with an identity / AUTO_INCREMENT key, orders referencing them) and the application's
 * writes in its own dialect. The target is PostgreSQL 15 standing in for YugabyteDB.
 *
 * The steps: export schema, analyze-schema, import schema; export data (snapshot and changes) and
 * import data to target while the application writes to the source; import schema
 * --post-snapshot-import; cutover to target prepared for fall-back (its verification MATCH); the
 * application on the target, its changes reaching the source (`tandem compare` MATCH); cutover to
 * source (its verification MATCH, both processes exit 0); the source's key generator above the
 * data; the report; end migration. Throughout, `archive changes` moves the applied queue segments
 * (a few KiB each here) out of the export dir, those of the fall-back phase included.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { newExportDir, runTandem, targetFlags, type CliResult } from './cli.js';
import { cutoverStatus, eventually, startTandem, tail, type TandemProcess } from './live-process.js';
import type { PgServer } from './pg-server.js';

/** One engine's side of the contract. */
export interface ContractSource {
  /** For messages: "PostgreSQL 15", "MariaDB 10.11", "Oracle". */
  readonly name: string;
  /** `--source-db-type …` and the connection flags (the password travels as SOURCE_DB_PASSWORD). */
  readonly flags: readonly string[];
  readonly password: string;
  /** The schema the tables have on the target. */
  readonly targetSchema: string;
  /** Extra flags of `export data from source` (e.g. `--disable-triggers-and-fks true`). */
  readonly exportDataFlags: readonly string[];
  /**
   * Creates the shop schema with some rows: `customers (customer_id generated, email unique,
   * name, balance)` and `orders (order_id, customer_id → customers, note, amount)`, names as the
   * engine stores them, becoming those lower-case names on the target.
   */
  setUp(): Promise<void>;
  /** One round of the application on the source: insert, update and delete in committed transactions. */
  write(round: number): Promise<void>;
  /** Engine-specific checks once the target's changes have reached the source (optional). */
  afterFallBackWrites?(ctx: ContractContext): Promise<void>;
  /** Engine-specific checks after the cutover to source (triggers and keys back, say). */
  afterCutoverToSource?(ctx: ContractContext): Promise<void>;
  /**
   * Inserts a customer on the source without a key and returns its generated key and the largest
   * key of the others (then removes it): the generator must continue above the data.
   */
  nextCustomerKey(): Promise<{ readonly generated: bigint; readonly largestBefore: bigint }>;
  /** Engine-specific checks after `end migration` (Tandem's objects gone). */
  afterEnd?(): Promise<void>;
  close(): Promise<void>;
}

/** What the engine's hooks may use. */
export interface ContractContext {
  readonly dir: string;
  readonly env: Record<string, string>;
  readonly target: PgServer;
  readonly targetDb: string;
  /** The source exporter process (which becomes the fall-back writer after the cutover). */
  readonly exporter: TandemProcess;
}

async function ok(args: string[], env: Record<string, string>): Promise<CliResult> {
  const r = await runTandem(args, env);
  assert.equal(r.code, 0, `tandem ${args.slice(0, 4).join(' ')} exited ${r.code}:\n${r.stdout.slice(-3000)}\n${r.stderr}`);
  return r;
}

async function cutoverCompleted(dir: string, env: Record<string, string>, direction: string, procs: TandemProcess[], timeoutMs: number): Promise<Record<string, unknown>> {
  let detail: Record<string, unknown> = {};
  await eventually(async () => {
    for (const p of procs) if (p.exited() && (await p.done) !== 0) throw new Error(`${p.args.slice(0, 4).join(' ')} exited with ${await p.done}:\n${tail(p.output())}`);
    const row = (await cutoverStatus(dir, env)).find((x) => x.direction === direction);
    detail = (row?.detail ?? {}) as Record<string, unknown>;
    return row?.status === 'COMPLETED' ? true : `${direction}: ${row?.status}`;
  }, timeoutMs, 500);
  return detail;
}

/** `tandem compare` says MATCH (true), or what it printed. */
async function compareMatches(dir: string, env: Record<string, string>): Promise<true | string> {
  const r = await runTandem(['compare', '--export-dir', dir, '--output-format', 'json', '--parallel-jobs', '2'], env);
  if (r.code !== 0) return `compare exited ${r.code}: ${r.stdout.slice(-800)} ${r.stderr.slice(-500)}`;
  return (JSON.parse(r.stdout) as { result: string }).result === 'MATCH' ? true : r.stdout.slice(-800);
}

/** The queue's segments as meta.db lists them, and where the cutover to target's marker is. */
function queueState(dir: string): { marker?: number; segments: { first_vsn: number; last_vsn: number; status: string; archived_to: string | null; committed_bytes: number }[] } {
  const db = new Database(join(dir, 'metainfo', 'meta.db'), { readonly: true });
  try {
    const marker = (db.prepare("SELECT marker_vsn FROM cutover WHERE direction = 'to_target'").get() as { marker_vsn: number | null } | undefined)?.marker_vsn;
    const segments = db.prepare('SELECT first_vsn, last_vsn, status, archived_to, committed_bytes FROM queue_segments ORDER BY segment_no').all() as ReturnType<typeof queueState>['segments'];
    return { marker: marker ?? undefined, segments };
  } finally {
    db.close();
  }
}

/**
 * Runs the contract from `source` into a fresh database of `target`. `timeoutMs` bounds each wait
 * (an Oracle's LogMiner is slower to start than a binlog or a slot).
 */
export async function runLiveFallbackContract(source: ContractSource, target: PgServer, targetDb: string, timeoutMs = 120_000): Promise<void> {
  await source.setUp();
  await target.createDatabase(targetDb);
  const dir = newExportDir();
  const env = { SOURCE_DB_PASSWORD: source.password, TARGET_DB_PASSWORD: target.password, TANDEM_METRICS_INTERVAL_MS: '3600000', TANDEM_QUEUE_SEGMENT_BYTES: '1024' };
  const archive = mkdtempSync(join(tmpdir(), 'tandem-archive-'));
  const SF = [...source.flags];
  const TF = targetFlags(target, targetDb);
  const s = source.targetSchema;
  let ex: TandemProcess | undefined;
  let im: TandemProcess | undefined;
  let ar: TandemProcess | undefined;
  try {
    // ---- schema: exported (converted from the engine's catalog), analyzed, imported
    const exported = await ok(['export', 'schema', '--export-dir', dir, ...SF], env);
    assert.match(exported.stdout, /Exported \d+ objects/);
    await ok(['analyze-schema', '--export-dir', dir, '--output-format', 'json'], env);
    await ok(['import', 'schema', '--export-dir', dir, ...TF], env);
    const tables = await target.sql(targetDb, `SELECT string_agg(table_name, ',' ORDER BY table_name) AS t FROM information_schema.tables WHERE table_schema = '${s}' AND table_name IN ('customers', 'orders')`);
    assert.equal(tables[0].t, 'customers,orders', `the shop tables on the target in schema ${s}`);

    // ---- live migration while the application writes to the source
    ex = startTandem(['export', 'data', 'from', 'source', '--export-dir', dir, ...SF, '--export-type', 'snapshot-and-changes', ...source.exportDataFlags], env);
    im = startTandem(['import', 'data', 'to', 'target', '--export-dir', dir, ...TF], env);
    ar = startTandem(['archive', 'changes', '--export-dir', dir, '--move-to', archive], env);
    await ex.waitFor(/Streaming changes/, timeoutMs);
    for (let round = 1; round <= 20; round++) await source.write(round);
    await eventually(() => compareMatches(dir, env), timeoutMs, 1000);
    await ok(['import', 'schema', '--export-dir', dir, ...TF, '--post-snapshot-import', 'true'], env);

    // ---- cutover to target, prepared for fall-back
    await ok(['initiate', 'cutover', 'to', 'target', '--export-dir', dir, '--prepare-for-fall-back', 'true'], env);
    const toTarget = await cutoverCompleted(dir, env, 'cutover to target', [ex, im], timeoutMs);
    assert.equal((toTarget.verification as { match?: boolean } | undefined)?.match, true, JSON.stringify(toTarget));

    // ---- the application on the target; its changes reach the source
    await target.sql(targetDb, `INSERT INTO ${s}.customers (email, name) VALUES ('target1@example.com', 'On the target');
      UPDATE ${s}.orders SET note = 'changed on target' WHERE order_id IN (SELECT order_id FROM ${s}.orders ORDER BY order_id LIMIT 10);
      DELETE FROM ${s}.orders WHERE order_id = (SELECT max(order_id) FROM ${s}.orders);
      UPDATE ${s}.customers SET balance = balance + 100 WHERE customer_id IN (SELECT customer_id FROM ${s}.customers ORDER BY customer_id DESC LIMIT 3);
      INSERT INTO ${s}.orders (order_id, customer_id, note, amount) SELECT max(order_id) + 1, 1, 'ordered on the target', 9.99 FROM ${s}.orders;`);
    const ctx: ContractContext = { dir, env, target, targetDb, exporter: ex };
    await source.afterFallBackWrites?.(ctx);
    await eventually(() => compareMatches(dir, env), timeoutMs, 1000);
    // The stopped target importer does not hold back the fall-back phase's segments: once the
    // source has applied them, they leave the export dir too.
    await eventually(async () => {
      const q = queueState(dir);
      return (q.marker !== undefined && q.segments.some((g) => g.status === 'archived' && g.last_vsn > q.marker!))
        || `no segment after the marker (${q.marker}) archived: ${JSON.stringify(q.segments.map((g) => [g.first_vsn, g.last_vsn, g.status]))}`;
    }, timeoutMs, 1000);

    // ---- cutover to source
    await ok(['initiate', 'cutover', 'to', 'source', '--export-dir', dir], env);
    const toSource = await cutoverCompleted(dir, env, 'cutover to source', [ex, im], timeoutMs);
    assert.equal((toSource.verification as { match?: boolean } | undefined)?.match, true, JSON.stringify(toSource));
    const [exCode, imCode] = await Promise.all([ex.done, im.done]);
    assert.equal(exCode, 0, tail(ex.output()));
    assert.equal(imCode, 0, tail(im.output()));
    await source.afterCutoverToSource?.(ctx);
    assert.equal(await compareMatches(dir, env), true);

    // ---- the source's key generator continues above every key, the target's included
    const key = await source.nextCustomerKey();
    assert.ok(key.generated > key.largestBefore, `${source.name}: a new customer got key ${key.generated}, not above ${key.largestBefore}`);

    // ---- archive changes ends by itself once both cutovers have completed (no importer reads the
    // queue again); every segment it moved is whole outside the export dir
    assert.equal(await ar.done, 0, tail(ar.output()));
    assert.match(ar.output(), /no importer will read the change queue again, so archive changes is done/);
    assert.match(ar.output(), /archive changes: \d+ segments? moved/);
    const moved = queueState(dir).segments.filter((g) => g.status === 'archived');
    assert.ok(moved.length >= 2, tail(ar.output()));
    for (const g of moved) assert.equal(statSync(g.archived_to!).size, g.committed_bytes, g.archived_to!);

    // ---- report and end
    const rep = await ok(['get', 'data-migration-report', '--export-dir', dir, '--output-format', 'json'], env);
    const rows = JSON.parse(rep.stdout) as { table_name: string; db_type: string; final_row_count: number }[];
    const customersOnTarget = rows.find((r) => r.table_name === `${s}.customers` && r.db_type === 'target');
    const realCount = (await target.sql(targetDb, `SELECT count(*)::int AS n FROM ${s}.customers`))[0].n;
    assert.equal(customersOnTarget?.final_row_count, realCount, JSON.stringify(customersOnTarget));
    await ok(['end', 'migration', '--export-dir', dir, '--backup-log-files', 'false', '--backup-data-files', 'false', '--backup-schema-files', 'false',
      '--save-migration-reports', 'false', '--yes'], env);
    await source.afterEnd?.();
  } catch (e) {
    (e as Error).message += `\n--- export data from source:\n${tail(ex?.output() ?? '')}\n--- import data to target:\n${tail(im?.output() ?? '')}\n--- archive changes:\n${tail(ar?.output() ?? '')}`;
    throw e;
  } finally {
    await Promise.all([ex?.kill('SIGKILL'), im?.kill('SIGKILL'), ar?.kill('SIGKILL')]);
  }
}
