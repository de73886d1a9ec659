import { accessSync, constants, existsSync, mkdirSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { TandemError } from './errors.js';

/** The sub-directories of an export dir, as the spec lists them. */
/**
 * Whether `dir` is `root` or lies inside it, symbolic links followed on both (measured before: a
 * --backup-dir linked into the export dir got past a check on the names, and end migration copied
 * the logs into themselves until ENAMETOOLONG; the input-secrets run).
 */
export function isInsideDir(root: string, dir: string): boolean {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  for (const [r, d] of [[resolve(root), resolve(dir)], [real(root), real(dir)]] as const) {
    const rel = relative(r, d);
    if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) return true;
  }
  return false;
}

export const EXPORT_DIR_LAYOUT = ['reports', 'schema', 'data', 'metainfo', 'temp', 'logs'] as const;

/**
 * The user's `--export-dir`: every path Tandem reads or writes in it goes through here, so the
 * layout is described in one place.
 */
export class ExportDir {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  get reportsDir(): string { return join(this.root, 'reports'); }
  get schemaDir(): string { return join(this.root, 'schema'); }
  get dataDir(): string { return join(this.root, 'data'); }
  get queueDir(): string { return join(this.root, 'data', 'queue'); }
  get metainfoDir(): string { return join(this.root, 'metainfo'); }
  get tempDir(): string { return join(this.root, 'temp'); }
  get logsDir(): string { return join(this.root, 'logs'); }
  get metaDbPath(): string { return join(this.root, 'metainfo', 'meta.db'); }

  /** True when Tandem has already written its state here. */
  isInitialized(): boolean {
    return existsSync(this.metaDbPath);
  }

  /**
   * Checks that the directory exists and is writable, then creates the sub-directories. The
   * directory itself must exist: a typo in --export-dir should not silently create a new migration.
   */
  ensureLayout(): void {
    this.checkUsable();
    for (const sub of EXPORT_DIR_LAYOUT) mkdirSync(join(this.root, sub), { recursive: true });
    mkdirSync(this.queueDir, { recursive: true });
  }

  /** Throws unless the directory exists, is a directory and this user may write in it (nothing is created). */
  checkUsable(): void {
    if (!existsSync(this.root)) {
      throw new TandemError('TANDEM_EXPORT_DIR', `The export dir ${this.root} does not exist.`, {
        hint: `Create it first: mkdir -p ${this.root}`,
      });
    }
    if (!statSync(this.root).isDirectory()) {
      throw new TandemError('TANDEM_EXPORT_DIR', `--export-dir ${this.root} is not a directory.`, {
        hint: 'Name a directory as --export-dir (mkdir -p <dir> creates one).',
      });
    }
    try {
      accessSync(this.root, constants.W_OK);
    } catch {
      throw new TandemError('TANDEM_EXPORT_DIR', `The export dir ${this.root} is not writable by this user.`, {
        hint: `Run Tandem as the user who owns it, or let this user write there (chown or chmod u+w ${this.root}).`,
      });
    }
  }

  /** Whether the directory holds anything at all (an unrelated non-empty dir is refused). */
  hasForeignContent(): boolean {
    if (!existsSync(this.root) || !statSync(this.root).isDirectory()) return false; // ensureLayout reports it
    const known = new Set<string>(EXPORT_DIR_LAYOUT);
    return readdirSync(this.root).some((name) => !known.has(name) && !name.startsWith('.'));
  }
}
