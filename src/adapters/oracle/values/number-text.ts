import { normalizeDecimal } from '../../../core/values/decimal-text.js';
import { asOracleValueError } from './value-error.js';

/** Oracle's NUMBER keeps at most this many significant decimal digits. */
export const ORACLE_NUMBER_DIGITS = 38;

/**
 * The plain decimal form (`core/values/decimal-text.ts`) of a NUMBER's text. Oracle prints NUMBER in
 * several shapes: the thin driver's `.5` / `-.05`, LogMiner's quoted `'1.5'`, TO_CHAR's `1.0E+125`;
 * PostgreSQL's numeric input accepts most of them, but the queue and the comparisons need one form.
 * Throws OracleValueError for text that is not a decimal number.
 */
export function oracleNumberText(text: string): string {
  try {
    return normalizeDecimal(text);
  } catch (e) {
    throw asOracleValueError(e);
  }
}
