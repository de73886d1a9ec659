import { TandemError, type ErrorCode } from '../../core/errors.js';

/**
 * Oracle and driver errors → TandemErrors with a fix, chosen by the error's code (`err.code`:
 * `ORA-01017`, `NJS-518`…; `errorNum` as a fallback), never by its message text. The Oracle message
 * is not copied into Tandem's message: some carry values (ORA-12899 names the value's size, ORA-01438
 * the precision…), and row values must not reach logs. The original error stays as `cause`.
 */

const REDO_GONE_HINT = 'An archived log Tandem needs was deleted. Restore it (a rerun then resumes), or start the migration again from a new snapshot (tandem end migration, then a new export dir and empty target tables); keep archived logs longer while a migration runs.';

interface Rule {
  readonly code: ErrorCode;
  readonly message: (where: string) => string;
  /** The fix; `column` is the column Oracle's message names (`"HR"."EMP"."NAME"`), when it names one. */
  readonly hint: string | ((column: string | undefined) => string);
  /** The change stream cannot go on past it (`TandemError.streamLost`). */
  readonly streamLost?: true;
}

/**
 * The column an Oracle data error names: ORA-12899 `… for column "HR"."EMP"."NAME" (actual: 20, …)`,
 * ORA-01400 `cannot insert NULL into ("HR"."EMP"."NAME")`. Only the quoted names are taken, never
 * the sizes or anything else of the message.
 */
function namedColumn(e: unknown): string | undefined {
  const message = String((e as { message?: unknown } | null)?.message ?? '');
  return /(?:for column |into \()((?:"(?:[^"]|"")+"\.){0,2}"(?:[^"]|"")+")/.exec(message)?.[1];
}

const FALL_BACK_RERUN = 'then rerun import data to source: it resumes after the last committed batch.';

const CONNECT_HINT = 'Check --source-db-host and --source-db-port (Oracle listens on 1521 by default), that the listener runs (lsnrctl status) and that a firewall lets you through.';
const SERVICE_HINT = 'The listener does not know that service: check --source-db-name (lsnrctl services lists them; a PDB has its own service) or use --oracle-db-sid / --oracle-tns-alias.';
const TLS_HINT = 'TCPS failed: the thin driver needs a PEM wallet (ewallet.pem) with the server\'s CA certificate in --oracle-wallet-location (or TNS_ADMIN for an alias); with verify-full the certificate must name the host (or set SSL_SERVER_CERT_DN in the alias).';

const RULES: Record<string, Rule> = {
  'ORA-01017': { code: 'TANDEM_AUTH', message: (w) => `Oracle rejected the user name or password for ${w} (ORA-01017).`, hint: 'Check --source-db-user and the password (--source-db-password, SOURCE_DB_PASSWORD or the prompt). A common user in a CDB is named C##… .' },
  'ORA-28000': { code: 'TANDEM_AUTH', message: (w) => `The Oracle account for ${w} is locked (ORA-28000).`, hint: 'A DBA unlocks it: ALTER USER <user> ACCOUNT UNLOCK;' },
  'ORA-28001': { code: 'TANDEM_AUTH', message: (w) => `The Oracle password for ${w} has expired (ORA-28001).`, hint: 'Set a new password: ALTER USER <user> IDENTIFIED BY <new password>;' },
  'ORA-01045': { code: 'TANDEM_PRIVILEGE', message: (w) => `The Oracle user may not log on to ${w} (ORA-01045: no CREATE SESSION).`, hint: 'GRANT CREATE SESSION TO <user>; (in a CDB: … CONTAINER=ALL), as the spec\'s preparation steps do.' },
  'ORA-12514': { code: 'TANDEM_DB_MISSING', message: (w) => `The listener at ${w} does not know the service (ORA-12514).`, hint: SERVICE_HINT },
  'NJS-518': { code: 'TANDEM_DB_MISSING', message: (w) => `The listener at ${w} does not know the service (NJS-518).`, hint: SERVICE_HINT },
  'ORA-12505': { code: 'TANDEM_DB_MISSING', message: (w) => `The listener at ${w} does not know the SID (ORA-12505).`, hint: 'Check --oracle-db-sid (lsnrctl status lists the instances), or connect by service name with --source-db-name.' },
  'NJS-519': { code: 'TANDEM_DB_MISSING', message: (w) => `The listener at ${w} does not know the SID (NJS-519).`, hint: 'Check --oracle-db-sid (lsnrctl status lists the instances), or connect by service name with --source-db-name.' },
  'ORA-12541': { code: 'TANDEM_CONNECT', message: (w) => `No Oracle listener at ${w} (ORA-12541).`, hint: CONNECT_HINT },
  'NJS-511': { code: 'TANDEM_CONNECT', message: (w) => `The Oracle listener at ${w} refused the connection (NJS-511).`, hint: CONNECT_HINT },
  'NJS-503': { code: 'TANDEM_CONNECT', message: (w) => `Could not reach Oracle at ${w} (NJS-503).`, hint: CONNECT_HINT },
  'NJS-510': { code: 'TANDEM_CONNECT', message: (w) => `Connecting to Oracle at ${w} timed out (NJS-510).`, hint: CONNECT_HINT },
  'NJS-530': { code: 'TANDEM_CONNECT', message: (w) => `The host of ${w} cannot be resolved (NJS-530).`, hint: CONNECT_HINT },
  'ORA-12545': { code: 'TANDEM_CONNECT', message: (w) => `The host of ${w} cannot be resolved (ORA-12545).`, hint: CONNECT_HINT },
  'ORA-12170': { code: 'TANDEM_CONNECT', message: (w) => `Connecting to Oracle at ${w} timed out (ORA-12170).`, hint: CONNECT_HINT },
  'NJS-500': { code: 'TANDEM_CONNECT', message: (w) => `The connection to Oracle at ${w} was closed (NJS-500).`, hint: 'The server or the network dropped the connection; rerun the command: it resumes.' },
  'NJS-501': { code: 'TANDEM_CONNECT', message: (w) => `The connection to Oracle at ${w} ended unexpectedly (NJS-501).`, hint: 'The server or the network dropped the connection; rerun the command: it resumes.' },
  'NJS-521': { code: 'TANDEM_CONNECT', message: (w) => `Oracle at ${w} closed the connection (NJS-521).`, hint: 'Often a TCP/TCPS mismatch (the port expects TCPS, or the reverse), or a firewall: check --source-ssl-mode and the port.' },
  'NJS-505': { code: 'TANDEM_CONNECT', message: (w) => `TLS could not start for ${w} (NJS-505).`, hint: TLS_HINT },
  'NJS-506': { code: 'TANDEM_CONNECT', message: (w) => `The TLS handshake with ${w} failed (NJS-506).`, hint: TLS_HINT },
  'NJS-507': { code: 'TANDEM_CONNECT', message: (w) => `The server certificate of ${w} does not match the expected DN (NJS-507).`, hint: TLS_HINT },
  'NJS-508': { code: 'TANDEM_CONNECT', message: (w) => `The server certificate of ${w} does not name its host (NJS-508).`, hint: TLS_HINT },
  'NJS-529': { code: 'TANDEM_CONNECT', message: (w) => `The wallet for ${w} is not a PEM wallet (NJS-529).`, hint: 'The thin driver reads ewallet.pem only; convert a cwallet.sso/ewallet.p12 with orapki (orapki wallet pkcs12_to_pem).' },
  'NJS-516': { code: 'TANDEM_CONFIG', message: (w) => `No tnsnames.ora directory for ${w} (NJS-516).`, hint: 'Set TNS_ADMIN or pass --oracle-home.' },
  'NJS-517': { code: 'TANDEM_USAGE', message: (w) => `The TNS alias of ${w} is not in tnsnames.ora (NJS-517).`, hint: 'Check --oracle-tns-alias and TNS_ADMIN / --oracle-home.' },
  'NJS-520': { code: 'TANDEM_CONFIG', message: (w) => `tnsnames.ora was not found for ${w} (NJS-520).`, hint: 'Set TNS_ADMIN to its directory or pass --oracle-home.' },
  'ORA-01031': { code: 'TANDEM_PRIVILEGE', message: (w) => `The Oracle user lacks a privilege on ${w} (ORA-01031).`, hint: 'Run `tandem`\'s preparation check: it lists every grant of the spec that is missing, with the GRANT that fixes it.' },
  'ORA-00942': { code: 'TANDEM_PRIVILEGE', message: (w) => `A table or view does not exist or is not visible to the Oracle user on ${w} (ORA-00942).`, hint: 'Usually a missing grant (SELECT on V_$… views, SELECT ANY TABLE, the spec\'s list): run the preparation check. Otherwise check the table and schema names.' },
  'ORA-01291': { code: 'TANDEM_PREREQUISITE', message: (w) => `LogMiner misses a redo file on ${w} (ORA-01291).`, hint: REDO_GONE_HINT, streamLost: true },
  'ORA-01292': { code: 'TANDEM_PREREQUISITE', message: (w) => `LogMiner has no redo file for the SCN range on ${w} (ORA-01292).`, hint: REDO_GONE_HINT, streamLost: true },
  'ORA-01555': { code: 'TANDEM_DATA', message: (w) => `Oracle could no longer reconstruct the snapshot on ${w} (ORA-01555: snapshot too old).`, hint: 'The undo needed to read AS OF the snapshot SCN was overwritten. Raise UNDO_RETENTION (and undo tablespace size) above the snapshot\'s duration, then export again (--start-clean true).' },
  // A LOB's own "snapshot too old": its old versions are kept in the LOB segment (RETENTION or
  // PCTVERSION), not in undo, so UNDO_RETENTION alone does not help (oracle-review-3).
  'ORA-22924': { code: 'TANDEM_DATA', message: (w) => `Oracle could no longer read a LOB as of the snapshot on ${w} (ORA-22924: snapshot too old).`, hint: 'The LOB\'s old version was overwritten: a LOB keeps its old versions in its own segment. Raise its retention (ALTER TABLE … MODIFY LOB (<column>) (RETENTION), with UNDO_RETENTION above the snapshot\'s duration, or PCTVERSION for a BasicFile LOB), then export again (--start-clean true).' },
  'ORA-08181': { code: 'TANDEM_DATA', message: (w) => `The snapshot SCN is not valid on ${w} (ORA-08181).`, hint: 'Export again from a new snapshot (--start-clean true).' },
  'ORA-01466': { code: 'TANDEM_DATA', message: (w) => `A table changed its definition after the snapshot SCN on ${w} (ORA-01466).`, hint: 'DDL ran on a migrated table during the snapshot. Export again (--start-clean true) and avoid DDL until the migration ends.' },
  'ORA-00054': { code: 'TANDEM_DATA', message: (w) => `A table on ${w} is locked by another session (ORA-00054).`, hint: 'Retry when the other session has finished.' },
  'ORA-01950': { code: 'TANDEM_PRIVILEGE', message: (w) => `The Oracle user has no quota on its tablespace on ${w} (ORA-01950).`, hint: 'ALTER USER <user> QUOTA UNLIMITED ON <tablespace>; (the spec gives LOGMINER_TBS / USERS unlimited quota).' },
  // Writing the target's changes back during a fall-back: a value the source's column cannot take.
  'ORA-12899': { code: 'TANDEM_DATA', message: (w) => `A value written on the target is too large for its column on ${w} (ORA-12899).`,
    hint: (c) => `Widen ${c ?? 'the column'} on the source (ALTER TABLE … MODIFY (… VARCHAR2(n CHAR)): a length in characters, not bytes, holds what the target stores), ${FALL_BACK_RERUN}` },
  'ORA-01400': { code: 'TANDEM_DATA', message: (w) => `A row written on the target holds NULL where the source's column is NOT NULL on ${w} (ORA-01400).`,
    hint: (c) => `Let ${c ?? 'the column'} take NULL on the source (ALTER TABLE … MODIFY (… NULL)), or give the row a value on the target, ${FALL_BACK_RERUN}` },
  'ORA-01438': { code: 'TANDEM_DATA', message: (w) => `A number written on the target has more digits than its column allows on ${w} (ORA-01438).`,
    hint: `Widen the NUMBER column's precision on the source (ALTER TABLE … MODIFY (… NUMBER(p, s))), ${FALL_BACK_RERUN}` },
  'ORA-02290': { code: 'TANDEM_DATA', message: (w) => `A row written on the target breaks a CHECK constraint on ${w} (ORA-02290).`,
    hint: `The two databases differ there (a constraint the target does not have): disable it on the source (ALTER TABLE … DISABLE CONSTRAINT …), ${FALL_BACK_RERUN}` },
  'ORA-65040': { code: 'TANDEM_PRIVILEGE', message: (w) => `The operation is not allowed from this container on ${w} (ORA-65040).`, hint: 'LogMiner must run in CDB$ROOT: pass --oracle-cdb-name / --oracle-cdb-sid / --oracle-cdb-tns-alias.' },
};

function codeOf(e: unknown): string | undefined {
  const err = e as { code?: unknown; errorNum?: unknown } | null | undefined;
  if (typeof err?.code === 'string' && /^(ORA|NJS|DPI)-\d+$/.test(err.code)) return err.code;
  if (typeof err?.errorNum === 'number' && err.errorNum > 0) return `ORA-${String(err.errorNum).padStart(5, '0')}`;
  return undefined;
}

/** The Oracle error code of `e` (`ORA-01017`, `NJS-518`), or undefined for anything else. */
export function oracleErrorCode(e: unknown): string | undefined {
  return codeOf(e);
}

/**
 * A TandemError for a known Oracle or driver error, or undefined (an unknown error stays as it is:
 * the CLI reports it as a bug with its code). `where` names the database (`host:1521/ORCLPDB1`),
 * never with a password.
 */
export function mapOracleError(e: unknown, where: string): TandemError | undefined {
  if (e instanceof TandemError) return e;
  const code = codeOf(e);
  if (!code) return undefined;
  const rule = RULES[code];
  if (!rule) return undefined;
  return new TandemError(rule.code, rule.message(where), { hint: typeof rule.hint === 'string' ? rule.hint : rule.hint(namedColumn(e)), cause: e, streamLost: rule.streamLost });
}

/**
 * Driver codes for a connection the server closed. At connect time, before any Oracle answer, that
 * is what a server of another kind does with the listener's connect packet (measured: a PostgreSQL
 * and a MariaDB port both give NJS-500 at once), so "rerun: it resumes" would send the user round.
 */
const CLOSED_CODES = new Set(['NJS-500', 'NJS-501']);

/**
 * {@link mapOracleError} for the error of opening a connection, before any connection succeeded: a
 * connection closed there says that another kind of server may listen at the address, and names
 * --source-db-type and the port (`port`; undefined when a TNS alias gives the address).
 */
export function mapOracleConnectError(e: unknown, where: string, port: number | undefined): TandemError | undefined {
  const code = codeOf(e);
  if (!code || !CLOSED_CODES.has(code)) return mapOracleError(e, where);
  const address = port === undefined ? 'the address of the TNS alias' : `--source-db-port (${port}; an Oracle listener's default is 1521)`;
  return new TandemError('TANDEM_CONNECT', `The server at ${where} closed the connection as Tandem connected, without an Oracle listener's answer (${code}): another kind of server may listen there.`, {
    hint: `Check --source-db-type (postgresql or mysql for those servers) and ${address}, that the Oracle listener runs there (lsnrctl status), and for a port that expects TCPS, --source-ssl-mode.`,
    cause: e,
  });
}

/** True for the unique-constraint violation (ORA-00001), by code. */
export function isOracleUniqueViolation(e: unknown): boolean {
  return codeOf(e) === 'ORA-00001';
}

/** True for errors after which the same batch can be retried: deadlock (ORA-00060), serialization (ORA-08177). */
export function isOracleTransientConflict(e: unknown): boolean {
  const c = codeOf(e);
  return c === 'ORA-00060' || c === 'ORA-08177';
}

/**
 * True for "table or view does not exist" (ORA-00942), also when it reached Tandem as the
 * TANDEM_PRIVILEGE error `mapOracleError` makes of it (the original error is its cause).
 */
export function isOracleMissingTable(e: unknown): boolean {
  return codeOf(e) === 'ORA-00942' || (e instanceof TandemError && codeOf(e.cause) === 'ORA-00942');
}
