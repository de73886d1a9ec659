/**
 * What a command leaves on a database while it runs, said if Ctrl-C (or SIGTERM) stops it there: a
 * command sets a note when it creates something a stop would leave behind (a replication slot during
 * a snapshot) and clears it once a stop no longer leaves it unexplained. Read by the CLI's message
 * for a stop at a signal.
 */
const notes = new Set<string>();

/** Adds a note; returns the function that clears it. */
export function noteForInterrupt(text: string): () => void {
  notes.add(text);
  return () => notes.delete(text);
}

/** The notes set now, in the order set. */
export function interruptNotes(): readonly string[] {
  return [...notes];
}
