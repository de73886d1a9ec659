import type { SchemaObject } from '../../../core/schema-object.js';
import { catalogRows, exportable, type ExportContext } from './export-context.js';

/** SQL expression: `COMMENT ON <what> <name> IS …;` (with a leading newline) for an object, or ''. */
const comment = (what: string, oidExpr: string, catalog: string, nameExpr: string): string =>
  `coalesce(E'\\n' || (SELECT 'COMMENT ON ${what} ' || ${nameExpr} || ' IS ' || quote_literal(dsc.description) || ';'
     FROM pg_catalog.pg_description dsc WHERE dsc.classoid = '${catalog}'::regclass AND dsc.objoid = ${oidExpr}), '')`;

/**
 * Text search dictionaries and configurations (`TEXT_SEARCH`), dictionaries first: a dictionary
 * with its template and options, a configuration with its parser and, per token type, the
 * dictionaries it maps to (`ALTER TEXT SEARCH CONFIGURATION … ADD MAPPING FOR …`), each with its
 * comment. Parsers and templates are C code and are not exported; a dictionary or configuration
 * built on one of the schemas' own is left out with it (see `findSkippedDependents`).
 *
 * @example
 * await exportTextSearch(ctx)
 * // [{ type: 'TEXT_SEARCH', schema: 'app', name: 'my_dict',
 * //    sql: "CREATE TEXT SEARCH DICTIONARY app.my_dict (TEMPLATE = pg_catalog.simple, stopwords = 'english');" }, …]
 */
export async function exportTextSearch(ctx: ExportContext): Promise<SchemaObject[]> {
  const dictionaries = await catalogRows<{ schema: string; name: string; sql: string }>(ctx, `
    SELECT n.nspname AS schema, d.dictname AS name,
      'CREATE TEXT SEARCH DICTIONARY ' || format('%I.%I', n.nspname, d.dictname)
        || ' (TEMPLATE = ' || format('%I.%I', tn.nspname, t.tmplname) || coalesce(', ' || d.dictinitoption, '') || ');'
        || ${comment('TEXT SEARCH DICTIONARY', 'd.oid', 'pg_ts_dict', "format('%I.%I', n.nspname, d.dictname)")} AS sql
    FROM pg_catalog.pg_ts_dict d JOIN pg_catalog.pg_namespace n ON n.oid = d.dictnamespace
    JOIN pg_catalog.pg_ts_template t ON t.oid = d.dicttemplate JOIN pg_catalog.pg_namespace tn ON tn.oid = t.tmplnamespace
    WHERE n.nspname = ANY($1) AND ${exportable(ctx, 'd.oid', 'pg_ts_dict')}
    ORDER BY n.nspname, d.dictname`);
  const configurations = await catalogRows<{ schema: string; name: string; sql: string }>(ctx, `
    SELECT n.nspname AS schema, c.cfgname AS name,
      'CREATE TEXT SEARCH CONFIGURATION ' || format('%I.%I', n.nspname, c.cfgname)
        || ' (PARSER = ' || format('%I.%I', pn.nspname, p.prsname) || ');'
        || coalesce((SELECT string_agg(E'\\nALTER TEXT SEARCH CONFIGURATION ' || format('%I.%I', n.nspname, c.cfgname)
                       || ' ADD MAPPING FOR ' || quote_ident(m.token) || ' WITH ' || m.dicts || ';', '' ORDER BY m.tokid)
                     FROM (SELECT cm.maptokentype AS tokid,
                             (SELECT tt.alias FROM pg_catalog.ts_token_type(c.cfgparser) tt WHERE tt.tokid = cm.maptokentype) AS token,
                             string_agg(cm.mapdict::regdictionary::text, ', ' ORDER BY cm.mapseqno) AS dicts
                           FROM pg_catalog.pg_ts_config_map cm WHERE cm.mapcfg = c.oid GROUP BY cm.maptokentype) m), '')
        || ${comment('TEXT SEARCH CONFIGURATION', 'c.oid', 'pg_ts_config', "format('%I.%I', n.nspname, c.cfgname)")} AS sql
    FROM pg_catalog.pg_ts_config c JOIN pg_catalog.pg_namespace n ON n.oid = c.cfgnamespace
    JOIN pg_catalog.pg_ts_parser p ON p.oid = c.cfgparser JOIN pg_catalog.pg_namespace pn ON pn.oid = p.prsnamespace
    WHERE n.nspname = ANY($1) AND ${exportable(ctx, 'c.oid', 'pg_ts_config')}
    ORDER BY n.nspname, c.cfgname`);
  return [...dictionaries, ...configurations].map((r): SchemaObject => ({ type: 'TEXT_SEARCH', schema: r.schema, name: r.name, sql: r.sql }));
}
