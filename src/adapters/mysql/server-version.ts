/**
 * Which server a MySQL-protocol source is, from `SELECT VERSION(), @@version_comment` (pure).
 */
import { TandemError } from '../../core/errors.js';

/** MySQL (Oracle's, Percona, Aurora MySQL, RDS) or MariaDB. */
export type MySqlFlavor = 'mysql' | 'mariadb';

export interface MySqlServerInfo {
  readonly flavor: MySqlFlavor;
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** `VERSION()` as the server says it, e.g. `10.11.19-MariaDB-0+deb12u1-log`. */
  readonly versionText: string;
  /** `@@version_comment`, e.g. `MySQL Community Server - GPL` or `Debian 12`. */
  readonly versionComment: string;
  /** For messages: `MariaDB 10.11.19` or `MySQL 8.0.36`. */
  readonly label: string;
}

/** The oldest supported release of each flavour. */
export const MINIMUM_VERSIONS: Readonly<Record<MySqlFlavor, readonly [number, number]>> = {
  mysql: [8, 0],
  mariadb: [10, 6],
};

/**
 * Parses `VERSION()` and `@@version_comment`. MariaDB says so in one of them (`10.11.19-MariaDB-…`);
 * anything else that speaks the protocol is MySQL (including `8.0.mysql_aurora.3.04.0`).
 */
export function parseServerVersion(versionText: string, versionComment = ''): MySqlServerInfo {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(versionText.trim());
  if (!m) {
    throw new TandemError('TANDEM_UNSUPPORTED', `The source server reports the version "${versionText}", which Tandem cannot read.`, {
      hint: 'Tandem migrates MySQL 8.0+ and MariaDB 10.6+.',
    });
  }
  const flavor: MySqlFlavor = /mariadb/i.test(versionText) || /mariadb/i.test(versionComment) ? 'mariadb' : 'mysql';
  const major = Number(m[1]);
  const minor = Number(m[2]);
  const patch = m[3] !== undefined ? Number(m[3]) : 0;
  const label = `${flavor === 'mariadb' ? 'MariaDB' : 'MySQL'} ${major}.${minor}${m[3] !== undefined ? `.${patch}` : ''}`;
  return { flavor, major, minor, patch, versionText, versionComment, label };
}

/** Throws TANDEM_UNSUPPORTED for MySQL before 8.0 and MariaDB before 10.6. `where` names the database. */
export function checkSupportedVersion(info: MySqlServerInfo, where: string): void {
  const [minMajor, minMinor] = MINIMUM_VERSIONS[info.flavor];
  if (info.major < minMajor || (info.major === minMajor && info.minor < minMinor)) {
    const name = info.flavor === 'mariadb' ? 'MariaDB' : 'MySQL';
    throw new TandemError('TANDEM_UNSUPPORTED', `${where} runs ${info.label} (${info.versionText}); Tandem needs ${name} ${minMajor}.${minMinor} or later.`, {
      hint: `Upgrade the server to ${name} ${minMajor}.${minMinor}+ (MySQL 8.0+ or MariaDB 10.6+), or migrate it with another tool.`,
    });
  }
}
