/**
 * A value whose text cannot be read or converted (not a decimal number, not a PostgreSQL timestamp,
 * an unknown interval unit…). The message says why in words and never contains the value itself
 * (values are customer data); the caller adds the table and column and turns it into a
 * `TandemError('TANDEM_DATA', …)`. An engine may refine it (`OracleValueError`).
 */
export class ValueConversionError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'ValueConversionError';
  }
}
