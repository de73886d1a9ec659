import type { CutoverVerification } from './cutover-verification.js';
import { TandemError } from '../../core/errors.js';
import { carriedOut, isRunning, neededButStopped, type StreamingCommand } from '../streaming-commands.js';
import { DISABLE_TRIGGERS_KEY } from './write-guard-steps.js';
import type { MetaStore } from '../../core/meta-store.js';
import type { Reporter } from '../../core/reporter.js';
import { QueueConsumers } from '../../core/queue/queue-consumers.js';
import { readQueueState } from '../../core/queue/queue-tables.js';
import { engineFacts } from '../../adapters/engines.js';
import type { CommandEnv } from '../command-env.js';
import { FALL_BACK_WARNINGS_KEY, openMigration, sourceSide, TARGET_MAY_STREAM_KEY, TARGET_STREAM_PROBLEMS_KEY, targetSide } from '../migration-context.js';
import { SOURCE_GUARD_ACTIVE_KEY, SOURCE_WRITE_PROBLEMS_KEY, type SourceGuardActive, type SourceWriteProblems } from './source-write-check.js';
import { renderTable } from '../text-table.js';
import { LATE_WRITES_LOWER_BOUND, notCheckedSince, streamEndFinding } from './stream-cleanup.js';
import { CutoverState, type CutoverDirection, type CutoverRecord } from './cutover-state.js';
import { splitBuiltByImport } from '../snapshot-index-builds.js';
import { startOverHint, streamLost } from '../cdc/stream-lost.js';

function requireLiveMigration(meta: MetaStore): void {
  const type = meta.getValue<string>('export_type');
  if (type !== 'snapshot-and-changes' && type !== 'changes-only') {
    // An export dir that began as an offline export cannot become a live one (export data refuses):
    // the hint names a new one (measured before: it proposed a command refused in this one; the new-user run).
    // No export yet: this export dir can still become a live one (measured before: told to start
    // over in a new one, schema steps included; the new-user run).
    throw new TandemError('TANDEM_EXPORT_DIR', `Cutover applies to a live migration; this export dir holds ${type ? `an offline (${type}) export` : 'no live export'}.`, {
      hint: type
        ? 'Start a live migration in a new, empty export dir: tandem export schema, tandem import schema, then tandem export data from source --export-type snapshot-and-changes (see the README\'s live migration).'
        : 'Start the live migration in this export dir first: tandem export data from source --export-type snapshot-and-changes, with tandem import data to target beside it; initiate the cutover once both stream (see the README\'s live migration).',
    });
  }
}

/** Options of `tandem initiate cutover to target`. */
export interface CutoverToTargetOptions {
  readonly exportDir: string;
  /** `--prepare-for-fall-back`: keep the source in step with the target afterwards. */
  readonly prepareForFallBack: boolean;
}

/** `tandem initiate cutover to target [--prepare-for-fall-back true]`. */
export async function runInitiateCutoverToTarget(env: CommandEnv, options: CutoverToTargetOptions): Promise<void> {
  const { reporter } = env;
  const m = openMigration(env, options.exportDir, { create: false });
  try {
    requireLiveMigration(m.meta);
    if (m.meta.getValue<string>('cdc_phase') !== 'streaming') {
      throw new TandemError('TANDEM_EXPORT_DIR', 'The snapshot is still being exported; cutover is possible once changes are streaming.', {
        hint: 'Wait until "export data from source" shows its streaming metrics, then initiate the cutover.',
      });
    }
    const fallBack = options.prepareForFallBack;
    // What the fall-back will write the target's changes back into, from the registry: loading the
    // engine (its driver) would add to the application's downtime, which starts with this command.
    const source = fallBack ? engineFacts(m.meta.getDbConfig('source')?.type ?? 'postgresql') : undefined;
    // Looked at before the request: on a small database both processes can finish the whole cutover
    // and exit within milliseconds of it, and must not then be reported as "not running".
    const notRunning = commandsNotRunning(m.exportDir.metainfoDir, ['export data from source', 'import data to target']);
    if (CutoverState.get(m.meta, 'to_target').status === 'NOT_INITIATED') requireStreamNotLost(m.meta, 'source', m.exportDir.root);
    if (fallBack && CutoverState.get(m.meta, 'to_target').status === 'NOT_INITIATED') {
      requireSourceWritable(m.meta, m.exportDir.root);
      await requireTargetMayStream(env, m.meta);
    }
    const { created, record } = CutoverState.request(m.meta, 'to_target', fallBack);
    if (!created) {
      // Asked for a fall-back the cutover was not prepared for: an exit 0 would let a script go on
      // as if the source were kept in step. The choice cannot change once requested (the exporter
      // and the importer may already be acting on it).
      if (fallBack && !record.prepareForFallBack) {
        throw new TandemError('TANDEM_USAGE', `Cutover to target was already initiated at ${record.requestedAt} without --prepare-for-fall-back (status ${record.status}): it cannot be prepared for fall-back now, and nothing changed.`, {
          hint: 'The cutover goes on without a fall-back: after it, nothing keeps the source in step with the target. If a fall-back is needed, do not move the application to the target; start a new migration (a new export dir) and initiate its cutover with --prepare-for-fall-back true.',
        });
      }
      reporter.print(`Cutover to target was already initiated at ${record.requestedAt} (status ${record.status}); nothing changed.`);
      if (record.prepareForFallBack !== fallBack) reporter.warn(`it was initiated with --prepare-for-fall-back ${record.prepareForFallBack}; that setting stays.`);
      return;
    }
    reporter.print(`Cutover to target initiated${fallBack ? ' (prepared for fall-back)' : ''}.`);
    if (source) {
      const active = source.capabilities.writerSkipsTriggers ? undefined : m.meta.getValue<SourceGuardActive>(SOURCE_GUARD_ACTIVE_KEY);
      reporter.print(source.capabilities.writerSkipsTriggers
        ? 'No need to disable triggers or foreign keys on the source: Tandem writes the target\'s changes there with session_replication_role = replica, so they do not fire (its user must be allowed to set it: "import data to source" refuses to write otherwise, before anything is written), and it checks at the end that nothing was left disabled.'
        : active && active.what.length === 0
          ? `Nothing on the ${source.displayName} source acts on the target's changes written back to it (no trigger on the migrated tables), as "export data from source" last found at ${active.at}: nothing to switch off. "import data to source" looks again before its first write and before each commit, and waits if one has appeared.`
          : `What on the ${source.displayName} source would act on the target's changes written back to it must be switched off first (the spec's manual step): ${active ? `${active.what.join('; ')} (as "export data from source" last found at ${active.at})` : 'its triggers, and its foreign keys where the writer\'s own sessions cannot skip them'}. `
            + 'Before its first write, "import data to source" prints the script that switches them off (it drops a trigger where the database cannot disable one) and the script that puts them back as they were, and waits until a DBA has run the first '
            + '(or runs it itself when started with --disable-triggers-and-fks true, and the second at the cutover to source); at the cutover to source it checks that every one is back as it was.');
    }
    // What export data found that matters now that a fall-back is chosen (characters the source
    // cannot store, say): said again here, where the choice is made.
    if (fallBack) for (const w of m.meta.getValue<string[]>(FALL_BACK_WARNINGS_KEY) ?? []) reporter.warn(`when export data started: ${w}`);
    reporter.print('"export data from source" writes a marker after the last change and stops; "import data to target" applies everything up to it, restores sequences' +
      (fallBack ? ', starts the reverse stream on the target,' : '') + ' and completes the cutover.');
    warnNotRunning(reporter, notRunning, m.exportDir.root);
    const unloaded = snapshotNotImported(m.meta);
    if (unloaded) {
      reporter.warn(`the snapshot is not wholly imported into the target yet (${unloaded}): the cutover completes only once "import data to target" has loaded it and applied the changes after it, so the application waits that long.`);
    }
    // After the request: reading the schema files must not delay the cutover itself.
    const pending = await postSnapshotPending(m.meta, m.exportDir.schemaDir);
    if (pending) {
      reporter.warn(`"import schema --post-snapshot-import" has not run, so the target lacks part of the exported schema (${pending}). `
        + `Run it now (it can run while the cutover completes): tandem import schema --export-dir ${m.exportDir.root} --post-snapshot-import true`);
    }
    reporter.print(`Monitor it with: tandem cutover status --export-dir ${m.exportDir.root}`);
  } finally {
    m.close();
  }
}

/**
 * A fall-back writes the target's changes into the source: what the streaming exporter last found
 * would stop those writes (`SOURCE_WRITE_PROBLEMS_KEY`) refuses the cutover with fall-back, with
 * nothing changed, rather than being found by "import data to source" once the application writes
 * to the target.
 */
function requireSourceWritable(meta: MetaStore, exportDir: string): void {
  const problems = meta.getValue<SourceWriteProblems | null>(SOURCE_WRITE_PROBLEMS_KEY);
  if (!problems || problems.findings.length === 0) return;
  throw new TandemError('TANDEM_PREREQUISITE', `A fall-back could not write into the source: ${problems.findings.map((f) => f.message).join(' ')} `
    + `("export data from source" found it at ${problems.at}.) Nothing was changed.`, {
    // A finding's fix is the fix alone: the writer's "rerun the same import command" is not this command's (the new-user run).
    hint: `${problems.findings.map((f) => f.fix).join(' ')} "export data from source" looks again every minute (restart it to look at once: it resumes); once it no longer finds this, initiate the cutover again. `
      + `Or cut over without fall-back. Export dir: ${exportDir}`,
  });
}

/**
 * A cutover needs its exporter to queue the marker after the last change: with that exporter's
 * stream lost for good (its binlog purged, its slot dropped), no marker can come, and an initiated
 * cutover would wait for ever on a command told to "start again". Refused, with nothing changed.
 */
function requireStreamNotLost(meta: MetaStore, role: 'source' | 'target', exportDir: string): void {
  const lost = streamLost(meta, role);
  if (!lost) return;
  throw new TandemError('TANDEM_EXPORT_DIR', `The ${role}'s change stream stopped for good at ${lost.at} (${lost.message.replace(/\.$/, '')}): no cutover marker can come through it, so a cutover cannot complete. Nothing was changed.`, {
    hint: startOverHint(exportDir),
  });
}

/**
 * A cutover prepared for fall-back starts a change stream on the target: a target user who may not
 * stream (no REPLICATION attribute, tables it does not own for the publication) would stop the
 * cutover there, with the application already stopped. import data records what it finds when it
 * starts and again every minute while changes stream (`TARGET_MAY_STREAM_KEY`): with nothing
 * missing, nothing is asked here (a connection would add to the downtime). When something was, the
 * target is asked again (with the password from TARGET_DB_PASSWORD or the config file, never a
 * prompt: the grant may have been given since), and the cutover is refused, with nothing changed,
 * naming what is missing now (measured before: a REPLICATION granted since was still named instead
 * of a table's ownership lost; the grants run).
 */
async function requireTargetMayStream(env: CommandEnv, meta: MetaStore): Promise<void> {
  if (meta.getValue<boolean>(TARGET_MAY_STREAM_KEY) !== false) return;
  let now: string[] | undefined;
  let why = '';
  try {
    const target = await targetSide(env, meta, { prompt: false });
    const db = target.engine.targetDatabase(target.db, () => {});
    try {
      now = await db.streamProblems?.(meta.snapshotTables().map((t) => ({ schema: t.schemaName, name: t.tableName })));
    } finally {
      await db.close();
    }
  } catch (e) {
    why = ` (asking the target again failed: ${e instanceof Error ? e.message : String(e)})`;
  }
  if (now !== undefined) {
    meta.setValue(TARGET_MAY_STREAM_KEY, now.length === 0);
    meta.setValue(TARGET_STREAM_PROBLEMS_KEY, now);
    if (now.length === 0) return;
    throw new TandemError(problemsCode(now), `The target may not stream its changes for a fall-back: ${now.join(' ')} The cutover prepared for fall-back starts the target's change stream and would stop there, with the application stopped. Nothing was changed.`, {
      hint: 'Fix what is named above, then run this command again.',
    });
  }
  const problems = meta.getValue<string[]>(TARGET_STREAM_PROBLEMS_KEY) ?? [];
  throw new TandemError(problemsCode(problems), `The target may not stream its changes for a fall-back, as import data last found${why}: ${problems.join(' ')} The cutover prepared for fall-back starts the target's change stream and would stop there, with the application stopped. Nothing was changed.`, {
    hint: 'Fix what is named above, then run this command again with TARGET_DB_PASSWORD set (so that it can check), or restart import data to target (it checks when it starts).',
  });
}

/**
 * TANDEM_PRIVILEGE when every problem is the user's ("User … lacks", "User … neither owns"), else
 * TANDEM_PREREQUISITE (a server setting: wal_level, no free slot or WAL sender).
 */
function problemsCode(problems: readonly string[]): 'TANDEM_PRIVILEGE' | 'TANDEM_PREREQUISITE' {
  return problems.every((p) => p.startsWith('User ')) ? 'TANDEM_PRIVILEGE' : 'TANDEM_PREREQUISITE';
}

/**
 * While the snapshot is not wholly imported into the target: how much is ("120000 of 205497 rows");
 * undefined once import data has finished it. A cutover to target completes only after it.
 */
function snapshotNotImported(meta: MetaStore): string | undefined {
  if (meta.getStep('import_data').status === 'DONE') return undefined;
  const total = meta.snapshotTables().reduce((s, t) => s + t.exportedRows, 0);
  const loaded = meta.importBatches().reduce((s, b) => s + (b.imported ? b.rows : 0), 0);
  return `${loaded} of ${total} row(s) loaded`;
}

/**
 * What `import schema --post-snapshot-import` would still create, described ("2 trigger(s), 1
 * index(es)"), when `import schema` created the schema and the post-snapshot import has not run;
 * undefined when nothing is pending or Tandem did not create the schema. Indexes `import data`
 * built while loading are not pending; a materialized view is filled (refreshed) by it.
 */
async function postSnapshotPending(meta: MetaStore, schemaDir: string): Promise<string | undefined> {
  if (meta.getStep('import_schema').status !== 'DONE' || meta.getStep('import_schema_post_snapshot').status === 'DONE') return undefined;
  let statements: Awaited<ReturnType<typeof import('../schema/schema-statements-reader.js').readSchemaStatements>>;
  try {
    // Loaded here, after the request: the SQL parser it brings took 0.2 s to load, and the
    // application's downtime starts with this command.
    const { readSchemaStatements } = await import('../schema/schema-statements-reader.js');
    statements = await readSchemaStatements(schemaDir, { postSnapshot: true });
  } catch {
    return 'the objects of its post-snapshot files (they cannot be read now)';
  }
  const counts = new Map<string, number>();
  for (const st of splitBuiltByImport(meta, statements).rest) {
    const what = st.objectType === 'INDEX' ? 'index(es)' : st.objectType === 'TRIGGER' ? 'trigger(s)'
      : st.objectType === 'MVIEW' ? 'materialized view(s) left empty' : 'constraint(s) the source has not validated';
    counts.set(what, (counts.get(what) ?? 0) + 1);
  }
  return counts.size ? [...counts].map(([what, n]) => `${n} ${what}`).join(', ') : undefined;
}

/** `tandem initiate cutover to source`. */
export async function runInitiateCutoverToSource(env: CommandEnv, options: { readonly exportDir: string }): Promise<void> {
  const { reporter } = env;
  const m = openMigration(env, options.exportDir, { create: false });
  try {
    requireLiveMigration(m.meta);
    const toTarget = CutoverState.get(m.meta, 'to_target');
    if (toTarget.status !== 'COMPLETED' || !toTarget.prepareForFallBack) {
      throw new TandemError('TANDEM_EXPORT_DIR',
        toTarget.status !== 'COMPLETED' ? `Cutover to source needs a completed cutover to target (it is ${toTarget.status}).` : 'The cutover to target was not prepared for fall-back, so there is no stream back to the source.',
        { hint: toTarget.status === 'NOT_INITIATED' ? `Cut over to the target first: tandem initiate cutover to target --export-dir ${m.exportDir.root} --prepare-for-fall-back true (or check --export-dir).`
          : toTarget.status !== 'COMPLETED' ? 'Wait for "tandem cutover status" to show the cutover to target COMPLETED.' : 'Fall-back must be chosen at "initiate cutover to target --prepare-for-fall-back true".' });
    }
    const notRunning = commandsNotRunning(m.exportDir.metainfoDir, ['export data from target', 'import data to source']);
    if (CutoverState.get(m.meta, 'to_source').status === 'NOT_INITIATED') requireStreamNotLost(m.meta, 'target', m.exportDir.root);
    const { created, record } = CutoverState.request(m.meta, 'to_source', false);
    if (!created) {
      reporter.print(`Cutover to source was already initiated at ${record.requestedAt} (status ${record.status}); nothing changed.`);
      return;
    }
    reporter.print('Cutover to source initiated: "export data from target" writes a marker after the last change on the target; "import data to source" applies everything up to it, restores the source\'s sequences and completes.');
    warnNotRunning(reporter, notRunning, m.exportDir.root);
    reporter.print(`Monitor it with: tandem cutover status --export-dir ${m.exportDir.root}`);
  } finally {
    m.close();
  }
}

/** The commands of `commands` that no process carries out now (`carriedOut`, as cutover status asks). */
function commandsNotRunning(metainfoDir: string, commands: readonly StreamingCommand[]): StreamingCommand[] {
  return commands.filter((c) => !carriedOut(metainfoDir, c));
}

function warnNotRunning(reporter: Reporter, commands: readonly string[], exportDir: string): void {
  for (const c of commands) reporter.warn(`"${c}" is not running; start it (tandem ${c} --export-dir ${exportDir}) and it carries out the cutover.`);
}

/**
 * What a direction is waiting for while INITIATED, and whether that command runs now: a cutover
 * waits for ever on a command nobody restarted.
 */
function waitingFor(meta: MetaStore, metainfoDir: string, exportDir: string, r: CutoverRecord): { text: string; remaining?: number } {
  if (r.status !== 'INITIATED') return { text: '' };
  const [exporter, consumer] = r.direction === 'to_target' ? ['export data from source', 'target'] as const : ['export data from target', 'source'] as const;
  const lost = streamLost(meta, r.direction === 'to_target' ? 'source' : 'target');
  const stopped = (command: StreamingCommand) => (carriedOut(metainfoDir, command) ? ''
    : command === exporter && lost ? `; "${command}" stopped for good at ${lost.at} and cannot resume, so this cutover cannot complete: ${startOverHint(exportDir)}`
      : `; "${command}" is not running: start it (tandem ${command} --export-dir ${exportDir}) and it carries out the cutover`);
  const applied = QueueConsumers.appliedVsn(meta, consumer) ?? 0;
  // Events are counted after the snapshot: "1 event remaining" must not hide a snapshot not loaded.
  const unloaded = r.direction === 'to_target' ? snapshotNotImported(meta) : undefined;
  const snapshot = unloaded ? `; the snapshot is not wholly imported yet (${unloaded})` : '';
  if (r.markerVsn === undefined) {
    const queued = readQueueState(meta).lastVsn;
    // Set while the exporter cannot write the marker (a read-only source, say); a stopped exporter's is stale.
    const fails = typeof r.detail.markerWriteFails === 'string' && isRunning(metainfoDir, exporter) ? ` (it cannot yet: ${r.detail.markerWriteFails.replace(/\.$/, '')}; it tries again every 5 s)` : '';
    // The importer is needed too: both stopped are both named (measured before: only the exporter,
    // and a user who started it alone waited for a cutover that could not complete; the kill-mysql-49 run).
    const importer: StreamingCommand = r.direction === 'to_target' ? 'import data to target' : 'import data to source';
    const importerToo = carriedOut(metainfoDir, importer) ? '' : carriedOut(metainfoDir, exporter) ? stopped(importer)
      : `; "${importer}" is not running either: start it too (tandem ${importer} --export-dir ${exportDir}), it applies the queued events and completes the cutover`;
    return {
      text: `waiting for "${exporter}" to write the cutover marker${fails}; ${Math.max(0, queued - applied)} queued event(s) not yet applied${snapshot}${stopped(exporter)}${importerToo}`,
      remaining: Math.max(0, queued - applied),
    };
  }
  const remaining = Math.max(0, r.markerVsn - applied);
  const importer: StreamingCommand = r.direction === 'to_target' ? 'import data to target' : 'import data to source';
  // Set while the fall-back stream's creation waits for transactions open on the target
  // (prepareReverseStream); a stopped importer's is stale (the transaction may have ended since).
  const held = typeof r.detail.fallBackStreamWaitsFor === 'string' && isRunning(metainfoDir, importer) ? `: ${r.detail.fallBackStreamWaitsFor.replace(/\.$/, '')}` : '';
  const waiting = remaining > 0 ? `waiting for "${importer}": ${remaining} event(s) remaining before the marker${snapshot}` : `waiting for "${importer}" to finish the cutover${held}${snapshot}`;
  return { text: waiting + stopped(importer), remaining };
}

/** `tandem cutover status`. */
export async function runCutoverStatus(env: CommandEnv, options: { readonly exportDir: string; readonly outputFormat: 'table' | 'json' }): Promise<void> {
  const { reporter } = env;
  const m = openMigration(env, options.exportDir, { create: false });
  try {
    const rows = (['to_target', 'to_source'] as CutoverDirection[]).map((d) => {
      const r = CutoverState.get(m.meta, d);
      const w = waitingFor(m.meta, m.exportDir.metainfoDir, m.exportDir.root, r);
      return { r, w };
    });
    // After a completed cutover to target with fall-back, the fall-back stream must run until the
    // cutover to source: one that stopped (a missing privilege, a crash) leaves the source behind.
    const fallBackStopped = rows[0]!.r.status === 'COMPLETED' && rows[1]!.r.status === 'NOT_INITIATED'
      ? neededButStopped(m.meta, m.exportDir.metainfoDir) : [];
    if (options.outputFormat === 'json') {
      reporter.print(JSON.stringify(rows.map(({ r, w }) => ({
        direction: r.direction === 'to_target' ? 'cutover to target' : 'cutover to source', status: r.status,
        requested_at: r.requestedAt ?? null, completed_at: r.completedAt ?? null, prepare_for_fall_back: r.prepareForFallBack,
        waiting_for: w.text || null, remaining_events: w.remaining ?? null, detail: r.detail,
        ...(r.direction === 'to_source' && fallBackStopped.length > 0 ? { fall_back_not_running: fallBackStopped } : {}),
      })), null, 2));
      return;
    }
    reporter.print(renderTable(['CUTOVER', 'STATUS', 'REQUESTED AT', 'COMPLETED AT'], rows.map(({ r }) => [
      r.direction === 'to_target' ? `cutover to target${r.prepareForFallBack ? ' (fall-back prepared)' : ''}` : 'cutover to source',
      r.status, r.requestedAt ?? '-', r.completedAt ?? '-'])));
    for (const { r, w } of rows) {
      const label = r.direction === 'to_target' ? 'Cutover to target' : 'Cutover to source';
      if (w.text) reporter.print(`${label}: ${w.text}.`);
      // With fall-back, the source's exporter carries on as "import data to source" once it wrote the
      // marker: one killed then was named only after the cutover completed (the kill-pg-48 run).
      if (r.direction === 'to_target' && r.status === 'INITIATED' && r.prepareForFallBack && r.markerVsn !== undefined
        && !carriedOut(m.exportDir.metainfoDir, 'import data to source')) {
        reporter.print(`${label}: "import data to source" (what "export data from source" became at the marker) is not running: start it (tandem import data to source --export-dir ${m.exportDir.root}) so that the target's changes reach the source once the cutover completes.`);
      }
      const v = r.detail.verification as CutoverVerification | undefined;
      // The verification ran when the cutover completed: writes after the marker may postdate it.
      // Only writes counted are "the writes below" (the fix-verify run: said beside "no write … was counted").
      const late = streamEndFinding(r.detail);
      const atMarker = late ? ` (when the cutover completed; ${late.counted ? 'the writes below were not migrated' : 'a write after it, if one came, would not be in it'})` : '';
      // Tables matched early and unchanged through the stream since were not scanned again: a write
      // that bypassed the stream there is not seen (the mysql-fidelity run read "MATCH for every table").
      const ranges = v?.earlyByRanges ? `${v.earlyUnchanged ? '; ' : ' ('}${v.earlyByRanges} matched before the marker and ${v.earlyByRanges === 1 ? 'was' : 'were'} read again only in the key ranges the stream changed since` : '';
      const early = v?.earlyUnchanged || v?.earlyByRanges
        ? `${v.earlyUnchanged ? ` (${v.earlyUnchanged} of them matched before the marker and were not scanned again, having no change in the stream since` : ''}${ranges}: "tandem compare" scans every table)` : '';
      if (v?.verified) reporter.print(`${label}: verification${atMarker} ${v.match ? `MATCH for every table${early}` : `MISMATCH in ${v.mismatched?.length} table(s): ${(v.mismatchedSaid ?? v.mismatched)?.join(', ')}`}${v.unreadable?.length ? ` (and ${v.unreadable.length} table(s) could not be read: ${v.unreadable.join(', ')})` : ''}.`);
      else if (v) reporter.print(`${label}: not verified (${v.reason}); run tandem compare.`);
      const ended = streamEndFinding(r.detail);
      if (ended?.counted) {
        reporter.print(`${label}: WARNING: writes arrived after the marker and were not migrated: ${ended.text} (${LATE_WRITES_LOWER_BOUND}); change stream kept: ${String(r.detail.keptSlot)}. `
          + `The two sides differ by these writes and any later ones: run "tandem compare --export-dir ${m.exportDir.root}" to see where.`);
      } else if (ended) {
        // None counted: the stream was kept for a doubt (measured before: "writes arrived … none found … The two sides differ by these writes"; the mysql-hostile run).
        reporter.print(`${label}: WARNING: no write after the marker was counted, but the change stream was kept when it ended: ${ended.text}; change stream kept: ${String(r.detail.keptSlot)}. `
          + `Run "tandem compare --export-dir ${m.exportDir.root}" to check the two sides.`);
      }
      if (typeof r.detail.notCheckedAfter === 'string') {
        reporter.print(`${label}: WARNING: ${notCheckedSince(r.detail.notCheckedAfter)}. `
          + `Run "tandem compare --export-dir ${m.exportDir.root}" to check the two sides.`);
      }
      if (r.direction === 'to_source' && fallBackStopped.length > 0) {
        reporter.print(`WARNING: the fall-back stream is not running: ${fallBackStopped.map((c) => `"${c}"`).join(' and ')} stopped, so changes made on the target are not reaching the source. `
          + `Start ${fallBackStopped.length > 1 ? 'each' : 'it'} again (${fallBackStopped.map((c) => `tandem ${c} --export-dir ${m.exportDir.root}`).join('; ')}): it resumes where it stopped; its log in ${m.exportDir.logsDir} says why it stopped.`);
      }
      if (Array.isArray(r.detail.disabledOnSource) && r.detail.disabledOnSource.length) reporter.print(`${label}: disabled or missing on the source when the cutover completed (not checked since; put them back as "import data to source" printed, or as they were): ${(r.detail.disabledOnSource as string[]).join('; ')}.`);
    }
  } finally {
    m.close();
  }
}

/**
 * What to do when a fall-back command meets a migration whose cutover to target has no fall-back
 * (yet). Before any cutover, `command` is started by another one: the target's exporter by import
 * data to target, the source's importer by export data from source, once the cutover completes.
 */
function fallBackHint(toTarget: { readonly status: string; readonly prepareForFallBack?: boolean }, command: 'export data from target' | 'import data to source', exportDir: string): string {
  if (toTarget.status === 'NOT_INITIATED') {
    const startedBy = command === 'export data from target' ? 'import data to target' : 'export data from source';
    return `If ${exportDir} is the migration you mean: no cutover to target has been initiated in it yet; "tandem initiate cutover to target --prepare-for-fall-back true" starts it, and "${startedBy}" then goes on as "${command}" by itself. Otherwise check --export-dir.`;
  }
  if (toTarget.prepareForFallBack) return 'Wait for "tandem cutover status" to show the cutover to target COMPLETED: import data to target then starts the fall-back stream itself.';
  // The choice is made once, at initiate cutover to target, and stays.
  return 'This migration\'s cutover to target was initiated without --prepare-for-fall-back, which cannot be changed afterwards: there is no fall-back in this migration. To keep the source in step, start a new migration (with --prepare-for-fall-back true at its cutover).';
}

/** `tandem export data from target` (restart of the fall-back stream). */
export async function runExportDataFromTarget(env: CommandEnv, options: { readonly exportDir: string }): Promise<void> {
  const m = openMigration(env, options.exportDir, { create: false });
  try {
    const toTarget = CutoverState.get(m.meta, 'to_target');
    if (toTarget.status !== 'COMPLETED' || !toTarget.prepareForFallBack) {
      throw new TandemError('TANDEM_EXPORT_DIR', 'export data from target runs only after a cutover to target prepared for fall-back has completed.', {
        hint: fallBackHint(toTarget, 'export data from target', m.exportDir.root),
      });
    }
    const target = await targetSide(env, m.meta);
    const { exportChangesFromTarget } = await import('./target-cutover.js');
    await exportChangesFromTarget(env, m, target);
  } finally {
    m.close();
  }
}

/** Options of `tandem import data to source`. */
export interface ImportDataToSourceOptions {
  readonly exportDir: string;
  /** `--parallel-jobs`: channels (fixed at the first run) and the verification's connections. */
  readonly parallelJobs: number;
  /** `--parallel-jobs` was given: said when the kept channel count differs from it. */
  readonly parallelJobsGiven?: boolean;
  /** `--disable-triggers-and-fks`: see `SourceImportOptions`. */
  readonly disableTriggersAndFks?: boolean;
}

/** `tandem import data to source` (restart of the fall-back importer). */
export async function runImportDataToSource(env: CommandEnv, options: ImportDataToSourceOptions): Promise<void> {
  const m = openMigration(env, options.exportDir, { create: false });
  try {
    const toTarget = CutoverState.get(m.meta, 'to_target');
    if (toTarget.status === 'NOT_INITIATED' || !toTarget.prepareForFallBack) {
      throw new TandemError('TANDEM_EXPORT_DIR', 'import data to source runs only in a migration whose cutover to target was initiated with --prepare-for-fall-back true.', {
        hint: fallBackHint(toTarget, 'import data to source', m.exportDir.root),
      });
    }
    const source = await sourceSide(env, m.meta);
    // It also ends the source's stream if the exporter died before it could.
    const { importChangesToSource } = await import('./source-importer.js');
    // The flag left out: the consent export data (or an earlier run) recorded, so that a restart as
    // "cutover status" prints it does as the run it replaces (measured before: it waited for a DBA
    // to run the trigger script instead; the fix-verify-49 run). Given: recorded for later runs.
    if (options.disableTriggersAndFks !== undefined) m.meta.setValue(DISABLE_TRIGGERS_KEY, options.disableTriggersAndFks);
    const consent = options.disableTriggersAndFks ?? m.meta.getValue<boolean>(DISABLE_TRIGGERS_KEY) ?? false;
    await importChangesToSource(env, m, source, { parallelJobs: options.parallelJobs, ...(options.parallelJobsGiven ? { parallelJobsGiven: true } : {}), disableTriggersAndFks: consent, checkConnectionFirst: true });
  } finally {
    m.close();
  }
}
