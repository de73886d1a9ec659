/**
 * MySQL views → CREATE VIEW where the query converts (see expression-translator.ts), in dependency
 * order; otherwise the MySQL definition, commented out, with a note for analyze-schema. Pure.
 */
import type { SchemaObject } from '../../../core/schema-object.js';
import type { MySqlView } from '../catalog-types.js';
import type { ConvertContext } from './convert-context.js';
import { commentOut, noteComments } from './conversion-note.js';
import { translateMySqlExpression } from './expression-translator.js';

interface ConvertedView {
  readonly view: MySqlView;
  readonly object: SchemaObject;
  readonly sql: string | undefined;
}

/** The commented-out MySQL definition with its note. */
function notConverted(ctx: ConvertContext, view: MySqlView, reason: string): ConvertedView {
  const n = ctx.note('mysql-view-not-converted', 'VIEW', ctx.label(view.name), reason);
  return {
    view, sql: undefined,
    object: {
      type: 'VIEW', schema: ctx.targetSchema, name: view.name,
      sql: `${noteComments([n])}-- MySQL definition (convert it, then remove the comment markers):\n${commentOut(`CREATE VIEW ${ctx.q(view.name)} AS ${view.definition};`)}`,
      commentedOut: true,
    },
  };
}

function convertView(ctx: ConvertContext, view: MySqlView): ConvertedView {
  const where = ctx.label(view.name);
  const base = { type: 'VIEW' as const, schema: ctx.targetSchema, name: view.name };
  if (view.definition === null || view.definition.trim() === '') {
    const n = ctx.note('mysql-view-not-converted', 'VIEW', where, 'the source did not show the definition to this user (it needs SHOW VIEW and SELECT on the view)');
    return { view, sql: undefined, object: { ...base, sql: noteComments([n]), commentedOut: true } };
  }
  const r = translateMySqlExpression(view.definition, ctx.translate);
  if (!r.ok) return notConverted(ctx, view, `the query did not convert: ${r.reason}`);
  const notes = r.warnings.map((w) => ctx.note('mysql-view-caveat', 'VIEW', where, w));
  const check = view.checkOption === 'CASCADED' || view.checkOption === 'LOCAL' ? ` WITH ${view.checkOption} CHECK OPTION` : '';
  // Found by the mysql-schema run, each said only at import or not at all before.
  if (check && /\b(JOIN|GROUP BY|DISTINCT|UNION|LIMIT)\b|\bFROM\b[^()]*,/.test(r.sql)) {
    notes.push(ctx.note('mysql-view-caveat', 'VIEW', where, 'WITH CHECK OPTION on a view that reads more than one table or groups its rows: PostgreSQL allows it only on a view it can update by itself, so import schema fails on it; remove the CHECK OPTION and check what is written through the view another way (an INSTEAD OF trigger)'));
  }
  if (view.securityInvoker) {
    notes.push(ctx.note('mysql-view-caveat', 'VIEW', where, 'SQL SECURITY INVOKER: the view is created as an ordinary view, which reads the tables with its owner\'s rights; on PostgreSQL 15 or later add WITH (security_invoker = true)'));
  }
  return { view, sql: r.sql, object: { ...base, sql: `${noteComments(notes)}CREATE VIEW ${ctx.q(view.name)} AS ${r.sql}${check};` } };
}

/** Every view, each after the views its query reads. */
export function convertViews(ctx: ConvertContext, views: readonly MySqlView[]): SchemaObject[] {
  const converted = [...views].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((v) => convertView(ctx, v));
  // A view that reads a view left unconverted cannot be created either: it waits for that one.
  for (let changed = true; changed;) {
    changed = false;
    for (const [i, c] of converted.entries()) {
      const missing = c.sql === undefined ? undefined : converted.find((o) => o.sql === undefined && c.sql!.includes(ctx.q(o.view.name)));
      if (!missing) continue;
      const label = ctx.label(c.view.name);
      for (let k = ctx.notes.length - 1; k >= 0; k--) if (ctx.notes[k]!.rule === 'mysql-view-caveat' && ctx.notes[k]!.objectName === label) ctx.notes.splice(k, 1);
      converted[i] = notConverted(ctx, c.view, `it reads the view ${missing.view.name}, which did not convert: convert that one first`);
      changed = true;
    }
  }
  const byName = new Map(converted.map((c) => [c.view.name, c]));
  const done = new Set<string>();
  const out: SchemaObject[] = [];
  const visit = (c: ConvertedView, path: Set<string>) => {
    if (done.has(c.view.name) || path.has(c.view.name)) return;
    path.add(c.view.name);
    if (c.sql !== undefined) {
      for (const other of byName.values()) {
        if (other !== c && c.sql.includes(ctx.q(other.view.name))) visit(other, path);
      }
    }
    done.add(c.view.name);
    out.push(c.object);
  };
  for (const c of converted) visit(c, new Set());
  return out;
}
