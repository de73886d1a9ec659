import { TandemError } from '../core/errors.js';

/** Target version assumed when none is given: the release the spec's Voyager targets. */
export const DEFAULT_TARGET_DB_VERSION = '2024.2.0.0';

/** A parsed YugabyteDB version such as `2024.2.0.0` or `2.20.1.0`. */
export interface TargetVersion {
  readonly text: string;
  readonly parts: readonly number[];
  /** True from 2025.1 (stable) and 2.25 (preview) on, whose YSQL is based on PostgreSQL 15. */
  readonly pg15Based: boolean;
}

/**
 * Parses `2024.2.0.0`, `2.20.1.0`, `2025.1` (missing parts count as 0; a `-b123` build suffix is ignored).
 * Throws a TANDEM_USAGE error for anything else.
 */
export function parseTargetVersion(text: string): TargetVersion {
  const core = text.trim().replace(/-b\d+$/i, '');
  if (!/^\d+(\.\d+){0,3}$/.test(core)) {
    throw new TandemError('TANDEM_USAGE', `invalid --target-db-version "${text}"`, {
      hint: 'Use a YugabyteDB version such as 2024.2.0.0, 2.20.1.0 or 2025.1.0.0.',
    });
  }
  const parts = core.split('.').map(Number);
  while (parts.length < 4) parts.push(0);
  const [major = 0, minor = 0] = parts;
  // YugabyteDB numbers its releases 2.x or by year (2024.2): anything else is no release of it (a
  // PostgreSQL version such as 15 was taken for an old release, the schema-fidelity run).
  if (major !== 2 && (major < 2024 || major > 2099)) {
    throw new TandemError('TANDEM_USAGE', `--target-db-version "${text}" is no YugabyteDB release: YugabyteDB numbers them 2.x (2.20.1.0) or by year (2024.2.0.0, 2025.1.0.0)${major >= 9 && major <= 18 ? `; ${major} looks like a PostgreSQL version (YugabyteDB 2025.1 and later are based on PostgreSQL 15, earlier ones on 11)` : ''}.`, {
      hint: 'Give the YugabyteDB version the target runs (SELECT version() on it shows it after "-YB-").',
    });
  }
  return { text: text.trim(), parts, pg15Based: major >= 2025 || (major === 2 && minor >= 25) };
}

/** Compares two versions of the same numbering scheme; negative when `a` is older. */
export function compareVersions(a: TargetVersion, b: TargetVersion): number {
  for (let i = 0; i < Math.max(a.parts.length, b.parts.length); i++) {
    const d = (a.parts[i] ?? 0) - (b.parts[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Which target versions a rule applies to. */
export interface VersionGate {
  /** Text shown as `appliesTo`. */
  readonly label: string;
  /** True when the target version still has the problem. */
  appliesTo(target: TargetVersion): boolean;
}

/** The problem exists in every YugabyteDB version. */
export const ALL_VERSIONS: VersionGate = { label: 'all versions', appliesTo: () => true };

/** The problem exists only on the PostgreSQL 11.2-based releases (before 2025.1). */
export const PG11_BASED_ONLY: VersionGate = {
  label: 'YugabyteDB < 2025.1 (PG11-based)',
  appliesTo: (target) => !target.pg15Based,
};

/** The problem was fixed in 2024.2 (and in the PG15-based releases). */
export const BEFORE_2024_2: VersionGate = {
  label: 'YugabyteDB < 2024.2',
  appliesTo: (target) => !target.pg15Based && compareVersions(target, parseTargetVersion('2024.2')) < 0,
};

/** The numbering line of a release: stable `YYYY.N` (2024.1 on) or the older/preview `2.N` line. */
function releaseLine(version: TargetVersion): 'yyyy' | '2.x' {
  return (version.parts[0] ?? 0) >= 2024 ? 'yyyy' : '2.x';
}

/**
 * The problem was fixed in the given releases, at most one per release series (`2024.1.0.0`,
 * `2.23.0.0`, …), as YugabyteDB's documentation lists them ("Fixed In"). A target is fixed when, in
 * its own numbering line (`YYYY.N` or `2.N`), the listed release of the nearest series at or below
 * its own is not newer than it: `fixedIn('2024.1.3.0', '2024.2.0.0')` reports 2024.1.2 but not
 * 2024.1.3, 2024.2 or 2025.1; a line with no listed release is never fixed.
 *
 * @example
 * const gate = fixedIn('2024.1.0.0', '2.23.0.0');
 * gate.appliesTo(parseTargetVersion('2.20.1.0')) === true; gate.appliesTo(parseTargetVersion('2024.2.0.0')) === false
 */
export function fixedIn(...versions: string[]): VersionGate {
  const fixes = versions.map(parseTargetVersion);
  const series = (v: TargetVersion): TargetVersion => parseTargetVersion(v.parts.slice(0, 2).join('.'));
  return {
    label: `YugabyteDB before ${versions.map((v) => v.replace(/(\.0)+$/, '')).join(' / ')}`,
    appliesTo: (target) => {
      const candidates = fixes
        .filter((f) => releaseLine(f) === releaseLine(target) && compareVersions(series(f), series(target)) <= 0)
        .sort((a, b) => compareVersions(series(b), series(a)));
      const nearest = candidates[0];
      return nearest === undefined || compareVersions(target, nearest) < 0;
    },
  };
}

/**
 * The problem exists only from `from` up to (not including) `until`, e.g. a regression of some
 * builds: `onlyBetween('2.15', '2.17.1.0')`.
 */
export function onlyBetween(from: string, until: string): VersionGate {
  const low = parseTargetVersion(from);
  const high = parseTargetVersion(until);
  return {
    label: `YugabyteDB ${from} up to ${until.replace(/(\.0)+$/, '')}`,
    appliesTo: (target) => compareVersions(target, low) >= 0 && compareVersions(target, high) < 0,
  };
}
