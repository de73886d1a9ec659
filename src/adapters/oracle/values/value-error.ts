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

