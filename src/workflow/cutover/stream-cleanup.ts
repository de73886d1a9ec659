import { describeChangeCounts, type ChangeCapture, type ChangeCounts, type WriteHold } from '../../core/engine/change-capture.js';
import type { TableRef } from '../../core/engine/catalog.js';
import { log } from '../../core/logger.js';
import type { CommandEnv } from '../command-env.js';
import { targetSide, type Migration, type Side } from '../migration-context.js';
import { EXPORTER_ROLES, type ExporterRole } from '../cdc/stream-exporter.js';
import { CutoverState } from './cutover-state.js';
import { isTandemError } from '../../core/errors.js';
import { failpointDelay } from '../../core/failpoint.js';

/**
 * After a cutover marker, ends one side's change stream: if the stream holds row changes committed
 * after the marker (someone kept writing after the cutover was initiated), they are reported by
 * table and count, recorded in the cutover's status, and the stream is KEPT so nothing is lost
 * silently; otherwise its objects are dropped so it cannot fill the database's disk. Returns the
 * writes after the marker by table and count (undefined when there were none, or the stream was
 * already ended by an earlier run). Where the engine can (`holdWrites`), writes to the tables wait
 * from before the look until after `whileHeld` (which records the cutover COMPLETED) has run, so
 * that every write committed before COMPLETED is either applied, or in the kept stream and reported.
 * `whileHeld` runs once the stream is dropped or kept; not when there was no stream to end.
 */
export async function endChangeStream(env: CommandEnv, migration: Migration, { db, engine }: Side, side: ExporterRole,
  whileHeld?: () => void): Promise<string | undefined> {
  const { reporter } = env;
  const { meta, uuid } = migration;
  const r = EXPORTER_ROLES[side];
  if (meta.getValue(r.replicationKey) === undefined) return undefined;
  const capture = engine.changeCapture(db, { id: uuid, side });
  if (!(await capture.exists())) return undefined; // dropped by an earlier run
  // With fall-back, the source's stream kept when it ended (writes after the marker, a transaction
  // still open) is not counted again by a rerun: the fall-back's own writes to the source, after the
  // marker too, would count as the application's. What was found then is said again.
  const noted = CutoverState.get(meta, r.direction).detail;
  if (side === 'source' && CutoverState.get(meta, 'to_target').prepareForFallBack && typeof noted.keptSlot === 'string' && noted.keptSlot.startsWith('source:')) {
    const found = String(noted.writesAfterMarker);
    reporter.warn(`the source's change stream (${capture.labels.stream}) was kept when it ended (found then: ${found}); it is not counted again, as the fall-back's own writes to the source would count. Inspect it, then drop it: ${capture.labels.dropAll}`);
    return found;
  }
  const tables = meta.snapshotTables().map((t) => ({ schema: t.schemaName, name: t.tableName }));
  // Writes to the tables wait from here until the stream is ended (and `whileHeld` has recorded the
  // cutover): one committed between the look below and the drop would be in neither the stream nor
  // the report (measured before: a write 20 ms before COMPLETED was lost unsaid, 2 times in 3).
  // Always tried: skipped while any transaction was open in the database (which keeps the stream),
  // one that ended before the look below left the drop without a hold (found by the cutover-hold
  // run). A transaction holding a migrated table for longer than the timeout fails it: the stream is
  // then kept, and that transaction named.
  let hold: WriteHold | undefined;
  let holdFailed: string | undefined;
  if (capture.holdWrites) {
    try {
      hold = await capture.holdWrites(tables, WRITE_HOLD_TIMEOUT_MS);
    } catch (e) {
      holdFailed = String((e as Error).message).split('\n')[0];
    }
  }
  try {
    return await lookAndEnd({ env, meta, side, capture, tables, markerPosition: meta.getValue<string>(r.markerPositionKey), direction: r.direction, engine, ...(whileHeld && { whileHeld }), ...(holdFailed !== undefined && { holdFailed }) });
  } finally {
    await hold?.release().catch((e) => log.warn(`releasing the write hold on the ${side}: ${(e as Error).message}`));
  }
}

/**
 * The look for writes after the marker and open transactions, then the stream kept (and what was
 * found reported) or dropped; `whileHeld` runs last, in both cases.
 */
async function lookAndEnd(c: {
  env: CommandEnv; meta: Migration['meta']; side: ExporterRole; capture: ChangeCapture; tables: readonly TableRef[];
  markerPosition: string | undefined; direction: 'to_target' | 'to_source'; engine: Side['engine']; whileHeld?: () => void;
  /** Why writes could not be held: the stream is kept even when nothing is found. */
  holdFailed?: string;
}): Promise<string | undefined> {
  const { reporter } = c.env;
  const { meta, side, capture, tables, engine, whileHeld } = c;
  // A transaction still open (a long one, or one prepared for two-phase commit) commits after the
  // check: its writes would reach the stream once it was gone. It keeps the stream too. Looked for
  // BEFORE the writes after the marker are counted: one that commits between the two looks is then
  // counted (the other order would miss it). When they cannot be looked for (a privilege missing),
  // one may be open: the stream is kept too.
  const { open, unknown } = (await capture.openWriters?.()) ?? { open: [] };
  const pending = await capture.changesAfter(c.markerPosition, tables);
  if (pending.size > 0 || open.length > 0 || unknown !== undefined || c.holdFailed !== undefined) {
    const heldText = c.holdFailed !== undefined && pending.size === 0 && open.length === 0 && unknown === undefined
      ? `none found, but writes to the tables could not be held while the stream ended (${c.holdFailed}): one committed meanwhile would be in the stream only` : '';
    const openText = open.length > 0 ? `transactions open on the ${side} when its change stream ended (what they commit is NOT migrated): ${open.join(', ')}` : '';
    const unknownText = unknown !== undefined ? `transactions still open on the ${side} could not be looked for (${unknown}); the writes of one that commits now are NOT migrated` : '';
    const missed = pending.size > 0 && capture.changesAfterMiss ? ` (${capture.changesAfterMiss})` : '';
    const what = [pending.size > 0 ? `${describeChangeCounts(pending)}${missed}` : '', openText, unknownText, heldText].filter((x) => x).join('; ');
    CutoverState.note(meta, c.direction, { writesAfterMarker: what, writesCounted: pending.size > 0, keptSlot: `${side}:${capture.labels.name}` });
    if (pending.size > 0) reporter.warn(`the ${side} received writes AFTER the cutover marker; they are NOT migrated: ${describeChangeCounts(pending)}${missed} (${LATE_WRITES_LOWER_BOUND}).${lateInsertsCollide(pending, side, CutoverState.get(meta, 'to_target').prepareForFallBack === true)}`);
    if (open.length > 0) reporter.warn(`${openText.charAt(0).toUpperCase()}${openText.slice(1)}. End them (commit or roll back, prepared ones too); what they commit stays in the stream.`);
    if (unknownText) reporter.warn(`${unknownText.charAt(0).toUpperCase()}${unknownText.slice(1)}.`);
    if (heldText) reporter.warn(`No write after the cutover marker was found on the ${side}, but writes to the migrated tables could not be held while its stream ended (${c.holdFailed}): a write committed meanwhile would be in the stream only.`);
    // Where the stream holds the changes for Tandem (a slot), they can be read from it; where the
    // server keeps nothing for Tandem (MySQL's binlog expires on its own schedule), only the marker
    // rows are kept: those writes must be carried over by hand.
    reporter.warn(engine.capabilities.acknowledgesPositions
      ? `the ${side}'s ${capture.labels.stream} is kept so nothing is lost; inspect it, then drop it: ${capture.labels.dropAll}`
      : `the ${side}'s ${capture.labels.stream} (its marker rows) is kept, to show where the writes above start; the ${side} keeps no change for Tandem, and no Tandem command applies them: carry them over by hand, then drop it: ${capture.labels.dropAll}`);
    whileHeld?.();
    return what;
  }
  await failpointDelay('stream.before-drop');
  // Noted before the drop: a run that stops between the drop and `whileHeld` (COMPLETED) leaves no
  // stream for its rerun to look in, and the rerun says so (measured before: it said nothing and
  // "the application can write to the source again"; the kill-pg-50 run).
  CutoverState.note(meta, c.direction, { streamDroppedAt: new Date().toISOString() });
  await capture.drop();
  reporter.print(`Dropped ${capture.labels.objects} on the ${side}.`);
  whileHeld?.();
  return undefined;
}

/** What a count of writes after a marker is (measured before: "1 insert" read as the whole damage, where 30 transactions were missing; the new-user run). */
export const LATE_WRITES_LOWER_BOUND = 'at least: counted when the stream ended, now; writes after that are neither migrated nor counted; "tandem compare" shows every difference';

/**
 * What the end of a side's stream recorded, for a cutover's last line and its status (undefined:
 * nothing): the writes after the marker it counted, or why it was kept without any (a transaction
 * still open, writes that could not be held). Records before `writesCounted` are taken as counts.
 */
export function streamEndFinding(detail: Readonly<Record<string, unknown>>): { readonly counted: boolean; readonly text: string } | undefined {
  if (detail.writesAfterMarker === undefined) return undefined;
  return { counted: detail.writesCounted !== false, text: String(detail.writesAfterMarker) };
}

/** How long ending a stream waits to block writes to its tables (a writer's open transaction holds them). */
const WRITE_HOLD_TIMEOUT_MS = 5_000;

/**
 * With fall-back, a row inserted on the source after the marker may hold a key value the target's
 * identity or sequence (set past the migrated rows at the cutover) hands out next: the fall-back
 * then stops at the target's row with a duplicate key. Said beside the late writes, before it happens.
 */
export function lateInsertsCollide(pending: ChangeCounts, side: ExporterRole, fallBack: boolean): string {
  if (side !== 'source' || !fallBack) return '';
  const inserted = [...pending].filter(([, c]) => c.inserts > 0).map(([t]) => t);
  if (inserted.length === 0) return '';
  return ` A row inserted there may hold a key that a new row on the target gets too (from the target's identity or sequence, or chosen by the application) (${inserted.join(', ')}): import data to source would then stop at the target's row with a duplicate key. Delete such rows on the source (their data is in the stream kept below), or move them to the target yourself, before the application writes to the target.`;
}

/**
 * What a cutover to source says when a run killed between the drop of the target's stream (at `at`)
 * and COMPLETED left its rerun no stream to look in (`endTargetStream`, `cutover status`, a rerun).
 */
export function notCheckedSince(at: string): string {
  return `the target was NOT checked for writes made on it after ${at}: an earlier run dropped the target's change stream at ${at}, after it had found no write after the cutover marker, `
    + 'and stopped before it recorded the cutover: writes made on the target since then were not looked for, and no stream keeps them';
}

/** What ending the target's stream at the cutover to source found. */
export type TargetStreamEnd =
  | { readonly checked: true; readonly writesAfterMarker?: string }
  | { readonly checked: false; readonly reason: string };

/**
 * Ends the target's (fall-back) change stream from `import data to source`, once every change up to
 * the cutover-to-source marker is applied to the source and before the cutover is COMPLETED: the
 * writes the application made on the target after the marker, until now, are counted, and
 * `cutover status` shows them together with COMPLETED. Never prompts (the application waits): when
 * the target cannot be reached (no password given to this command, say), the stream is left as it
 * is, kept, and a rerun of `export data from target` ends it.
 */
export async function endTargetStream(env: CommandEnv, migration: Migration, complete?: () => void): Promise<TargetStreamEnd> {
  // `complete` (recording COMPLETED) runs exactly once: while the target's writes are held if the
  // stream is ended, else right after.
  let completed = false;
  const completeOnce = () => {
    if (completed || !complete) return;
    completed = true;
    complete();
  };
  try {
    const target = await targetSide(env, migration.meta, { prompt: false });
    const before = CutoverState.get(migration.meta, 'to_source');
    const writesAfterMarker = await endChangeStream(env, migration, target, 'target', completeOnce);
    const droppedAt = before.detail.streamDroppedAt;
    // No stream was left to end (completeOnce not run by it) though one was dropped before: an earlier
    // run dropped it, then stopped before it recorded the cutover.
    if (!completed && before.status !== 'COMPLETED' && typeof droppedAt === 'string') {
      const at = `${droppedAt.replace('T', ' ').replace(/(\.\d+)?Z$/, '')} UTC`;
      // Recorded for cutover status and later runs (fix-verify-50b: a second rerun said only "already COMPLETED").
      CutoverState.note(migration.meta, 'to_source', { notCheckedAfter: at });
      completeOnce();
      env.reporter.warn(`${notCheckedSince(at)}. The verification above compared every table as it was then; "tandem compare --export-dir ${migration.exportDir.root}" shows any difference now.`);
      return { checked: false, reason: notCheckedSince(at) };
    }
    completeOnce();
    return { checked: true, writesAfterMarker };
  } catch (e) {
    if (completed) throw e; // completing failed, or releasing the hold after it: not the check
    completeOnce();
    const reason = isTandemError(e) ? e.message : (e as Error).message;
    env.reporter.warn(`the target's change stream was NOT checked for writes made on the target after the cutover marker, and is kept (${reason}). `
      + `Run "tandem export data from target --export-dir ${migration.exportDir.root}" with the target's password: it reports any such writes, and drops the stream when there are none.`);
    return { checked: false, reason };
  }
}
