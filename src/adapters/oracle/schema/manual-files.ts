/**
 * The files for a person: the Oracle DDL that was not converted (PL/SQL first among it) and a
 * plain-text report of every note. Pure: the caller writes them (under `<export-dir>/schema/`,
 * next to the files `import schema` runs, which never reads these).
 */
import type { ConversionNote } from './conversion-note.js';
import type { ManualObject, OracleConversionResult } from './conversion-result.js';

/** One file to write, relative to the schema directory. */
export interface ManualFile {
  readonly path: string;
  readonly text: string;
}

/** Where each kind of unconverted object goes, relative to the schema directory. */
const PLSQL_FILES: Readonly<Record<string, string>> = {
  PACKAGE: 'oracle_manual/plsql/packages.sql',
  'PACKAGE BODY': 'oracle_manual/plsql/package_bodies.sql',
  PROCEDURE: 'oracle_manual/plsql/procedures.sql',
  FUNCTION: 'oracle_manual/plsql/functions.sql',
  TRIGGER: 'oracle_manual/plsql/triggers.sql',
  TYPE: 'oracle_manual/plsql/types.sql',
  'TYPE BODY': 'oracle_manual/plsql/type_bodies.sql',
  'ANONYMOUS BLOCK': 'oracle_manual/plsql/anonymous_blocks.sql',
};

/**
 * The manual files: PL/SQL by kind under `oracle_manual/plsql/`, everything else not converted
 * under `oracle_manual/unconverted/<kind>.sql`, each object with a comment saying where it came
 * from and why it is there; and `oracle_manual/conversion_notes.txt`.
 *
 * @example
 * for (const f of manualSqlFiles(result)) await writeFile(join(schemaDir, f.path), f.text);
 */
export function manualSqlFiles(result: OracleConversionResult): ManualFile[] {
  const byPath = new Map<string, ManualObject[]>();
  for (const m of result.manual) {
    const path = m.plsql ? (PLSQL_FILES[m.kind] ?? 'oracle_manual/plsql/other.sql') : `oracle_manual/unconverted/${m.kind.toLowerCase().replace(/[^a-z0-9]+/g, '_')}.sql`;
    byPath.set(path, [...(byPath.get(path) ?? []), m]);
  }
  const files: ManualFile[] = [...byPath.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([path, items]) => ({
    path,
    text: items.map((m) => {
      const from = m.source.file ? ` (${m.source.file}, line ${m.source.line})` : '';
      const body = m.oracleSql.trimEnd();
      const terminated = m.plsql || /[;/]$/.test(body) ? body : `${body};`;
      return `-- ${m.kind} ${m.schema}.${m.name}${from}\n-- ${m.reason.replace(/\n/g, ' ')}\n${terminated}\n`;
    }).join('\n'),
  }));
  if (result.notes.length > 0) files.push({ path: 'oracle_manual/conversion_notes.txt', text: renderConversionNotes(result.notes) });
  return files;
}

/**
 * The notes as text, grouped by severity (manual first), one line per note.
 *
 * @example
 * console.log(renderConversionNotes(result.notes));
 */
export function renderConversionNotes(notes: readonly ConversionNote[]): string {
  const titles: readonly [ConversionNote['severity'], string][] = [
    ['manual', 'Not converted: convert these by hand (their Oracle DDL is under oracle_manual/)'],
    ['unsupported', 'Converted without a part that PostgreSQL cannot hold'],
    ['changed', 'Converted with a change of behaviour'],
  ];
  const sections: string[] = [];
  for (const [severity, title] of titles) {
    const list = notes.filter((n) => n.severity === severity);
    if (list.length === 0) continue;
    sections.push(`${title} (${list.length}):\n${list.map((n) => `  ${n.objectType} ${n.schema}.${n.name} [${n.code}] ${n.message}`).join('\n')}`);
  }
  return `${sections.join('\n\n')}\n`;
}
