/**
 * A SQL file with the offset bookkeeping the parser needs: libpg_query reports statement positions in
 * UTF-8 bytes, while error cursors and the statement splitter work in JavaScript characters.
 */
export class SourceText {
  readonly text: string;
  private readonly bytes: Buffer;
  private readonly lineStartsInBytes: number[];

  constructor(text: string) {
    this.text = text;
    this.bytes = Buffer.from(text, 'utf8');
    this.lineStartsInBytes = [0];
    for (let i = 0; i < this.bytes.length; i++) if (this.bytes[i] === 0x0a) this.lineStartsInBytes.push(i + 1);
  }

  get byteLength(): number {
    return this.bytes.length;
  }

  /** The text between two byte offsets. */
  sliceBytes(start: number, end: number): string {
    return this.bytes.subarray(start, end).toString('utf8');
  }

  /** Byte offset of a character offset. */
  byteOffsetOf(charOffset: number): number {
    return Buffer.byteLength(this.text.slice(0, charOffset), 'utf8');
  }

  /** 1-based line of a byte offset. */
  lineOfByte(byteOffset: number): number {
    let lo = 0;
    let hi = this.lineStartsInBytes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.lineStartsInBytes[mid] ?? 0) <= byteOffset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  /** 1-based line of a character offset. */
  lineOfChar(charOffset: number): number {
    return this.lineOfByte(this.byteOffsetOf(charOffset));
  }
}

/**
 * Length of the whitespace and comments at the start of `sql`: statement locations may include the
 * comments before a statement, but the report should point at the statement itself.
 */
export function leadingTriviaLength(sql: string): number {
  let i = 0;
  for (;;) {
    while (i < sql.length && /\s/.test(sql[i] ?? '')) i++;
    if (sql.startsWith('--', i)) {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? sql.length : nl + 1;
    } else if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else {
      return i;
    }
  }
}
