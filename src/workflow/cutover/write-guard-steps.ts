import { log } from '../../core/logger.js';
import { isTandemError } from '../../core/errors.js';
import type { Reporter } from '../../core/reporter.js';
import type { PrerequisiteFinding, TableRef } from '../../core/engine/catalog.js';
import type { GuardState, WriteGuard } from '../../core/engine/write-guard.js';
import { sleep } from '../../core/sleep.js';
import type { Migration, Side } from '../migration-context.js';

/**
 * The spec's manual fall-back step (disable the source's triggers and foreign keys before the
 * target's changes are written back, enable them again after the cutover to source), made checkable
 * for a source whose change writer cannot skip them (`EngineCapabilities.writerSkipsTriggers` false)
 * through the engine's `WriteGuard`. Engine-neutral: Oracle and MySQL use the same steps.
 *
 * - When the live export starts, the state of the triggers and keys is recorded as the DBA keeps it
 *   (`recordGuardBaseline`): that is what must be enabled again at the end.
 * - Before the first fall-back write (`guardBeforeWrites`): what the start could not read (a
 *   privilege granted since) is recorded; if anything still acts on the written tables, Tandem
 *   switches exactly that off when the user consented (`--disable-triggers-and-fks true`, refused
 *   before anything is switched off when it could not be switched on again), else prints the
 *   scripts and waits until a DBA has run them. Nothing is written before.
 * - At the cutover to source (`guardAtCutover`): what Tandem switched off is switched on again; then
 *   everything enabled at the start must be enabled, else it is reported with its fix.
 * - `end migration` checks once more (`guardNotRestored`).
 */

/** The meta.db key of the record. */
export const GUARD_KEY = 'source_write_guard';

/** The meta.db key set once a trigger or key acted on the written tables while the target's changes were written back: the cutover to source then trusts no early match. */
export const GUARD_ACTED_KEY = 'source_guard_acted';

/** The meta.db key of the export's `--disable-triggers-and-fks` (the consent to switch them off at the fall-back). */
export const DISABLE_TRIGGERS_KEY = 'disable_triggers_and_fks';

/**
 * With the consent recorded (`--disable-triggers-and-fks true` given to the export), what would make
 * `import data to source` refuse to switch off the triggers and keys that act on the written tables
 * now (`WriteGuard.checkDisable`: a trigger of another DEFINER the user may not recreate), as an
 * error finding; undefined when nothing would. Without consent the fall-back waits for a DBA to run
 * the script (the spec's manual step), which is no refusal.
 */
export async function guardRefusal(migration: Migration, side: Side, read?: GuardState): Promise<PrerequisiteFinding | undefined> {
  const guard = writeGuardOf(side);
  if (!guard?.checkDisable || migration.meta.getValue<boolean>(DISABLE_TRIGGERS_KEY) !== true) return undefined;
  const tables = migratedTables(migration);
  const now = read ?? await guard.read(tables);
  if (guard.active(now, tables).length === 0) return undefined;
  try {
    await guard.checkDisable(now);
    return undefined;
  } catch (e) {
    if (!isTandemError(e)) throw e;
    return { severity: 'error', code: e.code, message: `--disable-triggers-and-fks true: ${e.message}`, fix: e.hint ?? '' };
  }
}

const GUARD_POLL_MS = 10_000;

/** What meta.db keeps: the state when the export started, and the state Tandem switched off (with consent). */
export interface GuardRecord {
  readonly before: GuardState;
  readonly disabledByTandem?: GuardState;
}

/** The migrated tables, as the snapshot recorded them. */
export function migratedTables(migration: Migration): TableRef[] {
  return migration.meta.snapshotTables().map((t) => ({ schema: t.schemaName, name: t.tableName }));
}

/** The write guard of a side whose writer cannot skip triggers, or undefined. */
export function writeGuardOf({ db, engine }: Side): WriteGuard | undefined {
  return engine.capabilities.writerSkipsTriggers ? undefined : engine.writeGuard?.(db);
}

/**
 * At the start of a live export: records the triggers' and keys' state as the DBA keeps it (for
 * `tables`). With `consent` (`--disable-triggers-and-fks true`), warns now of what would make
 * Tandem refuse to switch them off at the fall-back (a privilege the user can still grant).
 */
export async function recordGuardBaseline(migration: Migration, side: Side, tables: readonly TableRef[], consent?: { reporter: Reporter }): Promise<void> {
  const guard = writeGuardOf(side);
  if (!guard) return;
  const record: GuardRecord = { before: await guard.read(tables) };
  migration.meta.setValue(GUARD_KEY, record);
  if (!consent || !guard.checkDisable) return;
  try {
    await guard.checkDisable(record.before);
  } catch (e) {
    if (!isTandemError(e)) throw e;
    consent.reporter.warn(`--disable-triggers-and-fks true: fix this before the cutover to target, or "import data to source" will refuse to write: ${e.message} ${e.hint ?? ''}`.trimEnd());
  }
}

/**
 * Before the first fall-back write: resolves true once nothing acts on the written tables, false
 * when stopped while waiting for a DBA.
 */
export async function guardBeforeWrites(reporter: Reporter, migration: Migration, guard: WriteGuard, consent: boolean, signal: AbortSignal, pollMs = GUARD_POLL_MS): Promise<boolean> {
  const { meta } = migration;
  const tables = migratedTables(migration);
  let record: GuardRecord;
  let now: GuardState;
  let active: ReturnType<WriteGuard['active']>;
  // With consent, switched off again while something is found on (measured before: a trigger a DBA
  // created between the drop and the look after it left the importer waiting for a DBA although
  // it had consent; CI). Three rounds, then waited for as without consent.
  for (let round = 0; ; round++) {
    const recorded = meta.getValue<GuardRecord>(GUARD_KEY);
    now = await guard.read(tables);
    if (!recorded) {
      record = { before: now };
      meta.setValue(GUARD_KEY, record);
    } else {
      record = recorded;
      if (guard.completeRecord) {
        // What was hidden when it was recorded (a privilege granted since), and what was created since,
        // is recorded now, before anything is switched off: else the cutover to source could not
        // switch it on again.
        const completed: GuardRecord = { ...record, before: guard.completeRecord(record.before, now), ...(record.disabledByTandem ? { disabledByTandem: guard.completeRecord(record.disabledByTandem, now) } : {}) };
        if (JSON.stringify(completed) !== JSON.stringify(record)) {
          record = completed;
          meta.setValue(GUARD_KEY, record);
        }
      }
    }
    active = guard.active(now, tables);
    if (active.length === 0) {
      if (round > 0) reporter.print(`The cutover to source enables them again. The script that does it by hand:\n${guard.enableScript(record.before)}`);
      return true;
    }
    if (!consent || round === 3) break;
    // Refused before anything is recorded as switched off or switched off (what could not be switched on again).
    await guard.checkDisable?.(now);
    reporter.print(`Disabling on the source (--disable-triggers-and-fks true): ${active.map((a) => a.what).join('; ')}.`);
    // Recorded before it runs: a crash in between leaves the record, so the cutover still re-enables them.
    // A run that died part-way (some dropped, some not) recorded the whole set then: keep that record,
    // or what the crashed run had already switched off would not be switched on again.
    meta.setValue(GUARD_KEY, { ...record, disabledByTandem: record.disabledByTandem ?? now } satisfies GuardRecord);
    await guard.disable(now);
  }
  reporter.warn(`the source's triggers and foreign keys would act on the target's changes written back to it (the spec's manual step): ${active.map((a) => a.what).join('; ')}.`);
  reporter.print(`Run this on the source as a privileged user (or restart with --disable-triggers-and-fks true):\n${guard.disableScript(now)}`);
  reporter.print(`After the cutover to source, this enables exactly what was enabled when the export started (and what was created since):\n${guard.enableScript(record.before)}`);
  reporter.print('Waiting until they are disabled; nothing is written to the source before (Ctrl-C to stop; the changes stay queued)…');
  log.info(`waiting for the source's triggers and foreign keys to be disabled: ${active.map((a) => a.what).join('; ')}`);
  while (!signal.aborted) {
    await sleep(pollMs, signal);
    if (signal.aborted) break;
    active = guard.active(await guard.read(tables), tables);
    if (active.length === 0) {
      reporter.print('Nothing acts on the written tables any more; applying the target\'s changes to the source.');
      return true;
    }
  }
  return false;
}

/** How often the source's triggers and keys are read while the target's changes are written back (TANDEM_GUARD_WATCH_MS for tests). */
function guardWatchMs(): number {
  const v = Number(process.env.TANDEM_GUARD_WATCH_MS);
  return Number.isFinite(v) && v > 0 ? v : 5_000;
}

/** What acts on the written tables now (a trigger created or enabled, a key enforced), in words; empty when nothing does. */
export async function activeOnSource(migration: Migration, guard: WriteGuard): Promise<string[]> {
  const tables = migratedTables(migration);
  return guard.active(await guard.read(tables), tables).map((a) => a.what);
}

/**
 * While the target's changes are written back to the source: reads the triggers and keys now and
 * then (`guardBeforeWrites` made sure nothing acted when writing began). One that acts on the written
 * tables again (a trigger created or enabled by a DBA, a deployment run against both databases)
 * aborts `signal` and is named by `found()`: the writes stop, to go on only once it is off again;
 * and whatever it did meanwhile is outside the stream, so early matches are not trusted any more.
 * A failed read is logged and tried again.
 */
export function watchGuard(migration: Migration, guard: WriteGuard, everyMs = guardWatchMs()): { readonly signal: AbortSignal; found(): string[] | undefined; stop(): void } {
  const abort = new AbortController();
  const stopped = new AbortController();
  let found: string[] | undefined;
  void (async () => {
    while (!stopped.signal.aborted) {
      await sleep(everyMs, stopped.signal);
      if (stopped.signal.aborted) return;
      try {
        const active = await activeOnSource(migration, guard);
        if (active.length > 0 && !stopped.signal.aborted) {
          found = active;
          abort.abort();
          return;
        }
      } catch (e) {
        log.warn(`reading the source's triggers and keys while writing back failed (tried again): ${(e as Error).message}`);
      }
    }
  })();
  return { signal: abort.signal, found: () => found, stop: () => stopped.abort() };
}

/** What was enabled when the export started and is not now, in words with fixes; undefined when nothing was recorded. */
export async function guardNotRestored(migration: Migration, guard: WriteGuard): Promise<{ what: string; fix: string }[] | undefined> {
  const record = migration.meta.getValue<GuardRecord>(GUARD_KEY);
  if (!record) return undefined;
  return guard.notRestored(record.before, await guard.read(migratedTables(migration)));
}

/** The first line of the script that switches on again what is not as it was. */
export const NOT_RESTORED_SCRIPT_HEADER = '-- what is not as it was when the export started (the rest is), as it was then';

/**
 * Enables again what Tandem switched off for the fall-back (`record.disabledByTandem`), saying `done`;
 * what cannot be switched on again (a trigger the server refuses to create) is warned about, for the
 * caller's look at what is still off to name with its fix.
 */
export async function enableWhatTandemDisabled(reporter: Reporter, guard: WriteGuard, record: GuardRecord, done: string): Promise<void> {
  if (!record.disabledByTandem) return;
  try {
    await guard.enable(record.disabledByTandem);
    reporter.print(done);
  } catch (e) {
    if (!isTandemError(e) || e.code !== 'TANDEM_DATA') throw e;
    reporter.warn(e.message);
  }
}

/**
 * At the cutover to source: enables again what Tandem disabled, then checks that everything enabled
 * when the export started is enabled now. Returns what is not (for the cutover's record).
 */
export async function guardAtCutover(reporter: Reporter, migration: Migration, guard: WriteGuard): Promise<string[]> {
  const record = migration.meta.getValue<GuardRecord>(GUARD_KEY);
  if (!record) return [];
  await enableWhatTandemDisabled(reporter, guard, record, 'Enabled again on the source what Tandem had disabled for the fall-back.');
  const missing = (await guardNotRestored(migration, guard)) ?? [];
  if (missing.length > 0) {
    reporter.warn(`on the source, these were enabled when the export started and are not now: ${missing.map((m) => m.what).join('; ')}.`);
    // Only what is missing or changed (measured before: the whole recorded set, whose first CREATE
    // TRIGGER of a trigger still there failed with "already exists"; the fix-verify-50b run).
    reporter.print(`Enable them again as a privileged user (the spec's last manual step):\n${NOT_RESTORED_SCRIPT_HEADER}\n${missing.map((m) => m.fix).join('\n')}`);
  }
  return missing.map((m) => m.what);
}
