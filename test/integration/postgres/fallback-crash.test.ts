/**
 * The crash test of the fall-back workflow: the application writes to whichever database is live,
 * and both long-running processes are killed with SIGKILL at seeded random moments in every phase
 * (streaming before the marker, applying up to the marker, right after the cutover to target
 * completes while the reverse stream starts, during the fall-back stream, during the cutover to
 * source). Each is restarted with the command of its current role, as a user would. At the end both
 * databases hold the same rows (ordered checksum per table) and the sequences work on each side
 * after its cutover. Throughout, `archive changes` moves applied queue segments (8 KiB each here)
 * out of the export dir and is killed at random too: no process may ever need a segment it moved.
 * The seed is printed; FALLBACK_CRASH_SEED=<n> replays a run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PgServer } from '../../helpers/pg-server.js';
import { startTandem, tail, sleep, eventually, type TandemProcess } from '../../helpers/live-process.js';
import { sourceAndTargetServers, SampleMigration, slotsOf, insertWithSequences, runApp, waitCompleted, seeded } from '../../helpers/fallback-kit.js';

const SEED = Number(process.env.FALLBACK_CRASH_SEED ?? 424242);
let s: PgServer;
let t: PgServer;

sourceAndTargetServers((source, target) => {
  s = source;
  t = target;
});

test(`fall-back workflow survives SIGKILL of both processes in every phase (seed ${SEED})`, { timeout: 240_000 }, async () => {
  console.log(`fallback-crash seed: ${SEED} (FALLBACK_CRASH_SEED=${SEED} replays it)`);
  const rnd = seeded(SEED);
  const between = (a: number, b: number) => a + Math.floor(rnd() * (b - a));
  const m = new SampleMigration(s, 'shopdb', t, 'yb');
  // Small queue segments, so that there are many to archive while everything runs.
  Object.assign(m.env, { TANDEM_QUEUE_SEGMENT_BYTES: '8192' });
  const archiveDir = mkdtempSync(join(tmpdir(), 'tandem-fallback-archive-'));
  await m.createDatabases();
  await m.schema();
  const log: string[] = [];
  const started = Date.now();
  const note = (what: string) => log.push(`${((Date.now() - started) / 1000).toFixed(1)}s ${what}`);

  /** One long-running process and the command of its current role. */
  interface Role { name: string; proc: TandemProcess; kills: number; runs: TandemProcess[]; command(): Promise<string[]> }
  const exporter: Role = {
    name: 'E', kills: 0, runs: [], proc: undefined as unknown as TandemProcess,
    // "export data from source" says when it has become "import data to source".
    async command() {
      return this.runs.some((p) => /continues as "import data to source"/.test(p.output()) || p.args[0] === 'import')
        ? ['import', 'data', 'to', 'source', '--export-dir', m.dir] : m.exportArgs();
    },
  };
  const importer: Role = {
    name: 'I', kills: 0, runs: [], proc: undefined as unknown as TandemProcess,
    // After the cutover to target has completed, its role is "export data from target".
    async command() {
      return (await m.statusOf('cutover to target')).status === 'COMPLETED' ? ['export', 'data', 'from', 'target', '--export-dir', m.dir] : m.importArgs();
    },
  };
  const archiver: Role = {
    name: 'A', kills: 0, runs: [], proc: undefined as unknown as TandemProcess,
    async command() { return ['archive', 'changes', '--export-dir', m.dir, '--move-to', archiveDir]; },
  };
  const start = async (r: Role) => {
    const args = await r.command();
    r.proc = startTandem(args, m.env);
    r.runs.push(r.proc);
    note(`${r.name} started: ${args.slice(0, 4).join(' ')}`);
  };
  /** SIGKILL now (a process that already finished cleanly is left alone; one that failed fails the test). */
  const kill = async (r: Role, phase: string) => {
    if (r.proc.exited()) {
      const code = await r.proc.done;
      if (code !== 0) throw new Error(`${r.name} (${r.proc.args.slice(0, 4).join(' ')}) exited with ${code}:\n${tail(r.proc.output())}`);
      note(`${r.name} had already finished (${phase})`);
      return false;
    }
    await r.proc.kill('SIGKILL');
    r.kills++;
    note(`${r.name} SIGKILL #${r.kills} (${phase})`);
    return true;
  };
  const crash = async (r: Role, phase: string, delayMs: number) => {
    await sleep(delayMs);
    if (await kill(r, phase)) {
      await sleep(between(50, 400));
      await start(r);
    }
  };

  let srcApp: ReturnType<typeof runApp> | undefined;
  let tgtApp: ReturnType<typeof runApp> | undefined;
  try {
    await start(exporter);
    await start(importer);
    await exporter.proc.waitFor(/Streaming changes/, 60_000);
    await start(archiver);

    // 1. Streaming, before the marker: the application writes to the source.
    srcApp = runApp(s, 'shopdb', SEED, 'src', 3);
    await m.ok(['import', 'schema', ...m.TF, '--post-snapshot-import', 'true']);
    for (let i = 0; i < 2; i++) {
      await crash(exporter, 'streaming', between(300, 1500));
      await crash(importer, 'streaming', between(300, 1500));
    }
    await crash(archiver, 'streaming', between(0, 500));

    // 2. Applying up to the marker: the importer is down while a backlog builds, then the cutover.
    await sleep(between(200, 800));
    await kill(importer, 'before the cutover');
    await sleep(1500);
    const srcStats = await srcApp.stop();
    srcApp = undefined;
    assert.equal(srcStats.errors, 0, `application errors on the source: ${srcStats.lastError}`);
    note(`source application: ${srcStats.transactions} transactions`);
    await m.ok(['initiate', 'cutover', 'to', 'target', '--prepare-for-fall-back', 'true']);
    note('cutover to target initiated');
    await start(importer);
    await Promise.all([
      crash(importer, 'applying up to the marker', between(300, 1200)),
      crash(exporter, 'at the marker', between(0, 1500)),
    ]);

    // 3. Right after COMPLETED, while the reverse stream starts. (A kill just after COMPLETED means the
    // importer was already restarted as "export data from target", which only prints its streaming line.)
    await importer.proc.waitFor(/Restored \d+ sequence\(s\) on the target|Cutover to target COMPLETED|continues as "export data from target"|Streaming changes from the target/, 90_000);
    await crash(importer, 'completing the cutover to target', between(0, 400));
    await waitCompleted(m, 'cutover to target', [importer.proc, exporter.proc]);
    note('cutover to target COMPLETED');
    assert.equal(await m.diff(), '', 'every table equal at the cutover to target');
    const toTarget = await m.statusOf('cutover to target');
    assert.equal(toTarget.detail.verification?.match, true, JSON.stringify(toTarget.detail));
    // "import data to source" ends the source's stream right after COMPLETED (it may be restarting).
    await eventually(async () => ((await slotsOf(s, 'shopdb')).length === 0 ? true : 'the source slot is still there'), 60_000, 50);
    await insertWithSequences(t, 'yb', 'after-cutover-to-target');
    tgtApp = runApp(t, 'yb', SEED + 1, 'tgt', 3);
    await crash(importer, 'reverse stream starting', between(0, 800));

    // 4. The fall-back stream: the application writes to the target.
    for (let i = 0; i < 2; i++) {
      await crash(exporter, 'fall-back stream', between(300, 1500));
      await crash(importer, 'fall-back stream', between(300, 1500));
    }
    await crash(archiver, 'fall-back stream', between(0, 500));
    await sleep(between(300, 1000));
    const tgtStats = await tgtApp.stop();
    tgtApp = undefined;
    assert.equal(tgtStats.errors, 0, `application errors on the target (sequences must not collide): ${tgtStats.lastError}`);
    note(`target application: ${tgtStats.transactions} transactions`);

    // 5. Cutover to source.
    await m.ok(['initiate', 'cutover', 'to', 'source']);
    note('cutover to source initiated');
    await Promise.all([
      crash(importer, 'cutover to source', between(0, 1000)),
      crash(exporter, 'cutover to source', between(200, 1500)),
    ]);
    await waitCompleted(m, 'cutover to source', [importer.proc, exporter.proc], 120_000);
    note('cutover to source COMPLETED');
    for (const r of [exporter, importer]) {
      await eventually(async () => (r.proc.exited() ? true : `${r.name} still running`), 30_000, 200);
      assert.equal(await r.proc.done, 0, `${r.name}:\n${tail(r.proc.output())}`);
    }

    assert.equal(await m.diff(), '', 'every table equal at the end');
    const toSource = await m.statusOf('cutover to source');
    assert.equal(toSource.detail.verification?.match, true, JSON.stringify(toSource.detail));
    assert.deepEqual(await slotsOf(s), [], 'no slot left on the source');
    assert.deepEqual(await slotsOf(t), [], 'no slot left on the target');
    await insertWithSequences(s, 'shopdb', 'after-cutover-to-source');
    // The archiver ends by itself once both cutovers have completed; it moved segments all along,
    // while the others were killed.
    await eventually(async () => (archiver.proc.exited() ? true : 'archive changes still running'), 30_000, 200);
    assert.equal(await archiver.proc.done, 0, tail(archiver.proc.output()));
    assert.match(archiver.proc.output(), /no importer will read the change queue again, so archive changes is done/);
    const moved = readdirSync(archiveDir, { recursive: true }).map(String).filter((f) => f.endsWith('.ndjson'));
    assert.ok(moved.length >= 3, `archive changes moved segments: ${moved.length}`);
    assert.ok(exporter.kills >= 5 && importer.kills >= 5, `each process killed at least 5 times: E ${exporter.kills}, I ${importer.kills}`);
    console.log(`fallback-crash seed ${SEED}: E killed ${exporter.kills}x, I killed ${importer.kills}x, A killed ${archiver.kills}x; ${moved.length} segments archived\n  ${log.join('\n  ')}`);
  } catch (e) {
    (e as Error).message += `\nseed ${SEED}\n  ${log.join('\n  ')}\n--- last E run:\n${tail(exporter.proc?.output() ?? '')}\n--- last I run:\n${tail(importer.proc?.output() ?? '')}\n--- last A run:\n${tail(archiver.proc?.output() ?? '')}`;
    throw e;
  } finally {
    await Promise.all([srcApp?.stop(), tgtApp?.stop()]);
    await Promise.all([exporter.proc?.kill('SIGKILL'), importer.proc?.kill('SIGKILL'), archiver.proc?.kill('SIGKILL')]);
    rmSync(archiveDir, { recursive: true, force: true });
  }
});
