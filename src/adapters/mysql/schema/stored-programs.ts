/**
 * MySQL triggers, procedures, functions and events: exported as MySQL wrote them
 * (`SHOW CREATE …`), commented out, each with a note, for conversion by hand. PostgreSQL cannot
 * run MySQL's procedural language, and a wrong automatic translation would be worse than none.
 * Events go with the procedures (PostgreSQL has no scheduler; pg_cron or an external one). Pure.
 */
import type { SchemaObject, SchemaObjectType } from '../../../core/schema-object.js';
import type { MySqlSourceObject } from '../catalog-types.js';
import type { ConvertContext } from './convert-context.js';
import { commentOut, noteComments, type ConversionNoteRule } from './conversion-note.js';

const RULES: Record<MySqlSourceObject['kind'], { rule: ConversionNoteRule; type: SchemaObjectType; what: string }> = {
  TRIGGER: { rule: 'mysql-trigger', type: 'TRIGGER', what: 'MySQL trigger: rewrite it as a PL/pgSQL trigger function and a CREATE TRIGGER' },
  PROCEDURE: { rule: 'mysql-routine', type: 'PROCEDURE', what: 'MySQL procedure: rewrite it in PL/pgSQL' },
  FUNCTION: { rule: 'mysql-routine', type: 'FUNCTION', what: 'MySQL function: rewrite it in PL/pgSQL or SQL' },
  EVENT: { rule: 'mysql-event', type: 'PROCEDURE', what: 'MySQL event (scheduled job): schedule its body with pg_cron or an external scheduler' },
};

/** One stored program as a commented-out object with its note. */
export function convertStoredProgram(ctx: ConvertContext, o: MySqlSourceObject): SchemaObject {
  const r = RULES[o.kind];
  const name = o.table !== undefined ? ctx.label(o.table, o.name) : ctx.label(o.name);
  const detail = o.createSql === null ? `${r.what}; its definition is not visible to this user (grant it SHOW_ROUTINE / SELECT on mysql.proc, or TRIGGER / EVENT)` : r.what;
  const note = ctx.note(r.rule, o.kind, name, detail);
  const body = o.createSql === null ? '' : `-- MySQL definition:\n${commentOut(o.createSql)}`;
  return { type: r.type, schema: ctx.targetSchema, name: o.name, sql: noteComments([note]) + body, commentedOut: true };
}
