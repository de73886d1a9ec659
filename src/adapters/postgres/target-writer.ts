import { jsonRefusedHint } from './apply/json-refused.js';
import { open, type FileHandle } from 'node:fs/promises';
import type pg from 'pg';
import { BINARY_COPY_HEADER, BINARY_COPY_TRAILER, COPY_DATA_TYPE, copyDataMessage } from '../../core/copy-batch-planner.js';
import { FramedCopyIn, type SendMessages } from './copy-in-framed.js';
import type { SnapshotBatch, TargetTable, TargetTableCheck } from '../../core/engine/target.js';
import { TandemError } from '../../core/errors.js';
import { failpoint } from '../../core/failpoint.js';
import { q, quoteIdent } from '../../core/sql-names.js';
import { pgArray, qualified, relationExists } from './source-catalog.js';
import { FIRING_CHECK_SQLSTATE, firingCheckSql, firingTriggersError, readFiringTriggers } from './firing-triggers.js';
import type { SequenceRestoreResult } from '../../core/engine/sequences.js';
import { withinSequenceBounds } from './sequence-sync.js';

export const DEFAULT_METADATA_SCHEMA = 'ybvoyager_metadata';
export const BATCHES_TABLE = 'ybvoyager_import_data_batches_metainfo_v3';
export const SNAPSHOT_STATE_TABLE = 'tandem_snapshot_state';

/** Creates the metadata schema and the snapshot batch table on the database being written to. */
export async function ensureSnapshotMetadata(client: pg.Client, schema = DEFAULT_METADATA_SCHEMA): Promise<void> {
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${q(schema)}`);
  await client.query(`CREATE TABLE IF NOT EXISTS ${q(schema)}.${BATCHES_TABLE} (
    migration_uuid uuid NOT NULL,
    data_file_name text NOT NULL,
    batch_number int NOT NULL,
    schema_name text NOT NULL,
    table_name text NOT NULL,
    rows_imported bigint NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (migration_uuid, data_file_name, batch_number))`);
  await client.query(`CREATE TABLE IF NOT EXISTS ${q(schema)}.${SNAPSHOT_STATE_TABLE} (
    migration_uuid uuid PRIMARY KEY,
    snapshot_id text NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now())`);
}

/** Which export snapshot the target's loaded rows come from, and the tables loaded so far. */
export async function loadedSnapshot(client: pg.Client, migrationUuid: string, schema = DEFAULT_METADATA_SCHEMA): Promise<{ snapshotId: string; tables: string[] } | undefined> {
  if (!(await relationExists(client, `${q(schema)}.${SNAPSHOT_STATE_TABLE}`))) return undefined;
  const r = await client.query(`SELECT snapshot_id FROM ${q(schema)}.${SNAPSHOT_STATE_TABLE} WHERE migration_uuid = $1`, [migrationUuid]);
  if (r.rows.length === 0) return undefined;
  const t = await client.query(`SELECT DISTINCT schema_name, table_name FROM ${q(schema)}.${BATCHES_TABLE} WHERE migration_uuid = $1 ORDER BY 1, 2`, [migrationUuid]);
  return { snapshotId: String(r.rows[0].snapshot_id), tables: t.rows.map((row) => `${row.schema_name}.${row.table_name}`) };
}

/**
 * Records the snapshot the import loads from. When the export was redone with a new snapshot, the
 * rows loaded from the old one are removed in the same transaction (TRUNCATE of exactly the tables
 * this migration loaded, which were empty when it began), so two snapshot points never mix.
 * PostgreSQL truncates a table that foreign keys reference only together with the referencing
 * tables: those are taken along when they are empty (tables of the migration not loaded yet), and
 * one that holds rows stops the reload before anything changes, naming it.
 */
export async function startSnapshot(client: pg.Client, migrationUuid: string, snapshotId: string, reloadTables: readonly string[], schema = DEFAULT_METADATA_SCHEMA): Promise<void> {
  await client.query('BEGIN');
  try {
    if (reloadTables.length > 0) {
      const names = reloadTables.map((k) => {
        const dot = k.indexOf('.');
        return qualified(k.slice(0, dot), k.slice(dot + 1));
      });
      names.push(...await emptyReferencingTables(client, names));
      await client.query(`TRUNCATE ${names.join(', ')}`);
      await client.query(`DELETE FROM ${q(schema)}.${BATCHES_TABLE} WHERE migration_uuid = $1`, [migrationUuid]);
    }
    await client.query(
      `INSERT INTO ${q(schema)}.${SNAPSHOT_STATE_TABLE} (migration_uuid, snapshot_id) VALUES ($1, $2)
       ON CONFLICT (migration_uuid) DO UPDATE SET snapshot_id = excluded.snapshot_id, started_at = now()`, [migrationUuid, snapshotId]);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  }
}

/**
 * The tables whose foreign keys reference `tables` (directly or through one another) and are not
 * among them, each locked and checked empty; throws naming the first that holds rows. Runs inside
 * the reload's transaction, so (on PostgreSQL) nothing can write them between the check and the
 * TRUNCATE.
 */
async function emptyReferencingTables(client: pg.Client, tables: readonly string[]): Promise<string[]> {
  const oidsOf = await client.query<{ oid: string }>('SELECT to_regclass(t)::oid::text AS oid FROM unnest($1::text[]) t', [tables]);
  const known = new Set(oidsOf.rows.map((r) => r.oid).filter(Boolean));
  let frontier = [...known];
  const extra: { oid: string; name: string; references: string }[] = [];
  while (frontier.length > 0) {
    // Constraints cloned onto partitions (conparentid set) are covered by their partitioned table's.
    const r = await client.query<{ oid: string; name: string; references: string }>(
      `SELECT DISTINCT c.conrelid::oid::text AS oid, format('%I.%I', n.nspname, t.relname) AS name, c.confrelid::regclass::text AS references
       FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
       WHERE c.contype = 'f' AND c.conparentid = 0 AND c.confrelid = ANY($1::oid[])`, [frontier]);
    frontier = [];
    for (const row of r.rows) {
      if (known.has(row.oid)) continue;
      known.add(row.oid);
      extra.push(row);
      frontier.push(row.oid);
    }
  }
  for (const t of extra) {
    // YugabyteDB before its table-level locks refuses this mode (0A000): there the check runs
    // unlocked, and only a write in the moment between it and the TRUNCATE could be missed.
    await client.query('SAVEPOINT tandem_lock');
    await client.query(`LOCK TABLE ${t.name} IN ACCESS EXCLUSIVE MODE`).then(
      () => client.query('RELEASE SAVEPOINT tandem_lock'),
      (e: { code?: string }) => {
        if (e.code !== '0A000') throw e;
        return client.query('ROLLBACK TO SAVEPOINT tandem_lock');
      });
    const rows = await client.query(`SELECT 1 FROM ${t.name} LIMIT 1`);
    if (rows.rows.length > 0) {
      throw new TandemError('TANDEM_TARGET_NOT_EMPTY', `The export was restarted with a new snapshot, so the rows loaded from the old one must go, but ${t.name} on the target references ${t.references} by a foreign key and holds rows this migration did not load; PostgreSQL empties a referenced table only together with the tables that reference it. Nothing was changed.`, {
        hint: `Empty ${t.name} (or drop its foreign key to ${t.references} and add it again after the import), then rerun the same command.`,
      });
    }
  }
  return extra.map((t) => t.name);
}

/** Batches this migration already committed on the target: the truth for resuming. */
export async function importedBatchKeys(client: pg.Client, migrationUuid: string, schema = DEFAULT_METADATA_SCHEMA): Promise<Set<string>> {
  if (!(await relationExists(client, `${q(schema)}.${BATCHES_TABLE}`))) return new Set();
  const r = await client.query(`SELECT data_file_name, batch_number FROM ${q(schema)}.${BATCHES_TABLE} WHERE migration_uuid = $1`, [migrationUuid]);
  return new Set(r.rows.map((row) => `${row.data_file_name}#${row.batch_number}`));
}

/** Whether one batch is recorded (committed) on the target: after a lost connection, COMMIT may have gone through. */
export async function batchIsRecorded(client: pg.Client, migrationUuid: string, fileName: string, batchNo: number, schema = DEFAULT_METADATA_SCHEMA): Promise<boolean> {
  const r = await client.query(
    `SELECT 1 FROM ${q(schema)}.${BATCHES_TABLE} WHERE migration_uuid = $1 AND data_file_name = $2 AND batch_number = $3`, [migrationUuid, fileName, batchNo]);
  return r.rows.length > 0;
}

/** Rows this migration imported per table (schema.table), from the target's own records. */
export async function importedRowsByTable(client: pg.Client, migrationUuid: string, schema = DEFAULT_METADATA_SCHEMA): Promise<Map<string, number>> {
  if (!(await relationExists(client, `${q(schema)}.${BATCHES_TABLE}`))) return new Map();
  const r = await client.query(
    `SELECT schema_name, table_name, sum(rows_imported)::bigint AS n FROM ${q(schema)}.${BATCHES_TABLE} WHERE migration_uuid = $1 GROUP BY 1, 2`, [migrationUuid]);
  return new Map(r.rows.map((row) => [`${row.schema_name}.${row.table_name}`, Number(row.n)]));
}

/** One batch of a snapshot file to load (see `SnapshotBatch`). */
export type BatchToLoad = SnapshotBatch;

/** Open snapshot files of one loading connection, and its read buffers (reused: no garbage per read). */
export class SnapshotFileReader {
  private readonly handles = new Map<string, FileHandle>();
  private readonly free: Buffer[] = Array.from({ length: READ_BUFFERS }, () => Buffer.allocUnsafe(READ_BYTES));
  private waiting: (() => void)[] = [];

  /** A free read buffer; waits while all are queued on the socket. */
  async acquire(): Promise<Buffer> {
    while (this.free.length === 0) await new Promise<void>((resolve) => this.waiting.push(resolve));
    return this.free.pop()!;
  }

  release(buf: Buffer): void {
    if (buf.length !== READ_BYTES) return; // a one-off buffer for a big row
    this.free.push(buf);
    const w = this.waiting;
    this.waiting = [];
    for (const wake of w) wake();
  }

  async handle(path: string): Promise<FileHandle> {
    let h = this.handles.get(path);
    if (!h) {
      h = await open(path, 'r');
      this.handles.set(path, h);
    }
    return h;
  }

  async close(): Promise<void> {
    for (const h of this.handles.values()) await h.close().catch(() => {});
    this.handles.clear();
  }
}

const READ_BYTES = 1 << 20;
const READ_BUFFERS = 4;
const BINARY_HEADER_MESSAGE = copyDataMessage(BINARY_COPY_HEADER);
const BINARY_TRAILER_MESSAGE = copyDataMessage(BINARY_COPY_TRAILER);

/**
 * Sends the rows of a batch's byte range (whole CopyData messages; SNAPSHOT_FILE_LAYOUT) with
 * positioned reads, checking the framing as it goes: each send ends at a message boundary, every
 * message is a CopyData message inside the range, and there are exactly `rows` of them. A damaged
 * file stops the COPY before anything is committed.
 */
async function sendBatchRows(send: SendMessages, b: BatchToLoad, files: SnapshotFileReader): Promise<void> {
  const fh = await files.handle(b.filePath);
  const damaged = (what: string) => new TandemError('TANDEM_DATA', `${b.fileName} is damaged: ${what} (batch ${b.batchNo}, bytes ${b.startOffset}-${b.endOffset}).`, {
    hint: 'Export the data again in a new export dir.',
  });
  let rows = 0;
  let big = 0; // size of the next read when one row is larger than a read buffer
  for (let pos = b.startOffset; pos < b.endOffset;) {
    const buf = big > 0 ? Buffer.allocUnsafe(big) : await files.acquire();
    big = 0;
    let j = 0;
    try {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, b.endOffset - pos), pos);
      if (bytesRead === 0) throw damaged('it ends before the batch does');
      while (j + 5 <= bytesRead) {
        if (buf[j] !== COPY_DATA_TYPE) throw damaged(`byte 0x${buf[j]!.toString(16)} at offset ${pos + j} where a row should start`);
        const len = buf.readUInt32BE(j + 1);
        if (len < 4 || pos + j + 1 + len > b.endOffset) throw damaged(`a row at offset ${pos + j} does not fit the batch`);
        if (j + 1 + len > bytesRead) break;
        j += 1 + len;
        rows++;
      }
      if (j === 0) {
        // One row larger than the buffer: read it whole next time.
        if (bytesRead < 5) throw damaged(`it ends inside a row header at offset ${pos}`);
        big = 1 + buf.readUInt32BE(1);
      }
    } catch (e) {
      files.release(buf);
      throw e;
    }
    if (j === 0) {
      files.release(buf);
      continue;
    }
    await send(buf.subarray(0, j), () => files.release(buf));
    pos += j;
  }
  if (rows !== b.rows) throw damaged(`it holds ${rows} rows where ${b.rows} were recorded`);
}

/**
 * Loads one batch with COPY and records it in the same transaction, so a batch is either loaded and
 * recorded or neither: a killed import reruns without duplicates. The file's bytes go to the server
 * as they are (they are CopyData messages already), behind a header message in binary format.
 */
export async function loadBatch(client: pg.Client, b: BatchToLoad, migrationUuid: string, files: SnapshotFileReader, schema = DEFAULT_METADATA_SCHEMA): Promise<number> {
  // READ COMMITTED whatever the server's default, so that the look for firing triggers below reads
  // the catalog as it is then (see PgChangeTarget's transactions).
  await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
  try {
    // A retyped table: COPY into a staging table of the source's types, then INSERT from it with the casts.
    const stage = b.stagedTypes ? STAGING_TABLE : undefined;
    if (stage) {
      await client.query(`CREATE TEMP TABLE ${stage} (${b.columns.map((c, i) => `${q(c)} ${b.stagedTypes![i]}`).join(', ')}) ON COMMIT DROP`);
    }
    const copy = new FramedCopyIn(`COPY ${stage ?? qualified(b.schema, b.table)} (${b.columns.map(q).join(', ')}) FROM STDIN (FORMAT ${b.format})`, async (send) => {
      if (b.format === 'binary') await send(BINARY_HEADER_MESSAGE);
      await sendBatchRows(send, b, files);
      if (b.format === 'binary') await send(BINARY_TRAILER_MESSAGE);
    });
    client.query(copy as unknown as pg.QueryConfig);
    await copy.done;
    if (copy.rowCount !== b.rows) {
      throw new TandemError('TANDEM_DATA', `Batch ${b.batchNo} of ${b.fileName} loaded ${copy.rowCount} rows, expected ${b.rows}.`);
    }
    if (stage) {
      const cols = b.columns.map(q).join(', ');
      // OVERRIDING SYSTEM VALUE: a GENERATED ALWAYS identity column keeps the source's values, as COPY keeps them.
      const moved = await client.query(`INSERT INTO ${qualified(b.schema, b.table)} (${cols}) OVERRIDING SYSTEM VALUE SELECT ${cols} FROM ${stage}`);
      if (moved.rowCount !== b.rows) {
        throw new TandemError('TANDEM_DATA', `Batch ${b.batchNo} of ${b.fileName} moved ${moved.rowCount} rows from its staging table, expected ${b.rows}.`);
      }
    }
    // A trigger or rule set to fire in replica sessions since the load's check (it fires for every
    // loaded row): the batch rolls back (measured before: an ENABLE ALWAYS BEFORE trigger enabled
    // while loading changed all 400,000 rows and the import said complete; the fix-verify-48 run).
    // Rules only for a staged batch: its INSERT … SELECT runs them, COPY does not (fix-verify-49).
    await client.query(firingCheckSql([{ schema: b.schema, name: b.table, partitioned: true }], { rules: b.stagedTypes !== undefined }));
    await client.query(
      `INSERT INTO ${q(schema)}.${BATCHES_TABLE} (migration_uuid, data_file_name, batch_number, schema_name, table_name, rows_imported) VALUES ($1, $2, $3, $4, $5, $6)`,
      [migrationUuid, b.fileName, b.batchNo, b.schema, b.table, b.rows]);
    // Every row sent and the batch recorded, nothing committed: a cut here must lose the whole batch.
    failpoint('import.before-batch-commit');
    await client.query('COMMIT');
    // Committed on the target, not yet marked in meta.db: a resume must find it recorded there.
    failpoint('import.after-batch-commit');
    return copy.rowCount;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    // The look above failed (or a division by zero elsewhere: a trigger found decides).
    const firing = (e as { code?: string }).code === FIRING_CHECK_SQLSTATE
      ? (await readFiringTriggers(client, { names: [{ schema: b.schema, name: b.table }] }).catch(() => [])).filter((f) => f.kind === 'TRIGGER' || b.stagedTypes !== undefined) : [];
    if (firing.length > 0) {
      throw firingTriggersError(firing, 'the target', true, `Loading ${b.schema}.${b.table} (batch ${b.batchNo} of ${b.fileName}): `);
    }
    const err = e as { code?: string; message?: string; table?: string; constraint?: string; where?: string };
    if (err.code && !(e instanceof TandemError)) {
      // The driver's message can quote row values (in detail, and after the column in where); keep
      // only the message line, and the column's name from where.
      const column = /(?:^|\n)COPY [^,\n]+, line \d+, column ([^:\n]+):/.exec(err.where ?? '')?.[1];
      // A data exception that names no loaded column: the server computed the value that failed,
      // a generated column's (the mysql-hostile run: "integer out of range" and nothing else).
      const generated = column === undefined && err.code.startsWith('22') ? await generatedColumns(client, b.schema, b.table).catch(() => []) : [];
      const hint = err.code === '22P02' && /type json\b/.test(err.message ?? '')
        ? jsonRefusedHint(`${b.schema}.${b.table}`, qualified(b.schema, b.table), column !== undefined ? [column] : [], 'the target', 'then rerun import data: it loads this batch again.')
        : generated.length > 0 ? generatedColumnHint(qualified(b.schema, b.table), generated)
          : err.code === '54000' && /index row (?:requires|size)/.test(err.message ?? '') ? indexRowHint(qualified(b.schema, b.table))
            : err.code === '23514' && err.constraint !== undefined && !/no partition of relation/.test(err.message ?? '') ? checkRefusedHint(qualified(b.schema, b.table), err.constraint) : undefined;
      const where = column !== undefined ? ` (column ${column})` : generated.length > 0 ? ` (computing the generated column${generated.length > 1 ? 's' : ''} ${generated.map((g) => q(g.name)).join(', ')}, not a value of the file)` : '';
      throw new TandemError('TANDEM_DATA', `Loading ${b.schema}.${b.table} (batch ${b.batchNo} of ${b.fileName}) failed: ${err.message}${where} [SQLSTATE ${err.code}${err.constraint ? `, constraint ${err.constraint}` : ''}]`, { cause: e, ...(hint && { hint }) });
    }
    throw e;
  }
}

/**
 * A CHECK constraint of the target that a source row breaks: the source compared otherwise (a MySQL
 * `_ci` collation matches `'DONE'` to `'done'`, which export schema notes), or never checked the row
 * (a constraint it holds NOT VALID, or one it does not have). Measured before: PostgreSQL's words
 * only, without a way on (the schema-mysql-53 run).
 */
function checkRefusedHint(table: string, constraint: string): string {
  return `CHECK constraint ${constraint} of ${table} on the target refuses a row the source holds: the source compares otherwise (a MySQL _ci collation ignores letter case: `
    + 'export schema notes such a CHECK) or never checked the row. Drop it on the target '
    + `(ALTER TABLE ${table} DROP CONSTRAINT ${q(constraint)};) and add it back after the load, rewritten so that the source's rows pass (lower(…) for a case-insensitive one) or with NOT VALID `
    + '(new rows checked, old ones kept); change the export dir\'s schema files the same way; then rerun import data: it loads this batch again.';
}

/**
 * A loaded value too large for an index entry of the target's (a btree keeps one under about 2700
 * bytes; the schema-fidelity run: a MariaDB UNIQUE on a TEXT column, which MariaDB keeps with a
 * hidden hash, became a btree unique index and the load stopped with the server's words only).
 */
function indexRowHint(table: string): string {
  return `A value of ${table} is too large for an index entry on the target: PostgreSQL keeps a btree entry under about 2700 bytes (a server's error names the size, not the index). `
    + `Find the index on a long text or bytea column (\\d ${table} in psql) and replace it with one on a hash of the value (CREATE UNIQUE INDEX … ON ${table} (md5(<column>)) keeps a UNIQUE rule) or on a prefix, or drop it; `
    + 'and change the export dir\'s schema files the same way; then rerun import data: it loads this batch again.';
}

/** A target table's stored generated columns: their names, types and expressions. */
async function generatedColumns(client: pg.Client, schema: string, table: string): Promise<{ name: string; type: string; expression: string }[]> {
  const r = await client.query(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, pg_get_expr(d.adbin, d.adrelid) AS expression
       FROM pg_attribute a JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = to_regclass($1) AND a.attgenerated = 's' AND NOT a.attisdropped ORDER BY a.attnum`, [qualified(schema, table)]);
  return r.rows.map((row) => ({ name: String(row.name), type: String(row.type), expression: String(row.expression) }));
}

/**
 * What to do when the target failed computing a generated column from a row's loaded values: the
 * source kept (or, for a MySQL VIRTUAL column, never stored) a value the target's expression or
 * type cannot hold.
 */
export function generatedColumnHint(table: string, generated: readonly { name: string; type: string; expression: string }[]): string {
  const g = generated[0]!;
  return `The target computes ${generated.length > 1 ? 'these columns' : 'this column'} from each row's other values (${generated.map((c) => `${q(c.name)} ${c.type} GENERATED ALWAYS AS (${c.expression})`).join('; ')}), `
    + 'and a row\'s result does not fit its type or its expression fails on PostgreSQL (the source computed it otherwise, or, for a MySQL VIRTUAL column, never stored it). '
    + `Give the column a type and an expression (without a cast to the narrower type) that hold every row's result, on the target: ALTER TABLE ${table} DROP COLUMN ${q(g.name)}, ADD COLUMN ${q(g.name)} <wider type> GENERATED ALWAYS AS (<expression>) STORED; `
    + '(and in the export dir\'s schema files, so that another import of the schema makes it the same way), then rerun import data: it loads this batch again.';
}

/**
 * Refuses, naming them all, the sequences among `names` (schema, name) that exist and that this
 * session's user may not set: setval needs UPDATE (the owner, or a superuser, has it).
 */
export async function requireSequenceUpdate(client: pg.Client, names: readonly (readonly [string, string])[]): Promise<void> {
  if (names.length === 0) return;
  const r = await client.query(
    `SELECT current_user AS u, array(SELECT format('%I.%I', v.schema, v.name) FROM unnest($1::text[], $2::text[]) AS v(schema, name)
        JOIN pg_namespace n ON n.nspname = v.schema JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = v.name AND c.relkind = 'S'
       -- CASE: the planner may test the privilege before the relkind, and it refuses other relations.
       WHERE CASE WHEN c.relkind = 'S' THEN NOT has_sequence_privilege(c.oid, 'UPDATE') ELSE false END ORDER BY 1) AS lacking`, [names.map((n) => n[0]), names.map((n) => n[1])]);
  const lacking = pgArray(r.rows[0].lacking);
  if (lacking.length === 0) return;
  const user = String(r.rows[0].u);
  throw new TandemError('TANDEM_PRIVILEGE', `User ${user} lacks UPDATE on the sequence(s) ${lacking.join(', ')}, so it cannot set them to the source's values. No sequence was set.`, {
    hint: `As their owner or a superuser: GRANT UPDATE ON SEQUENCE ${lacking.join(', ')} TO ${q(user)}; then rerun the same command: it resumes and sets the sequences.`,
  });
}

/**
 * Sets a target sequence to the source's value (undefined when the target has no such sequence).
 * A value beyond the sequence's bounds (a MySQL BIGINT UNSIGNED counter above 2^63 - 1, which the
 * schema export already capped the sequence's START at; or a sequence defined with other bounds)
 * sets it to the bound it passed, as called: its next value then fails as the source's would,
 * rather than setval failing on every rerun of the import. The cutover sets every sequence again.
 */
export async function restoreSequence(client: pg.Client, schema: string, name: string, lastValue: string, isCalled: boolean): Promise<SequenceRestoreResult | undefined> {
  const bounds = (await client.query(
    `SELECT seq.seqmin::text AS min, seq.seqmax::text AS max FROM pg_sequence seq WHERE seq.seqrelid = to_regclass($1)`, [qualified(schema, name)])).rows[0];
  if (!bounds) return undefined;
  const set = withinSequenceBounds(BigInt(lastValue), isCalled, BigInt(bounds.min), BigInt(bounds.max));
  await client.query('SELECT setval($1::regclass, $2::bigint, $3::boolean)', [qualified(schema, name), set.value.toString(), set.called]);
  return { sequence: `${schema}.${name}`, value: set.value.toString(), raisedToData: false, ...(set.cappedFrom === undefined ? {} : { cappedFrom: set.cappedFrom }) };
}

/**
 * A type's name without its modifiers (`numeric(10,2)` → `numeric`, `interval day to second(3)` →
 * `interval`) and without its schema (`format_type` qualifies a type its session's search_path does
 * not show, and the two sessions' paths may differ).
 */
function bareTypeName(name: string): string {
  const array = name.endsWith('[]') ? '[]' : '';
  const bare = name.slice(0, name.length - array.length).replace(/^(?:"(?:[^"]|"")*"|[^."(]+)\.(?=.)/, '')
    .replace(/\(\s*\d+\s*(?:,\s*-?\d+\s*)?\)/g, '').replace(/\s+/g, ' ').trim();
  return (bare.startsWith('interval') ? 'interval' : bare) + array;
}

/** Types whose binary form is the text's bytes, read the same by each of them (not as arrays: an array's binary form names its element type). */
const TEXT_LIKE = new Set(['text', 'character varying', 'character', 'bpchar']);

/**
 * Whether a target column of type `target` (`targetBase`: the type under its domains) may load the
 * binary COPY form of a source column of type `source` directly: the same type (modifiers aside:
 * they are checked on reading, as in text), or both of the text types. Any other pair goes through a
 * staging table of the source's types, or is refused (`castRefusal`): most would not load (int4 into
 * int8), and some would load with another meaning (timestamp into timestamptz reads the bytes as UTC).
 */
export function binaryReadable(source: string, target: string, targetBase: string): boolean {
  const s = bareTypeName(source);
  return [target, targetBase].some((t) => {
    const b = bareTypeName(t);
    return b === s || (TEXT_LIKE.has(b) && TEXT_LIKE.has(s));
  });
}

/**
 * Why the retyped columns cannot be loaded through a staging table of the source's types, or
 * undefined when they can: every one takes its source type by an INSERT's cast (asked of the
 * server with EXPLAIN, which plans the INSERT and runs nothing), and none moves between a type with a
 * time zone and one without (the cast would read the value in the session's time zone, which the
 * source's value does not name).
 */
async function castRefusal(client: pg.Client, t: TargetTable, retyped: readonly { column: string; source: string; target: string }[]): Promise<string | undefined> {
  const zoned = (type: string) => /\bwith time zone\b/.test(type) ? 1 : /\bwithout time zone\b|^(timestamp|time)\b/.test(bareTypeName(type)) ? 0 : -1;
  const shifted = retyped.find((c) => zoned(c.source) >= 0 && zoned(c.target) >= 0 && zoned(c.source) !== zoned(c.target));
  if (shifted) return `${shifted.column} would move between a type with a time zone and one without`;
  try {
    await client.query(`EXPLAIN INSERT INTO ${qualified(t.schema, t.name)} (${retyped.map((c) => q(c.column)).join(', ')}) OVERRIDING SYSTEM VALUE SELECT ${retyped.map((c) => `NULL::${c.source}`).join(', ')}`);
    return undefined;
  } catch (e) {
    return `the target cannot cast them (${(e as Error).message.split('\n')[0]})`;
  }
}

/**
 * The staging table of a retyped table's batch: created in the batch's transaction and dropped at
 * its end (commit or rollback), in the session's own temp schema, so one name serves every table.
 */
const STAGING_TABLE = 'pg_temp.tandem_stage';

/**
 * Refuses schemas (of those that exist) whose objects this session's user may not reach: without
 * USAGE every statement naming one of their tables or sequences fails, the tables' privileges
 * notwithstanding.
 */
async function requireSchemaUsage(client: pg.Client, schemas: readonly string[]): Promise<void> {
  const r = await client.query(
    `SELECT current_user AS u, current_database() AS db, array(SELECT s FROM unnest($1::text[]) s
        -- CASE: the privilege may be tested only on a schema that exists (it refuses another name).
        WHERE CASE WHEN EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = s) THEN NOT has_schema_privilege(s, 'USAGE') ELSE false END ORDER BY 1) AS lacking`, [[...schemas]]);
  const lacking = pgArray(r.rows[0].lacking);
  if (lacking.length === 0) return;
  const user = String(r.rows[0].u);
  throw new TandemError('TANDEM_PRIVILEGE', `User ${user} lacks USAGE on schema ${lacking.join(', ')} of database ${r.rows[0].db}: it can reach none of the tables or sequences there. Nothing was written.`, {
    hint: `As the schema's owner or a superuser: GRANT USAGE ON SCHEMA ${lacking.map(q).join(', ')} TO ${q(user)}; then rerun the same command.`,
  });
}

/** Checks the target tables before anything is written. `fresh` = tables with no batch loaded yet. */
export async function checkTargetTables(client: pg.Client, tables: readonly TargetTable[], fresh: ReadonlySet<string>): Promise<TargetTableCheck> {
  const out: TargetTableCheck & { rowSecurity: string[]; requiredExtraColumns: { table: string; columns: string[]; setDefault: string }[];
    unfilledColumns: { table: string; columns: string[] }[]; plainGeneratedColumns: { table: string; columns: string[] }[]; generatedExportedColumns: { table: string; columns: string[] }[];
    retypedBinaryColumns: NonNullable<TargetTableCheck['retypedBinaryColumns']>; castWhileLoading: NonNullable<TargetTableCheck['castWhileLoading']> } =
    { missingTables: [], missingColumns: [], requiredExtraColumns: [], unfilledColumns: [], plainGeneratedColumns: [], generatedExportedColumns: [], retypedBinaryColumns: [], castWhileLoading: [], nonEmptyTables: [], noInsertPrivilege: [], rowSecurity: [] };
  await requireSchemaUsage(client, [...new Set(tables.map((t) => t.schema))]);
  for (const t of tables) {
    const key = `${t.schema}.${t.name}`;
    const r = await client.query(
      `SELECT c.oid::int AS oid, c.relkind, has_table_privilege(c.oid, 'INSERT') AS ins, has_table_privilege(c.oid, 'SELECT') AS sel,
              c.relrowsecurity AND row_security_active(c.oid) AS rls,
              (SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped) AS cols,
              (SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped AND attgenerated <> '') AS generated,
              -- Each column's type and, for a domain, the type at the bottom of its chain (what its binary form is),
              -- in the order of cols.
              (SELECT array_agg(format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS col_types,
              (SELECT array_agg((WITH RECURSIVE chain (oid, depth) AS (SELECT a.atttypid, 0
                    UNION ALL SELECT ty.typbasetype, depth + 1 FROM pg_type ty JOIN chain ON ty.oid = chain.oid WHERE ty.typtype = 'd')
                  SELECT format_type(oid, NULL) FROM chain ORDER BY depth DESC LIMIT 1) ORDER BY a.attnum)
                 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS col_base_types,
              -- Refusing NULL (NOT NULL, or of a domain that is NOT NULL or over one that is) without a default:
              -- a generated column has one (its expression), an identity column its sequence, a column of a
              -- domain with a default that one (its own type's: a domain takes its base domain's default
              -- when it is created, as the executor reads it). COPY lets NULL into a NOT NULL domain's
              -- column that it leaves out, where INSERT refuses it: the snapshot would load, the stream stop.
              (SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                  AND NOT a.atthasdef AND a.attidentity = ''
                  AND (a.attnotnull OR EXISTS (
                    WITH RECURSIVE chain (oid) AS (SELECT a.atttypid
                      UNION ALL SELECT ty.typbasetype FROM pg_type ty JOIN chain ON ty.oid = chain.oid WHERE ty.typtype = 'd')
                    SELECT 1 FROM chain JOIN pg_type ty ON ty.oid = chain.oid WHERE ty.typtype = 'd' AND ty.typnotnull))
                  AND NOT EXISTS (SELECT 1 FROM pg_type ty WHERE ty.oid = a.atttypid AND ty.typtype = 'd' AND ty.typdefaultbin IS NOT NULL)) AS required,
              -- Every column with no value of its own (no default, not generated, not identity, no domain default).
              (SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                  AND NOT a.atthasdef AND a.attidentity = ''
                  AND NOT EXISTS (SELECT 1 FROM pg_type ty WHERE ty.oid = a.atttypid AND ty.typtype = 'd' AND ty.typdefaultbin IS NOT NULL)) AS valueless
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')`,
      [t.schema, t.name]);
    if (r.rows.length === 0) {
      out.missingTables.push(key);
      continue;
    }
    const row = r.rows[0];
    const privileged = (row.ins === true || row.ins === 't') && (row.sel === true || row.sel === 't');
    if (!privileged) out.noInsertPrivilege.push(key);
    if (row.rls === true || row.rls === 't') {
      out.rowSecurity.push(key);
      continue; // its emptiness cannot be seen through the policies
    }
    const sqlTable = `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`; // for the hints' statements
    const colNames = pgArray(row.cols);
    const cols = new Set(colNames);
    const missing = t.columns.filter((c) => !cols.has(c));
    if (missing.length) out.missingColumns.push({ table: key, columns: missing });
    if (t.binaryTypes && t.binaryTypes.length === t.columns.length) {
      const types = pgArray(row.col_types);
      const bases = pgArray(row.col_base_types);
      const retyped: { column: string; source: string; target: string }[] = [];
      t.columns.forEach((c, i) => {
        const at = colNames.indexOf(c);
        if (at < 0) return;
        if (!binaryReadable(t.binaryTypes![i]!, types[at]!, bases[at]!)) retyped.push({ column: c, source: t.binaryTypes![i]!, target: types[at]! });
      });
      if (retyped.length) {
        const reason = await castRefusal(client, t, retyped);
        if (reason === undefined) out.castWhileLoading.push({ table: key, columns: retyped });
        else {
          const first = retyped[0]!;
          out.retypedBinaryColumns.push({ table: key, columns: retyped, reason,
            alter: `ALTER TABLE ${sqlTable} ALTER COLUMN ${quoteIdent(first.column)} TYPE ${first.source}` });
        }
      }
    }
    // A column the source generates, left out of the snapshot for the target to compute, made an
    // ordinary column here (as analyze-schema's advice for a target without stored generated columns
    // once said): every migrated row would hold NULL or its default (the schema-fidelity run).
    const generatedHere = new Set(pgArray(row.generated));
    const plain = (t.generatedOnSource ?? []).filter((c) => cols.has(c) && !generatedHere.has(c));
    if (plain.length) out.plainGeneratedColumns.push({ table: key, columns: plain });
    // The other way: a column the source exports made generated here, which refuses every value (the fix-verify run).
    const computed = t.columns.filter((c) => generatedHere.has(c));
    if (computed.length) out.generatedExportedColumns.push({ table: key, columns: computed });
    const exported = new Set([...t.columns, ...plain]);
    const extra = pgArray(row.required).filter((c) => !exported.has(c));
    if (extra.length) out.requiredExtraColumns.push({ table: key, columns: extra, setDefault: `ALTER TABLE ${sqlTable} ALTER COLUMN ${quoteIdent(extra[0]!)} SET DEFAULT …` });
    const unfilled = pgArray(row.valueless).filter((c) => !exported.has(c) && !extra.includes(c));
    if (unfilled.length) out.unfilledColumns.push({ table: key, columns: unfilled });
    if (fresh.has(key) && privileged) {
      // A plain table's own rows (ONLY): its inheritance children are tables of their own, loaded apart.
      const e = await client.query(`SELECT EXISTS (SELECT 1 FROM ${row.relkind === 'r' ? 'ONLY ' : ''}${qualified(t.schema, t.name)}) AS e`);
      if (e.rows[0].e === true || e.rows[0].e === 't') out.nonEmptyTables.push(key);
    }
  }
  return out;
}

