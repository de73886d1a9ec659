/**
 * Binlog event type codes and the typed events the decoder produces. The numbering is the
 * binlog's own (MySQL's `Log_event_type`, MariaDB's additions from 160).
 */
export const EventType = {
  QUERY: 2,
  STOP: 3,
  ROTATE: 4,
  INTVAR: 5,
  RAND: 13,
  USER_VAR: 14,
  FORMAT_DESCRIPTION: 15,
  XID: 16,
  TABLE_MAP: 19,
  WRITE_ROWS_V1: 23,
  UPDATE_ROWS_V1: 24,
  DELETE_ROWS_V1: 25,
  INCIDENT: 26,
  HEARTBEAT: 27,
  IGNORABLE: 28,
  ROWS_QUERY: 29,
  WRITE_ROWS_V2: 30,
  UPDATE_ROWS_V2: 31,
  DELETE_ROWS_V2: 32,
  /** MySQL 5.6+: the GTID of the transaction that follows. */
  GTID_LOG: 33,
  ANONYMOUS_GTID_LOG: 34,
  PREVIOUS_GTIDS_LOG: 35,
  TRANSACTION_CONTEXT: 36,
  VIEW_CHANGE: 37,
  XA_PREPARE: 38,
  /** MySQL 8 with binlog_row_value_options=PARTIAL_JSON. */
  PARTIAL_UPDATE_ROWS: 39,
  /** MySQL 8.0.20+ with binlog_transaction_compression=ON. */
  TRANSACTION_PAYLOAD: 40,
  HEARTBEAT_V2: 41,
  /** MySQL 8.3+: a GTID with a tag. */
  GTID_TAGGED_LOG: 42,
  MARIA_ANNOTATE_ROWS: 160,
  MARIA_BINLOG_CHECKPOINT: 161,
  MARIA_GTID: 162,
  MARIA_GTID_LIST: 163,
  MARIA_START_ENCRYPTION: 164,
  MARIA_QUERY_COMPRESSED: 165,
  MARIA_WRITE_ROWS_COMPRESSED_V1: 166,
  MARIA_UPDATE_ROWS_COMPRESSED_V1: 167,
  MARIA_DELETE_ROWS_COMPRESSED_V1: 168,
  MARIA_WRITE_ROWS_COMPRESSED: 169,
  MARIA_UPDATE_ROWS_COMPRESSED: 170,
  MARIA_DELETE_ROWS_COMPRESSED: 171,
} as const;

/** Size of the v4 event header. */
export const EVENT_HEADER_LENGTH = 19;
/** LOG_EVENT_ARTIFICIAL_F: an event the server made up for the stream (fake ROTATE); its nextPosition is 0. */
export const EVENT_FLAG_ARTIFICIAL = 0x20;
/** Rows event flag: the last rows event of a statement. */
export const ROWS_FLAG_STMT_END = 0x0001;

/** The v4 header every event starts with. */
export interface EventHeader {
  /** Seconds since the epoch (UTC) when the statement began. */
  readonly timestamp: number;
  readonly typeCode: number;
  readonly serverId: number;
  /** Length of the whole event, header and checksum included. */
  readonly eventLength: number;
  /** Position of the next event in the binlog file (0 for artificial events). */
  readonly nextPosition: number;
  readonly flags: number;
}

/** The checksum algorithm a FORMAT_DESCRIPTION event announces. */
export type ChecksumAlgorithm = 'NONE' | 'CRC32';

export interface FormatDescriptionEvent {
  readonly kind: 'formatDescription';
  readonly binlogVersion: number;
  readonly serverVersion: string;
  readonly createTimestamp: number;
  /** Post-header length per event type code (index = code - 1). */
  readonly postHeaderLengths: Buffer;
  readonly checksum: ChecksumAlgorithm;
}

export interface RotateEvent {
  readonly kind: 'rotate';
  /** The file the following events come from. */
  readonly file: string;
  readonly position: number;
}

export interface QueryEvent {
  readonly kind: 'query';
  readonly threadId: number;
  readonly errorCode: number;
  /** The default database of the statement ('' when none). */
  readonly database: string;
  readonly statement: string;
}

export interface XidEvent {
  readonly kind: 'xid';
  readonly xid: bigint;
}

/** One column as the TABLE_MAP describes it. */
export interface BinlogColumn {
  /**
   * The column type (`ColumnType`). For CHAR/BINARY/ENUM/SET columns the table map says STRING and
   * the metadata holds the real type: this field holds the real type (ENUM, SET or STRING).
   */
  readonly type: number;
  /** The type code exactly as the table map wrote it. */
  readonly mapType: number;
  /**
   * The metadata as MySQL combines its bytes: VARCHAR max bytes; BLOB/GEOMETRY/JSON length-prefix
   * size; FLOAT/DOUBLE pack length; temporal fsp; DECIMAL precision << 8 | scale; BIT bytes << 8 |
   * bits; STRING/ENUM/SET first byte << 8 | second byte. 0 for types without metadata.
   */
  readonly meta: number;
  readonly nullable: boolean;
}

/** MySQL 8 / MariaDB 10.5+ optional metadata (binlog_row_metadata=MINIMAL or FULL). */
export interface TableMapOptionalMetadata {
  /** Per column: true = UNSIGNED, for numeric columns only (others undefined). */
  readonly unsigned?: ReadonlyArray<boolean | undefined>;
  /** Per column: the collation id of character columns (others undefined); 63 = binary. */
  readonly collations?: ReadonlyArray<number | undefined>;
  readonly columnNames?: readonly string[];
  /** Per column: the ENUM labels (others undefined). */
  readonly enumValues?: ReadonlyArray<readonly string[] | undefined>;
  /** Per column: the SET labels (others undefined). */
  readonly setValues?: ReadonlyArray<readonly string[] | undefined>;
  /** Column indexes of the primary key. */
  readonly primaryKey?: readonly number[];
}

export interface TableMapEvent {
  readonly kind: 'tableMap';
  readonly tableId: number;
  readonly database: string;
  readonly table: string;
  readonly columns: readonly BinlogColumn[];
  readonly optional?: TableMapOptionalMetadata;
}

/** WRITE/UPDATE/DELETE rows (v1 or v2, MariaDB's compressed ones after inflating). */
export interface RowsEvent {
  readonly kind: 'rows';
  readonly op: 'write' | 'update' | 'delete';
  readonly tableId: number;
  readonly flags: number;
  /** Number of columns of the table. */
  readonly columnCount: number;
  /** Columns present in the (before) image. */
  readonly present: Buffer;
  /** Columns present in the after image (UPDATE only). */
  readonly presentAfter?: Buffer;
  /** The row images, still encoded: decode them with `decodeRows`. */
  readonly rowsData: Buffer;
}

/** MariaDB GTID_EVENT: the start of an event group (a transaction or a standalone statement). */
export interface MariaGtidEvent {
  readonly kind: 'mariaGtid';
  readonly domainId: number;
  readonly serverId: number;
  readonly sequence: bigint;
  readonly flags: number;
  /** True when no BEGIN/COMMIT follows: the group is one statement (DDL, or non-transactional). */
  readonly standalone: boolean;
  /** True for an XA transaction's PREPARE or its later COMMIT/ROLLBACK. */
  readonly xa: boolean;
}

/** One MariaDB GTID: domain-server-sequence. */
export interface MariaGtid {
  readonly domainId: number;
  readonly serverId: number;
  readonly sequence: bigint;
}

/** MariaDB GTID_LIST_EVENT: the binlog state at the start of a file. */
export interface MariaGtidListEvent {
  readonly kind: 'mariaGtidList';
  readonly gtids: readonly MariaGtid[];
}

/** MySQL GTID_LOG_EVENT / ANONYMOUS_GTID_LOG_EVENT. */
export interface MysqlGtidEvent {
  readonly kind: 'mysqlGtid';
  /** Source UUID, lower case with dashes. */
  readonly uuid: string;
  readonly transactionNumber: bigint;
  readonly anonymous: boolean;
}

/** MySQL PREVIOUS_GTIDS_LOG_EVENT: GTIDs in all earlier files. Intervals are [start, end] inclusive. */
export interface PreviousGtidsEvent {
  readonly kind: 'previousGtids';
  readonly sets: ReadonlyArray<{ readonly uuid: string; readonly intervals: ReadonlyArray<readonly [bigint, bigint]> }>;
}

export interface HeartbeatEvent {
  readonly kind: 'heartbeat';
  readonly file: string;
}

/** MySQL 8 TRANSACTION_PAYLOAD_EVENT: the events of a transaction, usually zstd-compressed. */
export interface TransactionPayloadEvent {
  readonly kind: 'transactionPayload';
  readonly compression: 'zstd' | 'none' | 'unknown';
  readonly uncompressedSize: number;
  readonly payload: Buffer;
}

/** An event that stops capture: the decoder cannot or must not go on past it. */
export interface UnsupportedEvent {
  readonly kind: 'unsupported';
  /** Why, for the error message. */
  readonly reason: 'partial-json-update' | 'incident' | 'encrypted' | 'tagged-gtid' | 'statement-based' | 'xa-prepare';
}

/** Events the capture has no use for (annotations, checkpoints, STOP, …). */
export interface IgnoredEvent {
  readonly kind: 'ignored';
}

export type BinlogEventBody =
  | FormatDescriptionEvent
  | RotateEvent
  | QueryEvent
  | XidEvent
  | TableMapEvent
  | RowsEvent
  | MariaGtidEvent
  | MariaGtidListEvent
  | MysqlGtidEvent
  | PreviousGtidsEvent
  | HeartbeatEvent
  | TransactionPayloadEvent
  | UnsupportedEvent
  | IgnoredEvent;

/** A decoded event: its header and its body. */
export type BinlogEvent = BinlogEventBody & { readonly header: EventHeader };
