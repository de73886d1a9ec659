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

/**
 * Server codes that say the connection is gone or not yet back: class 08 (connection exception),
 * 57P01-57P03 (admin / crash shutdown, "the database system is starting up"), plus the socket errors.
 */
const CONNECTION_LOSS_CODES = new Set(['57P01', '57P02', '57P03', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * node-postgres raises these without any code once its socket is gone: there is nothing else to tell
 * them by, so (and only for these driver-made messages, never a server's text) the text decides.
 */
const DRIVER_CONNECTION_LOSS = [/^Connection terminated/, /not queryable/, /^Client was closed/, /^Connection terminated due to connection timeout/];

/**
 * True when `error` (or an error it wraps) says the connection to the server was lost or could not be
 * made again: a restart, a failover, a cut network. Such a failure is retried or reported as
 * TANDEM_CONNECT, never as a bug or as a finding about the data.
 */
export function isConnectionLoss(error: unknown): boolean {
  for (let e = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && (CONNECTION_LOSS_CODES.has(e.code) || e.code.startsWith('08') || e.code === 'TANDEM_CONNECT')) return true;
    if (typeof e.message === 'string' && e.code === undefined && DRIVER_CONNECTION_LOSS.some((r) => r.test(e!.message as string))) return true;
  }
  return false;
}
