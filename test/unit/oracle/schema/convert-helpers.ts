/** Helpers for the converter's unit tests: run the conversion and pick out SQL and notes. */
import { convertOracleDdl, type OracleDdlOptions } from '../../../../src/adapters/oracle/schema/convert-oracle-ddl.js';
import type { OracleConversionResult } from '../../../../src/adapters/oracle/schema/conversion-result.js';
import type { DdlScript } from '../../../../src/adapters/oracle/schema/model-reader.js';

export async function convert(text: string | readonly DdlScript[], options: Partial<OracleDdlOptions> = {}): Promise<OracleConversionResult> {
  return convertOracleDdl(text, { schema: 'APP', ...options });
}

/** The SQL of the converted object(s) of this name. */
export function sqlOf(result: OracleConversionResult, name: string): string {
  return result.objects.filter((o) => o.name === name).map((o) => o.sql).join('\n');
}

/** `severity:CODE@name` of every note, in order. */
export function notesOf(result: OracleConversionResult): string[] {
  return result.notes.map((n) => `${n.severity}:${n.code}@${n.name}`);
}

/** `KIND name CODE` of every manual object. */
export function manualOf(result: OracleConversionResult): string[] {
  return result.manual.map((m) => `${m.kind} ${m.name} ${m.code}`);
}
