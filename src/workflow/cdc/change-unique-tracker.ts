import type { ChangeEvent } from '../../core/change-event.js';
import type { UniqueKeyInfo } from '../../core/change-target.js';

/**
 * Which unique-key values (other than primary keys) the events queued in each channel take.
 *
 * An event "takes" a value of a unique key when it inserts a row or updates one of the key's
 * columns. The dispatcher holds back an event that takes a value some other channel's queued,
 * uncommitted event also takes, until that one commits (see ChangeDispatcher for why). Where the
 * value cannot be known from the event (an expression or partial key, or an update that carries
 * only some of a multi-column key), the whole key is taken: it then waits for, and holds back,
 * every taker of that key in other channels. Waiting more than needed costs time, never
 * correctness.
 */
export class ChangeUniqueTracker {
  private readonly byTable = new Map<string, { id: string; info: UniqueKeyInfo }[]>();
  /** token -> channel -> count */
  private readonly held = new Map<string, Map<number, number>>();

  constructor(keys: readonly UniqueKeyInfo[]) {
    keys.forEach((info, i) => {
      const t = `${info.schema}.${info.table}`;
      let list = this.byTable.get(t);
      if (!list) this.byTable.set(t, (list = []));
      list.push({ id: String(i), info: { ...info, columns: [...info.columns].sort() } });
    });
  }

  /** The tokens an event takes; undefined when it takes none (the common case: no lookup cost later). */
  tokensOf(e: ChangeEvent): string[] | undefined {
    if ((e.op !== 'c' && e.op !== 'u') || !e.after) return undefined;
    const keys = this.byTable.get(`${e.schema}.${e.table}`);
    if (!keys) return undefined;
    let out: string[] | undefined;
    for (const { id, info } of keys) {
      const after = e.after;
      const present = info.columns.filter((c) => c in after).length;
      if (e.op === 'u' && present === 0) continue;
      const token = info.byValue && (e.op === 'c' || present === info.columns.length)
        ? `v\u0000${id}\u0000${JSON.stringify(info.columns.map((c) => after[c] ?? null))}`
        : `w\u0000${id}`;
      (out ??= []).push(token, `a\u0000${id}`);
    }
    return out;
  }

  /** True when another channel holds a value (or the whole key) this event takes. */
  blocked(channel: number, tokens: readonly string[]): boolean {
    for (let i = 0; i < tokens.length; i += 2) {
      const token = tokens[i]!;
      const id = tokens[i + 1]!.slice(2);
      if (token.startsWith('w')) {
        if (this.heldElsewhere(`a\u0000${id}`, channel)) return true; // any taker of the key
      } else if (this.heldElsewhere(token, channel) || this.heldElsewhere(`w\u0000${id}`, channel)) {
        return true;
      }
    }
    return false;
  }

  add(channel: number, tokens: readonly string[]): void {
    for (const t of tokens) {
      let m = this.held.get(t);
      if (!m) this.held.set(t, (m = new Map()));
      m.set(channel, (m.get(channel) ?? 0) + 1);
    }
  }

  release(channel: number, tokens: readonly string[]): void {
    for (const t of tokens) {
      const m = this.held.get(t);
      if (!m) continue;
      const n = (m.get(channel) ?? 0) - 1;
      if (n > 0) m.set(channel, n);
      else m.delete(channel);
      if (m.size === 0) this.held.delete(t);
    }
  }

  private heldElsewhere(token: string, channel: number): boolean {
    const m = this.held.get(token);
    if (!m) return false;
    for (const ch of m.keys()) if (ch !== channel) return true;
    return false;
  }
}
