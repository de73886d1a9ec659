/**
 * The MySQL/MariaDB source position, defined in this one place: where the binlog stands after a
 * transaction, as a string that sorts correctly as text.
 *
 * `<file sequence, 10 digits>.<offset, 12 digits>|<binlog file name>|<gtid>`, e.g.
 * `0000000003.000000001234|mysql-bin.000003|mariadb:0-1-100`.
 *
 * - The fixed-width prefix orders positions in binlog order on one server (file sequence number,
 *   then byte offset), so `core/` compares positions as plain text.
 * - The offset is where the next event begins: the end of the transaction's last event (its
 *   XID/COMMIT). Resuming at this position emits the next transaction and nothing before it.
 * - `<gtid>` is the server's GTID state after the transaction when the server has GTIDs
 *   (`mariadb:<@@gtid_binlog_pos form>` or `mysql:<@@gtid_executed form>`), else empty. A resume
 *   prefers it: it survives a failover to a replica, where file names and offsets differ.
 * Pure.
 */
import { TandemError } from '../../../core/errors.js';
import { MariaGtidState, MysqlGtidSet } from './gtid-state.js';

/** A GTID state of either flavour. */
export type GtidPosition =
  | { readonly flavor: 'mariadb'; readonly state: MariaGtidState }
  | { readonly flavor: 'mysql'; readonly set: MysqlGtidSet };

/** A decoded position. */
export interface BinlogPosition {
  /** The binlog file the offset is in (e.g. `mysql-bin.000003`). */
  readonly file: string;
  /** Byte offset in that file where the next event begins. */
  readonly offset: number;
  readonly gtid?: GtidPosition;
}

const SEQ_WIDTH = 10;
const OFFSET_WIDTH = 12;

/** The numeric suffix of a binlog file name (`mysql-bin.000003` → 3). */
export function binlogFileSequence(file: string): number {
  const m = /\.(\d+)$/.exec(file);
  if (!m || m[1]!.length > SEQ_WIDTH) {
    throw new TandemError('TANDEM_DATA', `"${file}" is not a binlog file name (base name, a dot and a number).`);
  }
  return Number(m[1]);
}

/**
 * Position → sortable string.
 * @example encodeBinlogPosition({ file: 'mysql-bin.000003', offset: 1234 }) // '0000000003.000000001234|mysql-bin.000003|'
 */
export function encodeBinlogPosition(p: BinlogPosition): string {
  if (!Number.isSafeInteger(p.offset) || p.offset < 0 || p.offset >= 10 ** OFFSET_WIDTH) {
    throw new TandemError('TANDEM_DATA', `${p.offset} is not a binlog offset.`);
  }
  const off = String(p.offset).padStart(OFFSET_WIDTH, '0');
  return `${fileSequenceText(p.file)}.${off}|${p.file}|${gtidText(p.gtid)}`;
}

/** The last file's checked, padded sequence number: every transaction of a file asks for it. */
let lastFile: { readonly file: string; readonly seq: string } | undefined;

function fileSequenceText(file: string): string {
  if (lastFile?.file === file) return lastFile.seq;
  if (file.includes('|')) throw new TandemError('TANDEM_DATA', `The binlog file name "${file}" contains '|'.`);
  const seq = String(binlogFileSequence(file)).padStart(SEQ_WIDTH, '0');
  lastFile = { file, seq };
  return seq;
}

function gtidText(g: GtidPosition | undefined): string {
  if (!g) return '';
  return g.flavor === 'mariadb' ? `mariadb:${g.state.toString()}` : `mysql:${g.set.toString()}`;
}

/** Sortable string → position; a TandemError for anything else. */
export function decodeBinlogPosition(text: string): BinlogPosition {
  const m = /^(\d{10})\.(\d{12})\|([^|]+)\|(.*)$/s.exec(text);
  if (!m) throw new TandemError('TANDEM_EXPORT_DIR', `"${text}" is not a MySQL binlog position recorded by Tandem.`);
  const file = m[3]!;
  const offset = Number(m[2]);
  if (binlogFileSequence(file) !== Number(m[1])) {
    throw new TandemError('TANDEM_EXPORT_DIR', `The binlog position "${text}" is inconsistent (file sequence).`);
  }
  const g = m[4]!;
  if (g === '') return { file, offset };
  if (g.startsWith('mariadb:')) return { file, offset, gtid: { flavor: 'mariadb', state: MariaGtidState.parse(g.slice(8)) } };
  if (g.startsWith('mysql:')) return { file, offset, gtid: { flavor: 'mysql', set: MysqlGtidSet.parse(g.slice(6)) } };
  throw new TandemError('TANDEM_EXPORT_DIR', `The binlog position "${text}" has an unknown GTID part.`);
}
