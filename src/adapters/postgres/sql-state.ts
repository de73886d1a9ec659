/** Deadlock and serialization failure (YugabyteDB's restart errors too): the same transaction may simply run again. */
export const TRANSIENT_CONFLICTS: readonly string[] = ['40P01', '40001'];

/** The SQLSTATE-like codes on an error and on the errors it wraps (`cause`), outermost first. */
export function sqlStatesOf(error: unknown): string[] {
  const out: string[] = [];
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string') out.push(e.code);
  }
  return out;
}

/** True when the error, or an error it wraps, has one of these SQLSTATEs (by code, never by text). */
export function hasSqlState(error: unknown, codes: readonly string[]): boolean {
  return sqlStatesOf(error).some((c) => codes.includes(c));
}
