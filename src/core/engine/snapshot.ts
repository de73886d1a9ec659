import type { TableInfo } from './catalog.js';

/**
 * One unit of snapshot work: (part of) one table, copied by one reader into one or more files. An
 * engine's chunks carry what its reader needs (PostgreSQL: the COPY statement); the workflow hands
 * them back unchanged.
 */
export interface SnapshotChunk {
  /** `schema.table` of the target's table. */
  readonly tableKey: string;
  readonly chunkNo: number;
  /** The COPY format of the files: binary only where the engine says so (PostgreSQL sources). */
  readonly format: 'binary' | 'text';
  readonly estimatedRows: number;
}

/** One file a reader finished (fsynced), as reported while it copies. */
export interface SnapshotFilePart {
  readonly partNo: number;
  readonly rows: number;
  readonly bytes: number;
  /** Row boundaries every `rowIndexStep` rows: [startOffset, endOffset, rows][]. */
  readonly rowIndex: [number, number, number][];
}

export interface CopyToFilesOptions {
  /** The path of part `partNo` of the chunk. */
  readonly pathOf: (partNo: number) => string;
  readonly rowIndexStep: number;
  /** Start a new file after about this many bytes (at a row boundary). */
  readonly partBytes: number | ((partNo: number) => number);
  /** Called once a file is complete and fsynced, before the next one starts. */
  readonly onPart: (part: SnapshotFilePart) => void;
}

/**
 * One reading connection at the session's consistent point. It writes files in the layout
 * `copydata-rows-v1` (docs/positions.md §4): one PostgreSQL CopyData message per row, text or binary
 * COPY format as the chunk says, so the target's COPY loads them unchanged.
 */
export interface SnapshotReader {
  copyToFiles(chunk: SnapshotChunk, options: CopyToFilesOptions): Promise<{ rows: number; parts: number }>;
  close(): Promise<void>;
}

/** Readers that all see the source at one consistent point. */
export interface SnapshotSession {
  readonly readers: readonly SnapshotReader[];
  /** For messages and the log: which point ("snapshot 00000003-0000001B-1", "binlog mysql-bin.000004:1543", "SCN 48812233"). */
  readonly description: string;
  /** Closes every reader. */
  close(): Promise<void>;
}

/**
 * Snapshot reading: the chunks of every export, and the readers of an offline (snapshot-only) one
 * (a live export opens its readers through the change capture, at the stream's start). Every table
 * has at least one chunk; all chunks of a table have the same format.
 */
export interface SnapshotSource {
  /** Splits the tables (from this engine's `listTables`) into chunks for `jobs` parallel readers. */
  planChunks(tables: readonly TableInfo[], jobs: number): Promise<SnapshotChunk[]>;
  /** Opens `readers` readers at one consistent point. */
  open(tables: readonly TableInfo[], readers: number): Promise<SnapshotSession>;
}
