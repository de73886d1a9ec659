import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { SchemaObject, SchemaObjectType } from '../../core/schema-object.js';
import { SCHEMA_FILES } from './schema-layout.js';

/** One file written by {@link writeSchemaFiles}. */
export interface WrittenSchemaFile {
  readonly type: SchemaObjectType;
  /** Path relative to the schema dir, e.g. `tables/tables.sql`. */
  readonly file: string;
  /** Number of objects in the file that run (those commented out left out). */
  readonly count: number;
  /** Objects written commented out, for conversion by hand (`SchemaObject.commentedOut`). */
  readonly commentedOut?: number;
}

/**
 * Writes the exported objects into `<schemaDir>/<type dir>/<file>.sql`, one file per object type
 * that has objects, each object preceded by a `-- TYPE schema.name` comment line. The files that
 * an earlier export wrote are removed first (other files in the schema dir are left alone).
 *
 * @example
 * await writeSchemaFiles(join(exportDir, 'schema'), await exportPostgresSchema(client, { schemas: ['public'] }));
 */
export async function writeSchemaFiles(schemaDir: string, objects: readonly SchemaObject[]): Promise<WrittenSchemaFile[]> {
  for (const file of new Set(Object.values(SCHEMA_FILES))) {
    await rm(join(schemaDir, file), { force: true });
  }
  const written: WrittenSchemaFile[] = [];
  for (const [type, file] of Object.entries(SCHEMA_FILES) as [SchemaObjectType, string][]) {
    const ofType = objects.filter((o) => o.type === type);
    if (ofType.length === 0) continue;
    const body = ofType.map((o) => `-- ${type} ${label(o)}\n${o.sql.trim()}\n`);
    const header = `-- ${type} objects exported by tandem. Edit freely: import schema runs the statements in this file in order.\n\n`;
    await mkdir(dirname(join(schemaDir, file)), { recursive: true });
    await writeFile(join(schemaDir, file), header + body.join('\n'), 'utf8');
    const commentedOut = ofType.filter((o) => o.commentedOut).length;
    written.push({ type, file, count: ofType.length - commentedOut, ...(commentedOut > 0 ? { commentedOut } : {}) });
  }
  return written;
}

/** The object's name for its comment line; line breaks in a name must not end the comment. */
function label(o: SchemaObject): string {
  return (o.schema === o.name ? o.name : `${o.schema}.${o.name}`).replace(/[\r\n]+/g, ' ');
}
