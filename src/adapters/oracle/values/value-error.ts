import { ValueConversionError } from '../../../core/values/value-conversion-error.js';

/**
 * A value that cannot be converted between Oracle and PostgreSQL. The message says why in words and
 * never contains the value itself (values are customer data); the caller adds the table and column
 * and turns it into a `TandemError('TANDEM_DATA', …)`.
 */
export class OracleValueError extends ValueConversionError {
  constructor(reason: string) {
    super(reason);
    this.name = 'OracleValueError';
  }
}

/**
 * The error of a conversion in `src/core/values/` as Oracle's (same message), so that Oracle's
 * value conversions throw one class whichever part failed; any other error is returned unchanged.
 */
export function asOracleValueError(e: unknown): unknown {
  return e instanceof ValueConversionError && !(e instanceof OracleValueError) ? new OracleValueError(e.message) : e;
}
