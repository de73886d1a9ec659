import { TandemError } from '../../../core/errors.js';
import { OracleValueError } from '../values/value-error.js';
import { oracleToPgText, type OracleReadValue } from '../values/oracle-to-pg.js';
import { oracleTypeFamily, type OracleColumn, type OracleTable } from '../values/oracle-type.js';
import { copiedColumns } from './snapshot-sql.js';

/**
 * Snapshot rows in the format the importer loads unchanged (docs/positions.md §4, layout
 * `copydata-rows-v1`): one PostgreSQL CopyData message per row, `d`, a 4-byte big-endian length
 * that counts itself, then the row in COPY's text format: fields separated by a tab, `\N` for NULL,
 * backslash escapes for backslash, newline, carriage return and tab, a newline at the end.
 */

/** One field of a text-format COPY row. */
export function copyTextField(value: string | null): string {
  if (value === null) return '\\N';
  let out = '';
  for (const ch of value) {
    switch (ch) {
      case '\\': out += '\\\\'; break;
      case '\t': out += '\\t'; break;
      case '\n': out += '\\n'; break;
      case '\r': out += '\\r'; break;
      default: out += ch;
    }
  }
  return out;
}

/** One text-format COPY row, newline included. */
export function copyTextRow(values: readonly (string | null)[]): string {
  return `${values.map(copyTextField).join('\t')}\n`;
}

/** Wraps row bytes in a CopyData message. */
export function copyDataMessage(row: string): Buffer {
  const body = Buffer.from(row, 'utf8');
  const msg = Buffer.allocUnsafe(5 + body.length);
  msg[0] = 0x64; // 'd'
  msg.writeUInt32BE(4 + body.length, 1);
  body.copy(msg, 5);
  return msg;
}

/**
 * Encodes snapshot rows of `table` (rows as the snapshot query returns them: C0…Cn) into CopyData
 * messages. A value without a PostgreSQL form is a TandemError naming table and column, never the
 * value.
 */
export class OracleCopyRowEncoder {
  private readonly columns: readonly OracleColumn[];
  private readonly families: readonly ReturnType<typeof oracleTypeFamily>[];

  constructor(private readonly table: OracleTable) {
    this.columns = copiedColumns(table);
    this.families = this.columns.map((c) => oracleTypeFamily(c.type));
  }

  /** The column names, in the order of the encoded fields (the COPY column list). */
  get columnNames(): string[] {
    return this.columns.map((c) => c.name);
  }

  /** PostgreSQL text of each field of one row. */
  values(row: Readonly<Record<string, unknown>>): (string | null)[] {
    return this.families.map((family, i) => {
      try {
        return oracleToPgText(family, (row[`C${i}`] ?? null) as OracleReadValue);
      } catch (e) {
        if (e instanceof OracleValueError) {
          throw new TandemError('TANDEM_DATA', `A row of ${this.table.schema}.${this.table.name} cannot be copied: column ${this.columns[i]!.name}: ${e.message}.`, { cause: e });
        }
        throw e;
      }
    });
  }

  /** One CopyData message. */
  encode(row: Readonly<Record<string, unknown>>): Buffer {
    return copyDataMessage(copyTextRow(this.values(row)));
  }
}
