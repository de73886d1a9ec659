import { parsePgFloatText } from '../../../core/values/float-text.js';
import { asOracleValueError } from './value-error.js';

/**
 * BINARY_FLOAT and BINARY_DOUBLE are IEEE values, like PostgreSQL's real and double precision. The
 * thin driver hands them over as JavaScript numbers, exactly (a float32 widens to a double without
 * loss), and LogMiner as text. Their text is printed by `core/values/float-text.ts`.
 */

/**
 * Reads Oracle's text of a binary float: what PostgreSQL's float input reads (decimal or exponent
 * form, `1.5E+000`, `Infinity`/`NaN`, `Inf`/`-Inf`/`Nan` as TO_CHAR prints them) and Oracle's own
 * spellings, `~`/`-~` (infinity in some formats) and `BINARY_DOUBLE_INFINITY`…. Case-insensitive.
 */
export function parseFloatText(text: string): number {
  switch (text.trim().toLowerCase()) {
    case '~': case 'binary_double_infinity': case 'binary_float_infinity':
      return Infinity;
    case '-~': case '-binary_double_infinity': case '-binary_float_infinity':
      return -Infinity;
    case 'binary_double_nan': case 'binary_float_nan':
      return NaN;
  }
  try {
    return parsePgFloatText(text);
  } catch (e) {
    throw asOracleValueError(e);
  }
}
