/**
 * Oracle datetime format models: reading a literal `TO_DATE('…', '…')` into a timestamp literal
 * (partition bounds and defaults then need no function call), and adapting a format model for
 * PostgreSQL's `to_char` / `to_timestamp`.
 */

const MONTHS = ['JANUARY', 'FEBRUARY', 'MARCH', 'APRIL', 'MAY', 'JUNE', 'JULY', 'AUGUST', 'SEPTEMBER', 'OCTOBER', 'NOVEMBER', 'DECEMBER'];

type Element = { readonly k: 'field'; readonly name: string } | { readonly k: 'text'; readonly text: string };

const FIELDS = ['SYYYY', 'YYYY', 'HH24', 'HH12', 'MONTH', 'MON', 'A.M.', 'P.M.', 'MM', 'DD', 'HH', 'MI', 'SS', 'AM', 'PM', 'FX', 'FM'];

function parseFormat(format: string): Element[] | undefined {
  const out: Element[] = [];
  let i = 0;
  const upper = format.toUpperCase();
  while (i < format.length) {
    if (format[i] === '"') {
      const close = format.indexOf('"', i + 1);
      if (close < 0) return undefined;
      out.push({ k: 'text', text: format.slice(i + 1, close) });
      i = close + 1;
      continue;
    }
    const field = FIELDS.find((f) => upper.startsWith(f, i));
    if (field) {
      if (field !== 'FX' && field !== 'FM') out.push({ k: 'field', name: field });
      i += field.length;
      continue;
    }
    if (/[A-Za-z0-9]/.test(format[i]!)) return undefined;
    out.push({ k: 'text', text: format[i]! });
    i++;
  }
  return out;
}

/**
 * The value of `TO_DATE(value, format)` as `YYYY-MM-DD HH24:MI:SS`, when the format uses only
 * year, month, day, hour, minute, second (and AM/PM) fields; otherwise undefined.
 *
 * @example
 * literalDateTime(' 2019-07-01 00:00:00', 'SYYYY-MM-DD HH24:MI:SS'); // '2019-07-01 00:00:00'
 * literalDateTime('01-JAN-2020', 'DD-MON-YYYY');                      // '2020-01-01 00:00:00'
 */
export function literalDateTime(value: string, format: string): string | undefined {
  const elements = parseFormat(format);
  if (!elements) return undefined;
  let year: number | undefined;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let pm: boolean | undefined;
  let i = 0;
  const v = value.trim();
  const skipSeparators = () => {
    while (i < v.length && /[^A-Za-z0-9]/.test(v[i]!)) i++;
  };
  const digits = (max: number, signed = false): number | undefined => {
    // A signed year (SYYYY) before the Christian era is not read: such a bound is left to to_timestamp.
    if (signed && v[i] === '-') return undefined;
    skipSeparators();
    const m = new RegExp(`^\\d{1,${max}}`).exec(v.slice(i));
    if (!m) return undefined;
    i += m[0].length;
    return Number(m[0]);
  };
  for (const el of elements) {
    if (el.k === 'text') continue;
    switch (el.name) {
      case 'SYYYY': case 'YYYY': year = digits(4, el.name === 'SYYYY'); if (year === undefined) return undefined; break;
      case 'MM': { const n = digits(2); if (n === undefined) return undefined; month = n; break; }
      case 'DD': { const n = digits(2); if (n === undefined) return undefined; day = n; break; }
      case 'HH24': case 'HH': case 'HH12': { const n = digits(2); if (n === undefined) return undefined; hour = n; break; }
      case 'MI': { const n = digits(2); if (n === undefined) return undefined; minute = n; break; }
      case 'SS': { const n = digits(2); if (n === undefined) return undefined; second = n; break; }
      case 'MON': case 'MONTH': {
        skipSeparators();
        const word = /^[A-Za-z]+/.exec(v.slice(i))?.[0]?.toUpperCase();
        if (!word) return undefined;
        const index = MONTHS.findIndex((m) => (el.name === 'MON' ? m.slice(0, 3) === word : m === word));
        if (index < 0) return undefined;
        month = index + 1;
        i += word.length;
        break;
      }
      case 'AM': case 'PM': case 'A.M.': case 'P.M.': {
        skipSeparators();
        const m = /^(A\.?M\.?|P\.?M\.?)/i.exec(v.slice(i));
        if (!m) return undefined;
        pm = /^p/i.test(m[0]);
        i += m[0].length;
        break;
      }
      default: return undefined;
    }
  }
  skipSeparators();
  if (i < v.length || year === undefined || year <= 0) return undefined;
  if (pm !== undefined) hour = (hour % 12) + (pm ? 12 : 0);
  const check = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return undefined;
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(year, 4)}-${pad(month)}-${pad(day)} ${pad(hour)}:${pad(minute)}:${pad(second)}`;
}

/**
 * An Oracle format model in the form PostgreSQL's `to_char` / `to_timestamp` read the same way:
 * `SYYYY` becomes `YYYY`, `FF` and `FF7`–`FF9` become `US` (PostgreSQL keeps microseconds).
 *
 * @example
 * pgDateFormat('SYYYY-MM-DD HH24:MI:SS.FF'); // 'YYYY-MM-DD HH24:MI:SS.US'
 */
export function pgDateFormat(format: string): string {
  return format.replace(/SYYYY/gi, 'YYYY').replace(/FF[7-9]?(?![1-6])/gi, 'US');
}
