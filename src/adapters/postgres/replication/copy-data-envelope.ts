/**
 * The replication protocol's CopyData envelope (streaming replication protocol): what the walsender
 * sends ('w' XLogData, 'k' primary keepalive) and the standby status update ('r') we send back.
 * Pure functions over one CopyData payload; CopyData framing itself is done by pg-copy-streams.
 */
import type { Lsn } from './lsn.js';
import { PG_EPOCH_OFFSET_MICROS } from './pgoutput-messages.js';
import { PgoutputDecodeError } from './pgoutput-decoder.js';

/** 'w': a piece of WAL; for logical replication, exactly one pgoutput message. */
export interface XLogData {
  readonly kind: 'xlogData';
  /** WAL position of the start of this data (for pgoutput: of the record that produced it). */
  readonly walStart: Lsn;
  /** Current end of WAL on the server. */
  readonly walEnd: Lsn;
  /** Server clock at transmission, µs since the Unix epoch. */
  readonly sendTime: bigint;
  /** The pgoutput message; a view into the received chunk, not a copy. */
  readonly payload: Buffer;
}

/** 'k': the server tells where WAL ends and may ask for an immediate status update. */
export interface PrimaryKeepalive {
  readonly kind: 'keepalive';
  readonly walEnd: Lsn;
  readonly sendTime: bigint;
  readonly replyRequested: boolean;
}

export type ReplicationEnvelope = XLogData | PrimaryKeepalive;

/** Decodes one CopyData payload received during START_REPLICATION. */
export function decodeCopyDataEnvelope(buf: Buffer): ReplicationEnvelope {
  const kind = buf[0];
  if (kind === 0x77 /* w */) {
    if (buf.length < 25) throw new PgoutputDecodeError(`XLogData truncated (${buf.length} bytes)`);
    return {
      kind: 'xlogData',
      walStart: buf.readBigUInt64BE(1),
      walEnd: buf.readBigUInt64BE(9),
      sendTime: buf.readBigInt64BE(17) + PG_EPOCH_OFFSET_MICROS,
      payload: buf.subarray(25),
    };
  }
  if (kind === 0x6b /* k */) {
    if (buf.length < 18) throw new PgoutputDecodeError(`keepalive truncated (${buf.length} bytes)`);
    return {
      kind: 'keepalive',
      walEnd: buf.readBigUInt64BE(1),
      sendTime: buf.readBigInt64BE(9) + PG_EPOCH_OFFSET_MICROS,
      replyRequested: buf[17] === 1,
    };
  }
  throw new PgoutputDecodeError(`unknown replication message type ${kind}`);
}

/**
 * Builds a standby status update ('r'). For a logical slot the server uses only `flush` (it becomes
 * the slot's confirmed_flush_lsn), so all three positions get the same LSN.
 */
export function encodeStandbyStatusUpdate(lsn: Lsn, nowMicros: bigint, replyRequested = false): Buffer {
  const out = Buffer.alloc(34);
  out[0] = 0x72; // 'r'
  out.writeBigUInt64BE(lsn, 1); // written
  out.writeBigUInt64BE(lsn, 9); // flushed
  out.writeBigUInt64BE(lsn, 17); // applied
  out.writeBigInt64BE(nowMicros - PG_EPOCH_OFFSET_MICROS, 25);
  out[33] = replyRequested ? 1 : 0;
  return out;
}
