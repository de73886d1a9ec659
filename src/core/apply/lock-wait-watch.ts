import { log } from '../logger.js';

/** After the first look, how often a batch still waiting is looked at again for new holders. */
const LOOK_AGAIN_MS = 30_000;

/** One thing a waiting batch's lock request waits for, as a writer's engine reads it. */
export interface LockHolderNote {
  /** Who holds the lock (a session, a prepared transaction): said once per wait. */
  readonly key: string;
  /** The warning that names it and what ends its hold. */
  readonly text: string;
}

/**
 * Watches one batch for a lock wait on the written database (measured before: a transaction left
 * open held the rows a fall-back wrote, and the import waited on it for minutes saying only its
 * metrics; the pg-dml-50 run). Once the batch has run `afterMs`, and every 30 s after, `look` reads
 * what its session waits for, on a connection of its own, and is given the sentence that begins
 * each note (`Writing the changes on <where> has waited N s for a lock`); each holder is warned of
 * once per wait (the same session holding up a later batch is said again: the fix-verify-50b run).
 * Nothing is changed: the batch goes on as soon as the lock is free. Returns the function that
 * ends the watch (`committed`: the batch committed; a wait that was said is then said to be over,
 * through `notice`).
 */
export function watchLockWait(options: {
  readonly afterMs: number;
  /** The written database, as the notes name it (`the source u@h:3306/shop`). */
  readonly where: string;
  readonly look: (waited: string) => Promise<readonly LockHolderNote[]>;
  readonly warn: (message: string) => void;
  readonly notice: (message: string) => void;
}): (committed: boolean) => void {
  const { afterMs, where, look, warn, notice } = options;
  const started = Date.now();
  const said = new Set<string>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const once = async (): Promise<void> => {
    try {
      const notes = await look(`Writing the changes on ${where} has waited ${Math.round((Date.now() - started) / 1000)} s for a lock`);
      // A batch that ended while the holders were read waits no more: nothing to say.
      for (const n of notes) {
        if (stopped || said.has(n.key)) continue;
        said.add(n.key);
        warn(n.text);
      }
    } catch (e) {
      log.debug(`could not read what holds the lock the batch waits for: ${(e as Error).message}`);
    }
    if (!stopped) timer = setTimeout(() => void once(), LOOK_AGAIN_MS).unref();
  };
  timer = setTimeout(() => void once(), afterMs).unref();
  return (committed) => {
    stopped = true;
    clearTimeout(timer);
    // A wait that was said is said to be over (measured before: nothing, so the warning looked current; the fix-verify-51 run).
    if (committed && said.size > 0) notice(`Writing the changes on ${where} goes on: the lock it waited for was released after ${Math.round((Date.now() - started) / 1000)} s.`);
  };
}
