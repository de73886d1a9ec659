import { TandemError } from '../../core/errors.js';

/**
 * A parser of tnsnames.ora (pure: file text in, aliases out). The syntax is Oracle Net's
 * name-value pairs: `alias[, alias…] = (KEY = value | (…)…)`, nested to any depth, `#` comments to
 * the end of a line, keys and aliases case-insensitive, values kept as written. An entry may also
 * be an Easy Connect string (`alias = host:1521/service`). `IFILE = path` includes another file;
 * the parser reports the paths, the caller reads them.
 */

/** A name-value pair; a value is either text or a list of nested pairs. */
export interface NvPair {
  /** Upper case. */
  readonly name: string;
  readonly value?: string;
  readonly children: readonly NvPair[];
}

export interface TnsEntry {
  /** As written in the file. */
  readonly alias: string;
  /** Parsed pairs (usually one DESCRIPTION or DESCRIPTION_LIST); empty for an Easy Connect entry. */
  readonly pairs: readonly NvPair[];
  /** The connect string to hand to the driver: the descriptor re-serialised, or the Easy Connect text. */
  readonly connectString: string;
}

export interface TnsnamesFile {
  /** Keyed by the upper-cased alias. */
  readonly entries: ReadonlyMap<string, TnsEntry>;
  /** IFILE paths, in order. */
  readonly includes: readonly string[];
}

function parseError(message: string, line: number): TandemError {
  return new TandemError('TANDEM_CONFIG', `tnsnames.ora, line ${line}: ${message}.`, { hint: 'Fix the file (Oracle Net syntax: alias = (DESCRIPTION = (ADDRESS = …)(CONNECT_DATA = …))).' });
}

/** Removes `#` comments (a `#` inside a quoted value is kept). */
function stripComments(text: string): string {
  return text.split(/\r?\n/).map((line) => {
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (c === '"') quoted = !quoted;
      else if (c === '#' && !quoted) return line.slice(0, i);
    }
    return line;
  }).join('\n');
}

class Reader {
  pos = 0;
  constructor(readonly s: string) {}
  get line(): number {
    return this.s.slice(0, this.pos).split('\n').length;
  }
  skipSpace(): void {
    while (this.pos < this.s.length && /\s/.test(this.s[this.pos]!)) this.pos++;
  }
  peek(): string | undefined {
    this.skipSpace();
    return this.s[this.pos];
  }
  expect(c: string): void {
    if (this.peek() !== c) throw parseError(`expected "${c}"`, this.line);
    this.pos++;
  }
  /** A bare word or a quoted string, up to one of the stop characters. */
  word(stops: string): string {
    this.skipSpace();
    if (this.s[this.pos] === '"') {
      const end = this.s.indexOf('"', this.pos + 1);
      if (end < 0) throw parseError('unterminated quoted value', this.line);
      const v = this.s.slice(this.pos + 1, end);
      this.pos = end + 1;
      return v;
    }
    const start = this.pos;
    while (this.pos < this.s.length && !stops.includes(this.s[this.pos]!)) this.pos++;
    return this.s.slice(start, this.pos).trim();
  }
}

/** `(NAME = value)` or `(NAME = (…)(…))`. */
function parsePair(r: Reader): NvPair {
  r.expect('(');
  const name = r.word('=()').toUpperCase();
  if (!name) throw parseError('a parameter has no name', r.line);
  r.expect('=');
  if (r.peek() === '(') {
    const children: NvPair[] = [];
    while (r.peek() === '(') children.push(parsePair(r));
    r.expect(')');
    return { name, children };
  }
  const value = r.word('()');
  r.expect(')');
  return { name, value, children: [] };
}

/** Parses the text of a tnsnames.ora file. Throws TANDEM_CONFIG with the line of a syntax error. */
export function parseTnsnames(text: string): TnsnamesFile {
  const r = new Reader(stripComments(text));
  const entries = new Map<string, TnsEntry>();
  const includes: string[] = [];
  while (r.peek() !== undefined) {
    const line = r.line;
    const names = r.word('=()').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    if (names.length === 0) throw parseError('expected an alias', line);
    r.expect('=');
    let entry: Omit<TnsEntry, 'alias'>;
    if (r.peek() === '(') {
      const pairs: NvPair[] = [];
      while (r.peek() === '(') pairs.push(parsePair(r));
      entry = { pairs, connectString: pairs.map(serializePair).join('') };
    } else {
      // Easy Connect (or IFILE's path): the rest of the line.
      r.skipSpace();
      const start = r.pos;
      while (r.pos < r.s.length && r.s[r.pos] !== '\n') r.pos++;
      const value = r.s.slice(start, r.pos).trim().replace(/^"(.*)"$/, '$1');
      if (!value) throw parseError(`${names[0]} has no value`, line);
      if (names.length === 1 && names[0]!.toUpperCase() === 'IFILE') {
        includes.push(value);
        continue;
      }
      entry = { pairs: [], connectString: value };
    }
    for (const alias of names) entries.set(alias.toUpperCase(), { alias, ...entry });
  }
  return { entries, includes };
}

/** `(NAME=value)` / `(NAME=(…)(…))`, without spaces: what the driver and the listener read. */
export function serializePair(p: NvPair): string {
  if (p.children.length === 0) return `(${p.name}=${p.value ?? ''})`;
  return `(${p.name}=${p.children.map(serializePair).join('')})`;
}

/** The first pair named `name` at any depth (depth-first, document order). */
export function findPair(pairs: readonly NvPair[], name: string): NvPair | undefined {
  for (const p of pairs) {
    if (p.name === name) return p;
    const inner = findPair(p.children, name);
    if (inner) return inner;
  }
  return undefined;
}

/** Every pair named `name` at any depth. */
export function findPairs(pairs: readonly NvPair[], name: string): NvPair[] {
  const out: NvPair[] = [];
  for (const p of pairs) {
    if (p.name === name) out.push(p);
    out.push(...findPairs(p.children, name));
  }
  return out;
}

/** What a descriptor points at, for messages and for deriving the container database's descriptor. */
export interface DescriptorSummary {
  readonly addresses: readonly { protocol: string; host: string; port: number }[];
  readonly serviceName?: string;
  readonly sid?: string;
  /** SECURITY's SSL_SERVER_CERT_DN, if any. */
  readonly serverCertDn?: string;
}

export function summarizeDescriptor(pairs: readonly NvPair[]): DescriptorSummary {
  const addresses = findPairs(pairs, 'ADDRESS').map((a) => {
    const get = (n: string) => a.children.find((c) => c.name === n)?.value;
    return { protocol: (get('PROTOCOL') ?? 'TCP').toUpperCase(), host: get('HOST') ?? '', port: Number(get('PORT') ?? 1521) };
  });
  const service = findPair(pairs, 'SERVICE_NAME')?.value;
  const sid = findPair(pairs, 'SID')?.value;
  const dn = findPair(pairs, 'SSL_SERVER_CERT_DN')?.value;
  return { addresses, ...(service ? { serviceName: service } : {}), ...(sid ? { sid } : {}), ...(dn ? { serverCertDn: dn } : {}) };
}

/**
 * The same descriptor with its CONNECT_DATA pointing at another service or SID (the container
 * database on the same listener): every other part (addresses, SECURITY, retries) is kept.
 */
export function withConnectData(pairs: readonly NvPair[], target: { serviceName: string } | { sid: string }): NvPair[] {
  const replace = (p: NvPair): NvPair => {
    if (p.name === 'CONNECT_DATA') {
      const kept = p.children.filter((c) => c.name !== 'SERVICE_NAME' && c.name !== 'SID' && c.name !== 'INSTANCE_NAME');
      const key = 'serviceName' in target ? { name: 'SERVICE_NAME', value: target.serviceName, children: [] } : { name: 'SID', value: target.sid, children: [] };
      return { ...p, children: [key, ...kept] };
    }
    return { ...p, children: p.children.map(replace) };
  };
  return pairs.map(replace);
}
