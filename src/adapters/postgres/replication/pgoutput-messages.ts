/**
 * The messages of PostgreSQL's `pgoutput` logical decoding plugin, as typed values. Field names
 * follow the protocol documentation ("Logical Replication Message Formats"), in camelCase.
 * LSNs are `bigint`; times are microseconds since the Unix epoch as `bigint` (the server sends
 * microseconds since 2000-01-01, which a `Date` would truncate).
 */
import type { Lsn } from './lsn.js';

/** Marks a column whose value is an unchanged TOASTed datum the server did not send ('u'). */
export const UNCHANGED_TOAST: unique symbol = Symbol('unchanged-toast');
export type UnchangedToast = typeof UNCHANGED_TOAST;

/**
 * One column of a tuple: `null` for SQL NULL ('n'), {@link UNCHANGED_TOAST} for a value the server
 * left out ('u', never the same as NULL), the server's text form exactly as sent ('t'), or the raw
 * bytes of a binary-format value ('b').
 */
export type TupleValue = string | null | UnchangedToast | Buffer;

/** The column values of a row, by column position in the matching {@link RelationMessage}. */
export type Tuple = TupleValue[];

/** Replica identity setting of a relation: default, nothing, full, index. */
export type ReplicaIdentity = 'd' | 'n' | 'f' | 'i';

export interface RelationColumn {
  /** True when the column is part of the replica identity key (flag bit 1). */
  readonly isKey: boolean;
  readonly name: string;
  readonly typeOid: number;
  /** Type modifier, -1 when none (e.g. numeric(30,10) has one). */
  readonly typeMod: number;
}

export interface BeginMessage {
  readonly tag: 'begin';
  /** LSN of the commit record; equals the matching Commit's `commitLsn`. */
  readonly finalLsn: Lsn;
  readonly commitTime: bigint;
  readonly xid: number;
}

export interface CommitMessage {
  readonly tag: 'commit';
  readonly flags: number;
  readonly commitLsn: Lsn;
  /** LSN just past the commit record: the position to acknowledge once the transaction is durable. */
  readonly endLsn: Lsn;
  readonly commitTime: bigint;
}

export interface OriginMessage {
  readonly tag: 'origin';
  readonly originLsn: Lsn;
  readonly originName: string;
}

export interface RelationMessage {
  readonly tag: 'relation';
  /** Set only inside a streamed transaction block (protocol version 2+). */
  readonly xid?: number;
  readonly relationId: number;
  readonly schema: string;
  readonly name: string;
  readonly replicaIdentity: ReplicaIdentity;
  readonly columns: readonly RelationColumn[];
}

export interface TypeMessage {
  readonly tag: 'type';
  readonly xid?: number;
  readonly typeOid: number;
  readonly schema: string;
  readonly name: string;
}

export interface InsertMessage {
  readonly tag: 'insert';
  readonly xid?: number;
  readonly relationId: number;
  readonly newTuple: Tuple;
}

export interface UpdateMessage {
  readonly tag: 'update';
  readonly xid?: number;
  readonly relationId: number;
  /**
   * 'K' when the old replica identity key is sent (the key changed, or identity is an index),
   * 'O' when the whole old row is sent (REPLICA IDENTITY FULL), undefined when neither.
   */
  readonly oldKind?: 'K' | 'O';
  /** The old key or old row: all non-key columns are NULL when `oldKind` is 'K'. */
  readonly oldTuple?: Tuple;
  readonly newTuple: Tuple;
}

export interface DeleteMessage {
  readonly tag: 'delete';
  readonly xid?: number;
  readonly relationId: number;
  readonly oldKind: 'K' | 'O';
  readonly oldTuple: Tuple;
}

export interface TruncateMessage {
  readonly tag: 'truncate';
  readonly xid?: number;
  readonly cascade: boolean;
  readonly restartIdentity: boolean;
  readonly relationIds: readonly number[];
}

export interface LogicalMessage {
  readonly tag: 'message';
  readonly xid?: number;
  /** True when emitted inside a transaction (pg_logical_emit_message(true, …)). */
  readonly transactional: boolean;
  readonly messageLsn: Lsn;
  readonly prefix: string;
  readonly content: Buffer;
}

/** Protocol version 2: start of a block of a streamed (in-progress) transaction. */
export interface StreamStartMessage {
  readonly tag: 'streamStart';
  readonly xid: number;
  readonly firstSegment: boolean;
}

export interface StreamStopMessage {
  readonly tag: 'streamStop';
}

export interface StreamCommitMessage {
  readonly tag: 'streamCommit';
  readonly xid: number;
  readonly flags: number;
  readonly commitLsn: Lsn;
  readonly endLsn: Lsn;
  readonly commitTime: bigint;
}

export interface StreamAbortMessage {
  readonly tag: 'streamAbort';
  readonly xid: number;
  readonly subXid: number;
}

export type PgoutputMessage =
  | BeginMessage
  | CommitMessage
  | OriginMessage
  | RelationMessage
  | TypeMessage
  | InsertMessage
  | UpdateMessage
  | DeleteMessage
  | TruncateMessage
  | LogicalMessage
  | StreamStartMessage
  | StreamStopMessage
  | StreamCommitMessage
  | StreamAbortMessage;

/** Microseconds between 1970-01-01 and PostgreSQL's epoch 2000-01-01. */
export const PG_EPOCH_OFFSET_MICROS = 946_684_800_000_000n;
