/**
 * GTID bookkeeping for both flavours, as text the servers accept back:
 * - MariaDB: one `domain-server-sequence` per replication domain, comma-separated
 *   (`0-1-100,1-2-7`): the value of `@@gtid_binlog_pos` and of `@slave_connect_state`;
 * - MySQL: a GTID set `uuid:1-100:102,uuid2:1-5` (`@@gtid_executed`), sent back in
 *   COM_BINLOG_DUMP_GTID.
 * Pure.
 */
import { TandemError } from '../../../core/errors.js';

/** MariaDB's GTID position: the last GTID of each domain. */
export class MariaGtidState {
  private constructor(private readonly domains: ReadonlyMap<number, { readonly serverId: number; readonly sequence: bigint }>) {}

  static readonly EMPTY = new MariaGtidState(new Map());

  /**
   * Parses `@@gtid_binlog_pos` text ('' is the empty state).
   * @example MariaGtidState.parse('0-1-100,1-2-7')
   */
  static parse(text: string): MariaGtidState {
    const domains = new Map<number, { serverId: number; sequence: bigint }>();
    for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
      const m = /^(\d+)-(\d+)-(\d+)$/.exec(part);
      if (!m) throw new TandemError('TANDEM_DATA', `"${part}" is not a MariaDB GTID (domain-server-sequence).`);
      const domain = Number(m[1]);
      if (domains.has(domain)) throw new TandemError('TANDEM_DATA', `The MariaDB GTID position "${text}" names domain ${domain} twice.`);
      domains.set(domain, { serverId: Number(m[2]), sequence: BigInt(m[3]!) });
    }
    return new MariaGtidState(domains);
  }

  get isEmpty(): boolean {
    return this.domains.size === 0;
  }

  /** The state after a transaction with this GTID. */
  with(domainId: number, serverId: number, sequence: bigint): MariaGtidState {
    const next = new Map(this.domains);
    next.set(domainId, { serverId, sequence });
    return new MariaGtidState(next);
  }

  /** Canonical text: domains in ascending order. */
  toString(): string {
    // Worked out once: a position is encoded from the state after every transaction.
    if (this.text === undefined) {
      if (this.domains.size === 1) {
        const [d, g] = this.domains.entries().next().value as [number, { serverId: number; sequence: bigint }];
        this.text = `${d}-${g.serverId}-${g.sequence}`;
      } else {
        this.text = [...this.domains.entries()]
          .sort((a, b) => a[0] - b[0])
          .map(([d, g]) => `${d}-${g.serverId}-${g.sequence}`)
          .join(',');
      }
    }
    return this.text;
  }

  private text: string | undefined;
}

/** One MySQL source UUID's transaction numbers, as sorted, disjoint, inclusive intervals. */
type Intervals = ReadonlyArray<readonly [bigint, bigint]>;

/** MySQL's GTID set. */
export class MysqlGtidSet {
  private constructor(private readonly sets: ReadonlyMap<string, Intervals>) {}

  static readonly EMPTY = new MysqlGtidSet(new Map());

  /**
   * Parses `@@gtid_executed` text (newlines allowed, as the server prints long sets).
   * @example MysqlGtidSet.parse('3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7')
   */
  static parse(text: string): MysqlGtidSet {
    let set = MysqlGtidSet.EMPTY;
    for (const part of text.replace(/\s+/g, '').split(',').filter(Boolean)) {
      const [uuid, ...ranges] = part.split(':');
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(uuid ?? '') || ranges.length === 0) {
        throw new TandemError('TANDEM_DATA', `"${part}" is not a MySQL GTID set element (uuid:interval[:interval…]).`);
      }
      for (const r of ranges) {
        const m = /^(\d+)(?:-(\d+))?$/.exec(r);
        if (!m) throw new TandemError('TANDEM_DATA', `"${r}" is not a GTID interval in "${part}".`);
        const lo = BigInt(m[1]!);
        const hi = BigInt(m[2] ?? m[1]!);
        if (lo < 1n || hi < lo) throw new TandemError('TANDEM_DATA', `"${r}" is not a GTID interval in "${part}".`);
        set = set.withInterval(uuid!.toLowerCase(), lo, hi);
      }
    }
    return set;
  }

  get isEmpty(): boolean {
    return this.sets.size === 0;
  }

  /** The set after adding one transaction. */
  add(uuid: string, n: bigint): MysqlGtidSet {
    return this.withInterval(uuid.toLowerCase(), n, n);
  }

  /** The set after adding the transactions lo..hi (inclusive). */
  addInterval(uuid: string, lo: bigint, hi: bigint): MysqlGtidSet {
    return this.withInterval(uuid.toLowerCase(), lo, hi);
  }

  /** True when the set holds this transaction. */
  contains(uuid: string, n: bigint): boolean {
    return (this.sets.get(uuid.toLowerCase()) ?? []).some(([lo, hi]) => n >= lo && n <= hi);
  }

  private withInterval(uuid: string, lo: bigint, hi: bigint): MysqlGtidSet {
    const merged: Array<[bigint, bigint]> = [];
    let cur: [bigint, bigint] = [lo, hi];
    for (const [a, b] of this.sets.get(uuid) ?? []) {
      if (b + 1n < cur[0] || a > cur[1] + 1n) merged.push([a, b]);
      else cur = [a < cur[0] ? a : cur[0], b > cur[1] ? b : cur[1]];
    }
    merged.push(cur);
    merged.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    const next = new Map(this.sets);
    next.set(uuid, merged);
    return new MysqlGtidSet(next);
  }

  /** Canonical text: UUIDs in ascending order, `a-b` intervals, single numbers alone. */
  toString(): string {
    return [...this.sets.entries()]
      .sort((a, b) => (a[0] < b[0] ? -1 : 1))
      .map(([uuid, iv]) => `${uuid}:${iv.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(':')}`)
      .join(',');
  }

  /**
   * The set in COM_BINLOG_DUMP_GTID's encoding: number of UUIDs (u64), then per UUID its 16 bytes,
   * the number of intervals (u64) and each interval as start and exclusive end (u64 each).
   */
  encode(): Buffer {
    const entries = [...this.sets.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
    const size = 8 + entries.reduce((n, [, iv]) => n + 16 + 8 + iv.length * 16, 0);
    const out = Buffer.alloc(size);
    let p = out.writeBigUInt64LE(BigInt(entries.length), 0);
    for (const [uuid, iv] of entries) {
      Buffer.from(uuid.replace(/-/g, ''), 'hex').copy(out, p);
      p += 16;
      p = out.writeBigUInt64LE(BigInt(iv.length), p);
      for (const [a, b] of iv) {
        p = out.writeBigUInt64LE(a, p);
        p = out.writeBigUInt64LE(b + 1n, p);
      }
    }
    return out;
  }
}
