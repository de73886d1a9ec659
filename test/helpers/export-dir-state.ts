import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';

/**
 * What a refused command must leave alone in an export dir: its files (not logs, not meta.db, not
 * the lock files or the signal files that only wake other processes; size
 * and first bytes, with `mtimes` also the modification time) and meta.db's rows that hold state.
 * 'absent' when the directory does not exist.
 */
export function exportDirState(dir: string, opts: { mtimes?: boolean; ignoreTables?: readonly string[]; ignoreKeys?: readonly string[] } = {}): unknown {
  if (!existsSync(dir)) return 'absent';
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const rel = relative(dir, p);
      if (rel === 'logs' || rel.startsWith('metainfo/meta.db') || /\.(lock|signal)$/.test(rel)) continue;
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else files[rel] = `${st.size}${opts.mtimes ? `@${st.mtimeMs}` : ''}:${readFileSync(p).subarray(0, 64).toString('hex')}`;
    }
  };
  walk(dir);
  const meta: Record<string, unknown[]> = {};
  const dbPath = join(dir, 'metainfo', 'meta.db');
  if (existsSync(dbPath)) {
    const db = new Database(dbPath, { readonly: true });
    try {
      for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]) {
        if (opts.ignoreTables?.includes(name)) continue;
        const rows = db.prepare(`SELECT * FROM "${name}" ORDER BY 1, 2`).all() as Record<string, unknown>[];
        // The migration's identity row appears on first use of a directory; by itself it records no
        // progress, so only rows that hold state count.
        const state = name === 'migration' ? rows.filter((r) => r.source_json !== null || r.target_json !== null)
          : name === 'kv' && opts.ignoreKeys ? rows.filter((r) => !opts.ignoreKeys!.includes(String(r.key))) : rows;
        if (state.length > 0) meta[name] = state;
      }
    } finally {
      db.close();
    }
  }
  return { files, meta };
}

/** A value meta.db's key-value table holds for `key` (parsed JSON), read-only; undefined when there is none. */
export function metaValue(dir: string, key: string): unknown {
  const db = new Database(join(dir, 'metainfo', 'meta.db'), { readonly: true });
  try {
    const row = db.prepare('SELECT value_json FROM kv WHERE key = ?').get(key) as { value_json: string } | undefined;
    return row ? JSON.parse(row.value_json) : undefined;
  } finally {
    db.close();
  }
}
