import { DdlSyntaxError, type TokenCursor } from './token-cursor.js';

/** An Oracle data type as written in DDL, normalized (ANSI synonyms resolved to Oracle's own types). */
export interface OracleType {
  /**
   * Upper-case type name: NUMBER, FLOAT, BINARY_FLOAT, BINARY_DOUBLE, CHAR, VARCHAR2, NCHAR,
   * NVARCHAR2, CLOB, NCLOB, LONG, BLOB, RAW, LONG RAW, BFILE, DATE, TIMESTAMP,
   * TIMESTAMP WITH TIME ZONE, TIMESTAMP WITH LOCAL TIME ZONE, INTERVAL YEAR TO MONTH,
   * INTERVAL DAY TO SECOND, ROWID, UROWID, XMLTYPE, JSON, BOOLEAN; or a user-defined type's name.
   */
  readonly name: string;
  /** Owner of a user-defined (or SYS/MDSYS) type, as written. */
  readonly owner?: string;
  /** The name as written, for messages (`INTEGER`, `VARCHAR2(20 CHAR)`). */
  readonly written: string;
  /** NUMBER / FLOAT precision; undefined when not given (`NUMBER`), '*' for `NUMBER(*, s)`. */
  readonly precision?: number | '*';
  readonly scale?: number;
  /** Length of character and RAW types. */
  readonly length?: number;
  /** Length semantics of CHAR/VARCHAR2 when given. */
  readonly semantics?: 'BYTE' | 'CHAR';
  /** Leading field precision of an INTERVAL. */
  readonly leading?: number;
  /** Fractional seconds precision of TIMESTAMP and INTERVAL DAY TO SECOND. */
  readonly fractional?: number;
  /** `REF type`. */
  readonly ref?: boolean;
  /** The type is user-defined (or an Oracle-supplied object type such as SDO_GEOMETRY). */
  readonly userDefined?: boolean;
}

const BUILTIN_SIMPLE = new Set([
  'NUMBER', 'FLOAT', 'BINARY_FLOAT', 'BINARY_DOUBLE', 'CHAR', 'VARCHAR2', 'VARCHAR', 'NCHAR', 'NVARCHAR2', 'CLOB',
  'NCLOB', 'LONG', 'BLOB', 'RAW', 'BFILE', 'DATE', 'TIMESTAMP', 'INTERVAL', 'ROWID', 'UROWID', 'XMLTYPE', 'JSON',
  'BOOLEAN', 'NUMERIC', 'DECIMAL', 'DEC', 'INTEGER', 'INT', 'SMALLINT', 'REAL', 'DOUBLE', 'CHARACTER', 'NATIONAL',
  'REF', 'PLS_INTEGER', 'BINARY_INTEGER', 'SIMPLE_INTEGER', 'NATURAL', 'POSITIVE', 'STRING',
]);

/**
 * Reads a data type at the cursor.
 *
 * @example
 * parseOracleType(cursorOf('VARCHAR2(20 CHAR)')); // { name: 'VARCHAR2', length: 20, semantics: 'CHAR', … }
 */
export function parseOracleType(c: TokenCursor): OracleType {
  const startTok = c.peek();
  if (!startTok) throw new DdlSyntaxError('expected a data type');
  const from = c.pos;
  const written = () => c.tokens.slice(from, c.pos).map((t) => (t.kind === 'quoted' ? `"${t.value}"` : t.value)).join(' ')
    .replace(/ \( /g, '(').replace(/ \)/g, ')').replace(/ , /g, ',').replace(/ \. /g, '.');
  if (startTok.kind === 'word' && BUILTIN_SIMPLE.has(startTok.value) && !c.isPunct('.', 1)) {
    const t = readBuiltin(c);
    return { ...t, written: written() };
  }
  // A user-defined or supplied object type: [owner.]name, possibly quoted; SYS.XMLTYPE is built in.
  const name = c.dottedName();
  const last = name.parts[name.parts.length - 1]!;
  const owner = name.parts.length > 1 ? name.parts[name.parts.length - 2] : undefined;
  if (last === 'XMLTYPE' && (owner === undefined || owner === 'SYS' || owner === 'PUBLIC')) {
    return { name: 'XMLTYPE', written: written() };
  }
  return { name: last, ...(owner ? { owner } : {}), userDefined: true, written: written() };
}

type BuiltinType = Omit<OracleType, 'written'>;

function readBuiltin(c: TokenCursor): BuiltinType {
  const word = c.next().value;
  switch (word) {
    case 'NUMBER': {
      if (!c.acceptPunct('(')) return { name: 'NUMBER' };
      const precision: number | '*' = c.isOp('*') ? (c.next(), '*') : Number(c.number());
      const scale = c.acceptPunct(',') ? Number(c.number()) : undefined;
      c.expectPunct(')');
      return { name: 'NUMBER', precision, scale: scale ?? 0 };
    }
    case 'NUMERIC': case 'DECIMAL': case 'DEC': {
      // ANSI NUMERIC/DECIMAL: NUMBER(p,s), precision 38 and scale 0 when left out.
      if (!c.acceptPunct('(')) return { name: 'NUMBER', precision: 38, scale: 0 };
      const precision = c.isOp('*') ? (c.next(), 38) : Number(c.number());
      const scale = c.acceptPunct(',') ? Number(c.number()) : 0;
      c.expectPunct(')');
      return { name: 'NUMBER', precision, scale };
    }
    case 'INTEGER': case 'INT': case 'SMALLINT':
      return { name: 'NUMBER', precision: 38, scale: 0 };
    case 'PLS_INTEGER': case 'BINARY_INTEGER': case 'SIMPLE_INTEGER': case 'NATURAL': case 'POSITIVE':
      return { name: 'NUMBER', precision: 10, scale: 0 };
    case 'FLOAT': {
      if (!c.acceptPunct('(')) return { name: 'FLOAT', precision: 126 };
      const precision = Number(c.number());
      c.expectPunct(')');
      return { name: 'FLOAT', precision };
    }
    case 'REAL':
      return { name: 'FLOAT', precision: 63 };
    case 'DOUBLE':
      c.expectWords('PRECISION');
      return { name: 'FLOAT', precision: 126 };
    case 'BINARY_FLOAT': case 'BINARY_DOUBLE': case 'CLOB': case 'NCLOB': case 'BLOB': case 'BFILE': case 'DATE':
    case 'ROWID': case 'XMLTYPE': case 'JSON': case 'BOOLEAN':
      return { name: word };
    case 'LONG':
      return c.acceptWords('RAW') ? { name: 'LONG RAW' } : { name: 'LONG' };
    case 'RAW':
      return { name: 'RAW', ...lengthSpec(c) };
    case 'UROWID':
      return { name: 'UROWID', ...lengthSpec(c) };
    case 'CHAR': case 'CHARACTER':
      if (c.acceptWords('VARYING')) return { name: 'VARCHAR2', ...lengthSpec(c) };
      return { name: 'CHAR', ...lengthSpec(c) };
    case 'VARCHAR2': case 'VARCHAR': case 'STRING':
      return { name: 'VARCHAR2', ...lengthSpec(c) };
    case 'NCHAR':
      if (c.acceptWords('VARYING')) return { name: 'NVARCHAR2', ...lengthSpec(c) };
      return { name: 'NCHAR', ...lengthSpec(c) };
    case 'NVARCHAR2':
      return { name: 'NVARCHAR2', ...lengthSpec(c) };
    case 'NATIONAL': {
      if (!c.acceptOneOf('CHAR', 'CHARACTER')) throw new DdlSyntaxError(`expected CHAR after NATIONAL ${c.where()}`);
      if (c.acceptWords('VARYING')) return { name: 'NVARCHAR2', ...lengthSpec(c) };
      return { name: 'NCHAR', ...lengthSpec(c) };
    }
    case 'TIMESTAMP': {
      const fractional = optionalPrecision(c);
      const base = fractional === undefined ? {} : { fractional };
      if (c.acceptWords('WITH', 'LOCAL', 'TIME', 'ZONE')) return { name: 'TIMESTAMP WITH LOCAL TIME ZONE', ...base };
      if (c.acceptWords('WITH', 'TIME', 'ZONE')) return { name: 'TIMESTAMP WITH TIME ZONE', ...base };
      return { name: 'TIMESTAMP', ...base };
    }
    case 'INTERVAL': {
      if (c.acceptWords('YEAR')) {
        const leading = optionalPrecision(c);
        c.expectWords('TO', 'MONTH');
        return { name: 'INTERVAL YEAR TO MONTH', ...(leading === undefined ? {} : { leading }) };
      }
      c.expectWords('DAY');
      const leading = optionalPrecision(c);
      c.expectWords('TO', 'SECOND');
      const fractional = optionalPrecision(c);
      return {
        name: 'INTERVAL DAY TO SECOND', ...(leading === undefined ? {} : { leading }),
        ...(fractional === undefined ? {} : { fractional }),
      };
    }
    case 'REF': {
      const target = c.dottedName();
      return { name: target.parts[target.parts.length - 1]!, ref: true, userDefined: true };
    }
    default:
      throw new DdlSyntaxError(`unknown data type ${word}`);
  }
}

function optionalPrecision(c: TokenCursor): number | undefined {
  if (!c.acceptPunct('(')) return undefined;
  const n = Number(c.number());
  c.expectPunct(')');
  return n;
}

function lengthSpec(c: TokenCursor): { length?: number; semantics?: 'BYTE' | 'CHAR' } {
  if (!c.acceptPunct('(')) return {};
  const length = Number(c.number());
  const semantics = c.acceptOneOf('BYTE', 'CHAR') as 'BYTE' | 'CHAR' | undefined;
  c.expectPunct(')');
  return { length, ...(semantics ? { semantics } : {}) };
}
