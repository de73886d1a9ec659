import { createHash } from 'node:crypto';
import type { MetaStore } from '../../core/meta-store.js';
import type { SchemaStatement } from '../../core/engine/target.js';

/**
 * What `import schema` has run on this migration's target, so that a rerun after a crash or a
 * failure needs no `--ignore-exist`: an object that a statement an earlier run started has left on
 * the target is this migration's own, and finding it there counts as done. An object of the same
 * name that something else created (a table the target had before) still fails as "already
 * exists", so the flag's blanket acceptance is needed only for those, after a look at them.
 *
 * Each statement is recorded (by a hash of its SQL) right before it runs and forgotten when the
 * server rejects it (its transaction rolled back: nothing of it is there). A statement that the
 * server committed just before the process died is therefore always recorded; an earlier run's
 * record is kept even when the statement fails now (what that run left may still be there). The records are
 * committed without an fsync (`unsynced`): a process crash keeps them (they are in the WAL file),
 * a power loss may lose the last ones, and then the rerun stops on "already exists" as it did before
 * this record existed. A record never makes a statement skipped: the statement runs again, and only
 * its "already exists" error is read differently.
 */
export class SchemaRunRecord {
  /** Recorded by this run (an earlier run's record stays: what it left may still be there). */
  private readonly startedNow = new Set<string>();

  private constructor(private readonly meta: MetaStore, private readonly started: Set<string>) {}

  static open(meta: MetaStore): SchemaRunRecord {
    meta.ensure('schema_statements_run', `CREATE TABLE IF NOT EXISTS schema_statements_run (
      sql_hash TEXT PRIMARY KEY,
      started_at TEXT NOT NULL)`);
    const rows = meta.prepare('SELECT sql_hash FROM schema_statements_run').all() as { sql_hash: string }[];
    return new SchemaRunRecord(meta, new Set(rows.map((r) => r.sql_hash)));
  }

  /** The SQL of those statements that an earlier run started (and the server did not reject). */
  startedBefore(statements: readonly SchemaStatement[]): Set<string> {
    return new Set(statements.filter((s) => this.started.has(hashOf(s.sql))).map((s) => s.sql));
  }

  /** Right before the statement runs. */
  starting(statement: SchemaStatement): void {
    const hash = hashOf(statement.sql);
    if (this.started.has(hash)) return;
    this.meta.unsynced(() => this.meta.prepare('INSERT INTO schema_statements_run (sql_hash, started_at) VALUES (?, ?) ON CONFLICT DO NOTHING')
      .run(hash, new Date().toISOString()));
    this.started.add(hash);
    this.startedNow.add(hash);
  }

  /** Right after it ran; `mayHaveCreated` false: the server rejected it, nothing of it is there. */
  ran(statement: SchemaStatement, mayHaveCreated: boolean): void {
    if (mayHaveCreated) return;
    const hash = hashOf(statement.sql);
    if (!this.startedNow.delete(hash)) return;
    this.started.delete(hash);
    this.meta.unsynced(() => this.meta.prepare('DELETE FROM schema_statements_run WHERE sql_hash = ?').run(hash));
  }
}

function hashOf(sql: string): string {
  return createHash('sha256').update(sql).digest('hex');
}
