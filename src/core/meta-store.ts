import Database from 'better-sqlite3';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import { TandemError, damagedStateError, isDamagedDatabase } from './errors.js';
import { diskBytes } from './disk-space.js';

/** Connection facts kept in meta.db so later commands need only the password. Never a password. */
export interface StoredDbConfig {
  readonly type: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
  readonly schemas: string[];
  /** libpq's sslmode; absent means prefer (verify-full when sslRootCert is `system`). */
  readonly sslMode?: string;
  /** Path of the CA certificate(s) the server's certificate must chain to, or `system`. */
  readonly sslRootCert?: string;
  /** Path of the client certificate, for servers that ask for one. */
  readonly sslCert?: string;
  /** Path of the client certificate's private key (the path only: its contents are never stored). */
  readonly sslKey?: string;
  /** Path of a certificate revocation list for the server's certificate chain. */
  readonly sslCrl?: string;
  /**
   * Connection settings only one engine has (Oracle's `--oracle-db-sid`, `--oracle-tns-alias`, …),
   * keyed by the flag without its engine prefix (`db-sid`, `tns-alias`). Never a secret.
   */
  readonly engineOptions?: Readonly<Record<string, string>>;
}

export type StepStatus = 'NOT_STARTED' | 'IN_PROGRESS' | 'DONE' | 'FAILED';

export interface SnapshotTableRow {
  readonly tableKey: string; // schema.table, both unquoted as in the catalog
  readonly schemaName: string;
  readonly tableName: string;
  readonly columns: string[];
  readonly format: 'binary' | 'text';
  readonly exportedRows: number;
  readonly status: StepStatus;
}

export interface SnapshotFileRow {
  readonly fileName: string;
  readonly tableKey: string;
  readonly chunkNo: number;
  readonly rows: number;
  readonly bytes: number;
  readonly status: StepStatus;
  /** Row boundaries every ROW_INDEX_STEP rows, recorded by the exporter: [startOffset, endOffset, rows][]. */
  readonly rowIndex?: [number, number, number][];
}

export interface ImportBatchRow {
  readonly fileName: string;
  readonly batchNo: number;
  readonly startOffset: number;
  readonly endOffset: number;
  readonly rows: number;
  readonly imported: boolean;
}

export interface SequenceValueRow {
  readonly sequenceKey: string; // schema.sequence
  readonly lastValue: string; // bigint as text
  readonly isCalled: boolean;
}

const SCHEMA_VERSION = 1;
const DDL = `
CREATE TABLE IF NOT EXISTS migration (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  migration_uuid TEXT NOT NULL,
  created_at TEXT NOT NULL,
  source_json TEXT,
  target_json TEXT
);
CREATE TABLE IF NOT EXISTS step_status (
  step TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  detail_json TEXT
);
CREATE TABLE IF NOT EXISTS snapshot_tables (
  table_key TEXT PRIMARY KEY,
  schema_name TEXT NOT NULL,
  table_name TEXT NOT NULL,
  columns_json TEXT NOT NULL,
  format TEXT NOT NULL,
  exported_rows INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS snapshot_files (
  file_name TEXT PRIMARY KEY,
  table_key TEXT NOT NULL,
  chunk_no INTEGER NOT NULL,
  rows INTEGER NOT NULL DEFAULT 0,
  bytes INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL,
  row_index_json TEXT
);
CREATE TABLE IF NOT EXISTS import_batches (
  file_name TEXT NOT NULL,
  batch_no INTEGER NOT NULL,
  start_offset INTEGER NOT NULL,
  end_offset INTEGER NOT NULL,
  rows INTEGER NOT NULL,
  imported INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (file_name, batch_no)
);
CREATE TABLE IF NOT EXISTS sequence_values (
  sequence_key TEXT PRIMARY KEY,
  last_value TEXT NOT NULL,
  is_called INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS kv (
  key TEXT PRIMARY KEY,
  value_json TEXT NOT NULL
);
`;

/**
 * `metainfo/meta.db`: the migration's state on the user's disk (SQLite in WAL mode, so several
 * Tandem processes can read while one writes). Columns are snake_case; this class maps them.
 */
export class MetaStore {
  readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly ensured = new Set<string>();

  private constructor(path: string) {
    this.db = new Database(path);
    try {
      this.setUp();
    } catch (e) {
      this.db.close();
      throw e;
    }
  }

  private setUp(): void {
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 10000');
    // FULL: every commit is on disk when it returns (WAL fsynced), also across a power loss. The
    // queue's committed size and the cutover markers are recorded here before the source is allowed
    // to forget the changes (slot acknowledgement); NORMAL could lose the last commits at power loss.
    this.db.pragma('synchronous = FULL');
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new TandemError('TANDEM_EXPORT_DIR', `meta.db was written by a newer Tandem (schema ${version}); use that version.`);
    }
    // CREATE … IF NOT EXISTS of existing tables reads only; setting user_version writes (it waits
    // for the write lock the exporter and importer take on every commit, then fsyncs): only when
    // it changes. Every command opens meta.db, `initiate cutover` too, which the application waits for.
    this.db.exec(DDL);
    if (version !== SCHEMA_VERSION) this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }
  /**
   * `db.prepare(sql)`, prepared once per text and kept: the queue's and the cutover's statements run
   * once per append, batch or look, thousands of times, and preparing each time was a measurable part
   * of the exporter's CPU. (A kept statement must not be used while one of its iterators is open.)
   */
  prepare(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** Runs `ddl` (idempotent: CREATE … IF NOT EXISTS) the first time this store is asked for `name`. */
  ensure(name: string, ddl: string): void {
    if (this.ensured.has(name)) return;
    this.db.exec(ddl);
    this.ensured.add(name);
  }


  static open(path: string): MetaStore {
    try {
      return new MetaStore(path);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (isDamagedDatabase(e)) throw damagedStateError((e as Error).message, ` (${path})`, e, true);
      // Opening in WAL mode creates meta.db-wal and meta.db-shm when no other process has it open:
      // on a disk full to the last byte that fails as "disk I/O error" (fix-verify-53: an internal error).
      if (typeof code === 'string' && (code.startsWith('SQLITE_IOERR') || code === 'SQLITE_FULL' || code === 'SQLITE_CANTOPEN') && (diskBytes(dirname(path))?.free ?? Infinity) < 1 << 20) {
        throw new TandemError('TANDEM_DISK', `The disk holding the export dir is full: ${path} cannot even be opened (SQLite needs a little room beside it for its write-ahead log).`, {
          hint: 'Free a few MiB on that disk (delete or move any file there), then run the command again; "tandem archive changes" then frees the change segments every importer has applied.',
          cause: e,
        });
      }
      throw e;
    }
  }

  close(): void {
    this.db.close();
  }

  /**
   * The migration's identity, created on first use of the export dir. Two commands may open a new
   * export dir at the same moment (import data started beside export data): the first insert wins
   * and both read its row (a select-then-insert here once ended export data with a UNIQUE error).
   */
  migrationUuid(): string {
    const row = this.db.prepare('SELECT migration_uuid FROM migration WHERE id = 1').get() as { migration_uuid: string } | undefined;
    if (row) return row.migration_uuid;
    this.db.prepare('INSERT INTO migration (id, migration_uuid, created_at) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING').run(randomUUID(), new Date().toISOString());
    return (this.db.prepare('SELECT migration_uuid FROM migration WHERE id = 1').get() as { migration_uuid: string }).migration_uuid;
  }

  getDbConfig(role: 'source' | 'target'): StoredDbConfig | undefined {
    this.migrationUuid();
    const row = this.db.prepare(`SELECT ${role}_json AS j FROM migration WHERE id = 1`).get() as { j: string | null };
    return row.j ? (JSON.parse(row.j) as StoredDbConfig) : undefined;
  }

  setDbConfig(role: 'source' | 'target', config: StoredDbConfig): void {
    this.migrationUuid();
    const { type, host, port, user, database, schemas, sslMode, sslRootCert, sslCert, sslKey, sslCrl, engineOptions } = config;
    const clean: StoredDbConfig = { type, host, port, user, database, schemas, sslMode, sslRootCert, sslCert, sslKey, sslCrl, engineOptions };
    this.db.prepare(`UPDATE migration SET ${role}_json = ? WHERE id = 1`).run(JSON.stringify(clean));
  }

  getStep(step: string): { status: StepStatus; updatedAt?: string; detail?: Record<string, unknown> } {
    const row = this.db.prepare('SELECT status, updated_at, detail_json FROM step_status WHERE step = ?').get(step) as
      | { status: StepStatus; updated_at: string; detail_json: string | null }
      | undefined;
    if (!row) return { status: 'NOT_STARTED' };
    return { status: row.status, updatedAt: row.updated_at, detail: row.detail_json ? JSON.parse(row.detail_json) : undefined };
  }

  setStep(step: string, status: StepStatus, detail?: Record<string, unknown>): void {
    this.db
      .prepare('INSERT INTO step_status (step, status, updated_at, detail_json) VALUES (?, ?, ?, ?) ON CONFLICT (step) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at, detail_json = excluded.detail_json')
      .run(step, status, new Date().toISOString(), detail ? JSON.stringify(detail) : null);
  }

  getValue<T>(key: string): T | undefined {
    const row = this.db.prepare('SELECT value_json FROM kv WHERE key = ?').get(key) as { value_json: string } | undefined;
    return row ? (JSON.parse(row.value_json) as T) : undefined;
  }

  /**
   * Runs `fn` (calls of this store) as one commit: all of it is recorded, or none. BEGIN IMMEDIATE:
   * the write lock is waited for (busy_timeout) at the start, so a read inside `fn` cannot make the
   * commit fail with SQLITE_BUSY against another process's write.
   */
  atomically<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  setValue(key: string, value: unknown): void {
    this.db.prepare('INSERT INTO kv (key, value_json) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json').run(key, JSON.stringify(value));
  }

  // ---- snapshot ----

  resetSnapshot(): void {
    this.db.exec('DELETE FROM snapshot_tables; DELETE FROM snapshot_files; DELETE FROM import_batches; DELETE FROM sequence_values;');
  }

  putSnapshotTable(t: SnapshotTableRow): void {
    this.db
      .prepare('INSERT INTO snapshot_tables (table_key, schema_name, table_name, columns_json, format, exported_rows, status) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (table_key) DO UPDATE SET columns_json = excluded.columns_json, format = excluded.format, exported_rows = excluded.exported_rows, status = excluded.status')
      .run(t.tableKey, t.schemaName, t.tableName, JSON.stringify(t.columns), t.format, t.exportedRows, t.status);
  }

  /**
   * The exporter has written every file of a table: the table is DONE with its rows (the whole
   * snapshot's DONE comes later). An importer that follows may then finish the table (its indexes).
   */
  markSnapshotTableExported(tableKey: string, rows: number): void {
    this.db.prepare("UPDATE snapshot_tables SET status = 'DONE', exported_rows = ? WHERE table_key = ?").run(rows, tableKey);
  }

  snapshotTables(): SnapshotTableRow[] {
    const rows = this.db.prepare('SELECT * FROM snapshot_tables ORDER BY table_key').all() as Record<string, any>[];
    return rows.map((r) => ({
      tableKey: r.table_key, schemaName: r.schema_name, tableName: r.table_name, columns: JSON.parse(r.columns_json),
      format: r.format, exportedRows: r.exported_rows, status: r.status,
    }));
  }

  putSnapshotFile(f: SnapshotFileRow): void {
    this.db
      .prepare('INSERT INTO snapshot_files (file_name, table_key, chunk_no, rows, bytes, status, row_index_json) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (file_name) DO UPDATE SET rows = excluded.rows, bytes = excluded.bytes, status = excluded.status, row_index_json = excluded.row_index_json')
      .run(f.fileName, f.tableKey, f.chunkNo, f.rows, f.bytes, f.status, f.rowIndex ? JSON.stringify(f.rowIndex) : null);
  }

  snapshotFiles(): SnapshotFileRow[] {
    const rows = this.db.prepare('SELECT * FROM snapshot_files ORDER BY table_key, chunk_no').all() as Record<string, any>[];
    return rows.map((r) => ({
      fileName: r.file_name, tableKey: r.table_key, chunkNo: r.chunk_no, rows: r.rows, bytes: r.bytes, status: r.status,
      rowIndex: r.row_index_json ? JSON.parse(r.row_index_json) : undefined,
    }));
  }

  // ---- import batches (a mirror of what the target records; the target is the truth) ----

  putImportBatches(batches: ImportBatchRow[]): void {
    const stmt = this.db.prepare('INSERT OR IGNORE INTO import_batches (file_name, batch_no, start_offset, end_offset, rows, imported) VALUES (?, ?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const b of batches) stmt.run(b.fileName, b.batchNo, b.startOffset, b.endOffset, b.rows, b.imported ? 1 : 0);
    })();
  }

  importBatches(fileName?: string): ImportBatchRow[] {
    const rows = (fileName
      ? this.db.prepare('SELECT * FROM import_batches WHERE file_name = ? ORDER BY batch_no').all(fileName)
      : this.db.prepare('SELECT * FROM import_batches ORDER BY file_name, batch_no').all()) as Record<string, any>[];
    return rows.map((r) => ({ fileName: r.file_name, batchNo: r.batch_no, startOffset: r.start_offset, endOffset: r.end_offset, rows: r.rows, imported: r.imported === 1 }));
  }

  /**
   * A batch is on the target. Committed without waiting for the disk (`unsynced`): the target's
   * own record, committed with the batch, is the truth, and `import data` mends meta.db from it
   * when it starts; an fsync here blocked the loading connections' event loop for about 10 ms per
   * batch while the target's writes kept the disk busy.
   */
  markBatchImported(fileName: string, batchNo: number): void {
    this.unsynced(() => this.prepare('UPDATE import_batches SET imported = 1 WHERE file_name = ? AND batch_no = ?').run(fileName, batchNo));
  }

  /**
   * Runs `write` with `synchronous = NORMAL` for its commit: it returns once the commit is in the
   * WAL file, without an fsync. Only for records whose truth is kept elsewhere: a power loss may
   * lose such a commit (never an earlier FULL one, and in WAL mode never meta.db's integrity); the
   * next FULL commit syncs it along. Inside a transaction the setting cannot change, and the
   * transaction's own commit decides.
   */
  unsynced<T>(write: () => T): T {
    if (this.db.inTransaction) return write();
    this.db.pragma('synchronous = NORMAL');
    try {
      return write();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  // ---- sequences ----

  putSequenceValues(values: SequenceValueRow[]): void {
    const stmt = this.db.prepare('INSERT INTO sequence_values (sequence_key, last_value, is_called) VALUES (?, ?, ?) ON CONFLICT (sequence_key) DO UPDATE SET last_value = excluded.last_value, is_called = excluded.is_called');
    this.db.transaction(() => {
      for (const v of values) stmt.run(v.sequenceKey, v.lastValue, v.isCalled ? 1 : 0);
    })();
  }

  sequenceValues(): SequenceValueRow[] {
    const rows = this.db.prepare('SELECT * FROM sequence_values ORDER BY sequence_key').all() as Record<string, any>[];
    return rows.map((r) => ({ sequenceKey: r.sequence_key, lastValue: r.last_value, isCalled: r.is_called === 1 }));
  }
}
