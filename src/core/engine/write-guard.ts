import type { TableRef } from './catalog.js';
import { TandemError } from '../errors.js';

/**
 * The state of what fires or checks on a database when replayed writes reach it: its triggers,
 * foreign keys (and whatever else the engine must switch off, e.g. Oracle's GENERATED ALWAYS
 * identity columns, which refuse the other side's values). Engine-defined and JSON-serialisable:
 * the workflow stores it in meta.db as it was before the first fall-back write and hands it back to
 * the same engine.
 */
export type GuardState = object;

/** One object that still acts on replayed writes, or was not restored, in words, with its fix. */
export interface GuardedObject {
  /** "trigger HR.EMP_AUDIT on HR.EMPLOYEES", "foreign key EMP_DEPT_FK on HR.EMPLOYEES". */
  readonly what: string;
  /** The statement that puts it right (for the user to review and run), or a comment when there is none. */
  readonly fix: string;
}

/**
 * The spec's manual fall-back step made checkable, for a database whose change writer cannot skip
 * triggers and foreign keys in its own sessions (`EngineCapabilities.writerSkipsTriggers` false:
 * Oracle, MySQL). Before the first write of `import data to source`, Tandem reads their state,
 * prints the script that disables exactly the enabled ones (and the one that enables them again),
 * runs it only when the user asks (`--disable-triggers-and-fks true`), and at the cutover to source
 * checks that everything enabled before is enabled again.
 */
export interface WriteGuard {
  /** The current state of the triggers and keys that act on writes to `tables` (and keys pointing into them). */
  read(tables: readonly TableRef[]): Promise<GuardState>;
  /** What in `state` would act on replayed writes (enabled triggers, enforced foreign keys…); empty when nothing does. */
  active(state: GuardState, tables: readonly TableRef[]): GuardedObject[];
  /** A script for the database's own SQL tool that switches off exactly what `before` has on (or a comment when nothing is). */
  disableScript(before: GuardState): string;
  /** A script that switches on again exactly what `before` had on. */
  enableScript(before: GuardState): string;
  /**
   * Throws a TandemError when `disable(state)` could not run to its end (a definition it cannot read,
   * so could not recreate; a privilege it lacks), before anything is changed. Optional: a guard whose
   * `disable` cannot fail part-way for such a reason has none.
   */
  checkDisable?(state: GuardState): Promise<void>;
  /**
   * `recorded` with what could not be read when it was recorded taken from `now` (e.g. a trigger
   * definition hidden by a privilege granted since), and with the objects created since (a trigger
   * added while the export streamed), so that what is switched off can be switched on again.
   * Optional: a guard without it switches on again only what was recorded.
   */
  completeRecord?(recorded: GuardState, now: GuardState): GuardState;
  /** Runs the disable script (only with the user's explicit consent). */
  disable(before: GuardState): Promise<void>;
  /** Runs the enable script. */
  enable(before: GuardState): Promise<void>;
  /** What `before` had on that is not on in `now` (off, unvalidated or gone), each with its fix. */
  notRestored(before: GuardState, now: GuardState): GuardedObject[];
}

/**
 * Thrown by a change writer whose transaction met a trigger (or whatever else acts on its writes)
 * that came into being while it wrote: the transaction was rolled back, so nothing of it was
 * written. `what` names what acts, as `GuardedObject.what` does; the workflow then waits for it to be
 * off again, as when its periodic look finds one.
 */
export class ActingWhileWriting extends TandemError {
  constructor(readonly what: readonly string[], message: string, hint: string) {
    super('TANDEM_PREREQUISITE', message, { hint });
    this.name = 'ActingWhileWriting';
  }
}
