/**
 * How long a migration can stand still before the source purges the binlog it needs. MySQL has no
 * replication slot: nothing on the source holds binlogs for Tandem. The server deletes a binlog file
 * once the file's last write is older than the retention (`binlog_expire_logs_seconds`, or the
 * older `expire_logs_days`), checked when it rotates to a new file, at start-up and on FLUSH LOGS;
 * MariaDB 11.4+ also deletes the oldest files beyond `max_binlog_total_size`. Pure.
 */

/** What the server says about its binlogs. */
export interface RetentionInput {
  /** `@@binlog_expire_logs_seconds` (MySQL 8, MariaDB 10.6+); undefined when the server has none. */
  readonly expireLogsSeconds?: number;
  /** `@@expire_logs_days` (fractional on MariaDB); undefined when the server has none. */
  readonly expireLogsDays?: number;
  /** `@@max_binlog_total_size` (MariaDB 11.4+), bytes; 0 or undefined = no size limit. */
  readonly maxTotalSize?: number;
  /** `SHOW BINARY LOGS`, oldest first. */
  readonly binaryLogs: ReadonlyArray<{ readonly name: string; readonly size: number }>;
  /** The binlog file the migration resumes from, when it has a position. */
  readonly neededFile?: string;
  /** The commit time (seconds since the epoch) of the transaction at that position, when known. */
  readonly positionTime?: number;
  /** Now, seconds since the epoch. */
  readonly now: number;
}

/** The verdict, for a prerequisite finding or a status line. */
export interface RetentionVerdict {
  /** The setting that governs it, as `name = value` (e.g. `binlog_expire_logs_seconds = 2592000`). */
  readonly setting: string;
  /** The retention in seconds; null when binlogs never expire by age. */
  readonly expireSeconds: number | null;
  /**
   * How long from now the migration can be stopped before the file it needs may be purged: a lower
   * bound when `positionTime` is known, the full retention otherwise; null when no age limit applies.
   */
  readonly safeStopSeconds: number | null;
  /** False when the needed file is no longer on the server; undefined when no file was named. */
  readonly neededFilePresent?: boolean;
  readonly severity: 'info' | 'warning' | 'error';
  /** One sentence for the user. */
  readonly message: string;
  /** What to change to keep binlogs longer. */
  readonly fix: string;
}

/** Below this a stop of a weekend would lose the position: warn. */
const WARN_BELOW_SECONDS = 3 * 24 * 3600;

/** `2 days 3 hours`, `45 minutes`, `30 seconds`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const units: Array<[number, string]> = [[86400, 'day'], [3600, 'hour'], [60, 'minute'], [1, 'second']];
  const parts: string[] = [];
  let rest = s;
  for (const [size, name] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      parts.push(`${n} ${name}${n === 1 ? '' : 's'}`);
      rest -= n * size;
    }
    if (parts.length === 2) break;
  }
  return parts.length > 0 ? parts.join(' ') : '0 seconds';
}

/**
 * Says how long the migration can stop.
 * @example binlogRetention({ expireLogsSeconds: 2592000, binaryLogs: [{ name: 'binlog.000001', size: 1000 }], now: 0 })
 *   // { setting: 'binlog_expire_logs_seconds = 2592000', safeStopSeconds: 2592000, severity: 'info', … }
 */
export function binlogRetention(input: RetentionInput): RetentionVerdict {
  const fix = 'SET GLOBAL binlog_expire_logs_seconds = 604800; (and binlog_expire_logs_seconds = 604800 in my.cnf) keeps binlogs for 7 days; choose more than the longest stop you expect.';
  let expire: number | null;
  let setting: string;
  if (input.expireLogsSeconds !== undefined && input.expireLogsSeconds > 0) {
    expire = input.expireLogsSeconds;
    setting = `binlog_expire_logs_seconds = ${input.expireLogsSeconds}`;
  } else if (input.expireLogsDays !== undefined && input.expireLogsDays > 0) {
    expire = Math.round(input.expireLogsDays * 86400);
    setting = `expire_logs_days = ${input.expireLogsDays}`;
  } else {
    expire = null;
    setting = input.expireLogsSeconds !== undefined ? 'binlog_expire_logs_seconds = 0' : 'expire_logs_days = 0';
  }
  const sizeLimit = input.maxTotalSize && input.maxTotalSize > 0 ? input.maxTotalSize : undefined;
  const total = input.binaryLogs.reduce((n, f) => n + f.size, 0);
  const sizeNote = sizeLimit
    ? ` The server also deletes the oldest binlogs beyond max_binlog_total_size = ${sizeLimit} bytes (${total} in use now), however young they are.`
    : '';

  const neededFilePresent = input.neededFile === undefined ? undefined : input.binaryLogs.some((f) => f.name === input.neededFile);
  if (neededFilePresent === false) {
    return {
      setting, expireSeconds: expire, safeStopSeconds: 0, neededFilePresent, severity: 'error',
      message: `The binlog file ${input.neededFile} that the migration resumes from is no longer on the source (${setting}): the changes in it are lost to the migration.`,
      fix: `Start the migration again from a new snapshot. ${fix}`,
    };
  }
  if (expire === null) {
    return {
      setting, expireSeconds: null, safeStopSeconds: null, ...(neededFilePresent !== undefined && { neededFilePresent }),
      severity: sizeLimit ? 'warning' : 'info',
      message: `Binlogs do not expire by age (${setting}), so a stopped migration keeps its position until someone runs PURGE BINARY LOGS or RESET MASTER.${sizeNote} Watch the source's disk: binlogs grow while the migration runs.`,
      fix: sizeLimit ? 'Raise or remove max_binlog_total_size for the duration of the migration.' : 'Nothing to change; do not purge binlogs the migration still needs.',
    };
  }
  const elapsed = input.positionTime !== undefined ? Math.max(0, input.now - input.positionTime) : 0;
  const safe = Math.max(0, expire - elapsed);
  const measured = input.positionTime !== undefined
    ? `at least ${formatDuration(safe)} from now (its position was written ${formatDuration(elapsed)} ago)`
    : `about ${formatDuration(expire)} after the binlog file it resumes from was last written`;
  return {
    setting, expireSeconds: expire, safeStopSeconds: safe, ...(neededFilePresent !== undefined && { neededFilePresent }),
    severity: safe < WARN_BELOW_SECONDS || sizeLimit ? 'warning' : 'info',
    message: `The source purges binlogs older than ${formatDuration(expire)} (${setting}): a stopped migration can resume for ${measured}; after that it must start again from a new snapshot.${sizeNote}`,
    fix,
  };
}
