// Measures the MySQL → PostgreSQL schema conversion on real schemas.
//
// Usage (after `npm run build`):
//   node scripts/mysql-schema-measure.mjs [--data] [--keep] [--json out.json] <schema> …
// Each <schema> is a .sql / .sql.gz file (a schema of its own, named after the file) or a directory
// (every .sql / .sql.gz file in it, in name order, forms one schema named after the directory).
//
// For each schema: the files are loaded into a fresh database of a throw-away MariaDB (with the
// `mariadb` client, so DELIMITER works; errors are counted and shown, loading goes on), the catalog
// is read with readMySqlCatalog, converted with convertMySqlSchema, written with writeSchemaFiles
// and loaded into a fresh database of a throw-away PostgreSQL 15 as `import schema` does it: the
// pre-snapshot phase, (with --data) every table's rows through the snapshot's converters and text
// COPY, then the post-snapshot phase. It prints the source's objects and constraints and how many
// of each exist on the target, every statement that failed with its PostgreSQL error, and the
// conversion notes by rule. With --data the rows are also written back from PostgreSQL into a
// copy of the MariaDB tables (through pgToMySql) and compared with the originals, value by value.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';

const dist = new URL('../dist/', import.meta.url);
const load = (p) => import(new URL(p, dist).href);
const { startMariaDb } = await load('test/helpers/mariadb-server.js');
const { startPg15 } = await load('test/helpers/pg-server.js');
const { connectMySql } = await load('src/adapters/mysql/connection.js');
const { readMySqlCatalog, mysqlIdent } = await load('src/adapters/mysql/catalog.js');
const { convertMySqlSchema, generatedOnTarget } = await load('src/adapters/mysql/schema/convert-schema.js');
const { mysqlSelectExpression, valueTypeOf } = await load('src/adapters/mysql/schema/type-map.js');
const { mysqlRowToCopyText } = await load('src/adapters/mysql/values/copy-text-row.js');
const { pgToMySql } = await load('src/adapters/mysql/values/pg-to-mysql.js');
const { writeSchemaFiles } = await load('src/workflow/schema/schema-files-writer.js');
const { readSchemaStatements } = await load('src/workflow/schema/schema-statements-reader.js');
const { applySchemaStatements } = await load('src/adapters/postgres/schema-applier.js');
const { quoteIdent } = await load('src/core/sql-names.js');
const { analyzeSchema } = await load('src/analyze/index.js');
const { conversionNoteIssues } = await load('src/analyze/rules/mysql-conversion-notes.js');

const args = process.argv.slice(2);
const withData = args.includes('--data');
const keep = args.includes('--keep');
const jsonAt = args.indexOf('--json');
const jsonOut = jsonAt >= 0 ? args[jsonAt + 1] : undefined;
const inputs = args.filter((a, i) => !a.startsWith('--') && (jsonAt < 0 || i !== jsonAt + 1));
if (inputs.length === 0) {
  console.error('usage: node scripts/mysql-schema-measure.mjs [--data] [--keep] [--json out.json] <file.sql|dir> …');
  process.exit(2);
}

const isSql = (f) => /\.sql(\.gz)?$/.test(f);
const schemas = inputs.map((p) => {
  const files = statSync(p).isDirectory() ? readdirSync(p).filter(isSql).sort().map((f) => join(p, f)) : [p];
  const name = basename(p).replace(/\.sql(\.gz)?$/, '').replace(/[^A-Za-z0-9_]/g, '_').toLowerCase();
  return { name, files };
});

const textTypes = { getTypeParser: () => (v) => v };
const pct = (a, b) => (b === 0 ? '—' : `${((100 * a) / b).toFixed(1)}%`);

/** Loads one file with the mariadb client; returns the error lines. */
function loadFile(maria, database, file) {
  const sql = file.endsWith('.gz') ? gunzipSync(readFileSync(file)) : readFileSync(file);
  const r = spawnSync('mariadb', ['--no-defaults', `--socket=${maria.socketPath}`, '-u', maria.user, `-p${maria.password}`,
    '--default-character-set=utf8mb4', '--force', '--batch', database], { input: sql, encoding: 'utf8', maxBuffer: 1 << 28 });
  return r.stderr.split('\n').filter((l) => /^ERROR/.test(l));
}

/** What the source holds: objects and constraints, with the name each one has on the target. */
function sourceInventory(catalog) {
  const objects = [];
  const constraints = [];
  for (const t of catalog.tables) {
    objects.push({ kind: 'table', name: t.name, target: t.name });
    if (t.primaryKey.length) constraints.push({ kind: 'primary key', name: `${t.name}.PRIMARY`, table: t.name, contype: 'p' });
    for (const i of t.indexes) {
      const entry = { name: `${t.name}.${i.name}`, table: t.name, index: i.kind === 'fulltext' || i.kind === 'spatial' ? 'never' : 'counted' };
      if (i.unique) constraints.push({ kind: 'unique', ...entry });
      else objects.push({ kind: `index${i.kind === 'btree' ? '' : ` (${i.kind})`}`, ...entry });
    }
    for (const f of t.foreignKeys) constraints.push({ kind: 'foreign key', name: `${t.name}.${f.name}`, table: t.name, conname: f.name, contype: 'f' });
    for (const c of t.checks) constraints.push({ kind: `check${c.enforced ? '' : ' (not enforced)'}`, name: `${t.name}.${c.name}`, table: t.name, conname: c.name, contype: 'c' });
  }
  for (const v of catalog.views) objects.push({ kind: 'view', name: v.name, view: v.name });
  for (const s of catalog.sequences) objects.push({ kind: 'sequence', name: s.name, sequence: s.name });
  for (const o of [...catalog.triggers, ...catalog.routines, ...catalog.events]) objects.push({ kind: `${o.kind.toLowerCase()} (manual)`, name: o.name, manual: true });
  return { objects, constraints };
}

async function presentOnTarget(client, schema, inventory) {
  const q = async (sql) => (await client.query(sql, [schema])).rows;
  const tables = new Set((await q("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r','p')")).map((r) => r.relname));
  const views = new Set((await q('SELECT viewname FROM pg_views WHERE schemaname = $1')).map((r) => r.viewname));
  const sequences = new Set((await q('SELECT sequencename FROM pg_sequences WHERE schemaname = $1')).map((r) => r.sequencename));
  // Indexes are counted per table (their names may change on the target): the indexes other than the
  // primary key's that exist there, handed out to the source's indexes in order.
  const perTable = new Map((await q(`SELECT t.relname, count(*) AS n FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid
    JOIN pg_namespace s ON s.oid = t.relnamespace WHERE s.nspname = $1 AND NOT x.indisprimary GROUP BY t.relname`)).map((r) => [r.relname, Number(r.n)]));
  const indexes = { has: (table) => { const n = perTable.get(table) ?? 0; perTable.set(table, n - 1); return n > 0; } };
  const cons = new Set((await q(`SELECT t.relname || '|' || c.contype::text || '|' || c.conname AS k FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = $1`)).map((r) => r.k));
  const pks = new Set([...cons].filter((k) => k.split('|')[1] === 'p').map((k) => k.split('|')[0]));
  const has = (o) => {
    if (o.manual) return false;
    if (o.target) return tables.has(o.target);
    if (o.view) return views.has(o.view);
    if (o.sequence) return sequences.has(o.sequence);
    if (o.index === 'never') return false;
    if (o.index) return indexes.has(o.table);
    if (o.contype === 'p') return pks.has(o.table);
    return cons.has(`${o.table}|${o.contype}|${o.conname}`);
  };
  return { objects: inventory.objects.map((o) => ({ ...o, loaded: has(o) })), constraints: inventory.constraints.map((c) => ({ ...c, loaded: has(c) })) };
}

async function applyPhase(client, schemaDir, postSnapshot) {
  const statements = await readSchemaStatements(schemaDir, { postSnapshot });
  const result = await applySchemaStatements(client, statements, { ignoreExist: false, continueOnError: true });
  return result.results.filter((r) => r.status !== 'applied').map((r) => ({
    file: r.statement.file, line: r.statement.line, status: r.status, sqlState: r.sqlState, message: r.message,
    statement: r.statement.sql.replace(/\s+/g, ' ').slice(0, 160),
  }));
}

/** Rows of a table as mysql2 returns them on a Tandem connection, ordered by every column. */
async function readRows(connection, database, table, columns) {
  const [rows] = await connection.query({
    sql: `SELECT ${columns.map((c) => mysqlSelectExpression(c, mysqlIdent(c.name))).join(', ')} FROM ${mysqlIdent(database)}.${mysqlIdent(table.name)} ORDER BY ${columns.map((_, i) => i + 1).join(', ')}`,
    rowsAsArray: true,
  });
  return rows;
}

const same = (a, b) => (Buffer.isBuffer(a) || Buffer.isBuffer(b) ? Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b) : a === b);

/** Snapshot path: MariaDB → mysqlRowToCopyText → COPY; then back through pgToMySql into a copy of the table, compared with the original. */
async function checkData(session, backSession, client, catalog, database, schema) {
  const out = [];
  for (const table of catalog.tables) {
    const [[{ n }]] = await session.connection.query(`SELECT COUNT(*) AS n FROM ${mysqlIdent(database)}.${mysqlIdent(table.name)}`);
    if (Number(n) === 0) continue;
    const entry = { table: table.name, rows: Number(n), kinds: [...new Set(table.columns.map((c) => valueTypeOf(table.name, c, catalog.server.flavor).kind))].sort() };
    out.push(entry);
    try {
      const skip = generatedOnTarget(catalog, table, { targetSchema: schema });
      const columns = table.columns.filter((c) => !skip.includes(c.name));
      const types = columns.map((c) => valueTypeOf(table.name, c, catalog.server.flavor));
      const rows = await readRows(session.connection, database, table, columns);
      const lines = rows.map((r) => mysqlRowToCopyText(r, types));
      const copy = client.query(copyStreams.from(`COPY "${schema}".${pgIdent(table.name)} (${columns.map((c) => pgIdent(c.name)).join(', ')}) FROM STDIN`));
      await pipeline(Readable.from(lines), copy);
      entry.copied = rows.length;
      // Back into MariaDB: the columns MySQL does not generate.
      const writable = table.columns.filter((c) => !c.generated);
      const wtypes = writable.map((c) => valueTypeOf(table.name, c, catalog.server.flavor));
      const back = await client.query({ text: `SELECT ${writable.map((c) => pgIdent(c.name)).join(', ')} FROM "${schema}".${pgIdent(table.name)}`, rowMode: 'array' });
      for (const r of back.rows) {
        const values = r.map((v, i) => pgToMySql(v, wtypes[i]));
        await backSession.connection.query(`INSERT INTO ${mysqlIdent(table.name)} (${writable.map((c) => mysqlIdent(c.name)).join(', ')}) VALUES (${values.map(() => '?').join(', ')})`, values);
      }
      const original = await readRows(session.connection, database, table, table.columns);
      const returned = await readRows(backSession.connection, `${database}_back`, table, table.columns);
      const diffs = [];
      if (original.length !== returned.length) diffs.push(`${original.length} rows on the source, ${returned.length} after the round trip`);
      for (let i = 0; i < Math.min(original.length, returned.length); i++) {
        table.columns.forEach((c, j) => {
          if (!same(original[i][j], returned[i][j])) diffs.push(`row ${i + 1} ${c.name}: ${JSON.stringify(String(original[i][j]))} became ${JSON.stringify(String(returned[i][j]))}`);
        });
      }
      entry.exact = diffs.length === 0;
      if (diffs.length) entry.diffs = diffs.slice(0, 10);
    } catch (e) {
      entry.error = `${e.code ?? ''} ${e.message}`.trim();
    }
  }
  return out;
}

const pgIdent = quoteIdent;

/**
 * Each converted view read on both sides (after the data is in): rows compared as multisets of
 * normalised text (UTC, CHAR padding and the +00 of timestamptz dropped, bytes as hex).
 */
async function checkViews(session, client, catalog, database) {
  await client.query("SET TimeZone = 'UTC'");
  const present = new Set((await client.query("SELECT viewname FROM pg_views WHERE schemaname = 'public'")).rows.map((r) => r.viewname));
  const norm = (v) => (v === null || v === undefined ? '∅' : Buffer.isBuffer(v) ? `\\x${v.toString('hex')}` : String(v).replace(/ +$/, '').replace(/^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?)\+00$/, '$1'));
  const out = [];
  for (const v of catalog.views) {
    if (!present.has(v.name)) continue;
    try {
      const [mysqlRows] = await session.connection.query({ sql: `SELECT * FROM ${mysqlIdent(database)}.${mysqlIdent(v.name)}`, rowsAsArray: true });
      const pgRows = (await client.query({ text: `SELECT * FROM public.${pgIdent(v.name)}`, rowMode: 'array' })).rows;
      const a = mysqlRows.map((r) => r.map(norm).join(' | ')).sort();
      const b = pgRows.map((r) => r.map(norm).join(' | ')).sort();
      const onlyMysql = a.filter((x) => !b.includes(x));
      const onlyPg = b.filter((x) => !a.includes(x));
      // An unordered GROUP_CONCAT / string_agg may list its values in any order: compare them sorted.
      const unordered = (rows) => rows.map((r) => r.split(' | ').map((x) => x.split(', ').sort().join(', ')).join(' | ')).sort();
      const sameUnordered = JSON.stringify(unordered(a)) === JSON.stringify(unordered(b));
      out.push({ view: v.name, rows: a.length, pgRows: b.length, same: (onlyMysql.length === 0 && onlyPg.length === 0) || sameUnordered, listOrder: onlyMysql.length > 0 && sameUnordered, onlyMysql: onlyMysql.slice(0, 3), onlyPg: onlyPg.slice(0, 3) });
    } catch (e) {
      out.push({ view: v.name, error: `${e.code ?? ''} ${e.message}` });
    }
  }
  return out;
}

const [maria, pgServer] = await Promise.all([startMariaDb(), startPg15()]);
const report = [];
try {
  for (const s of schemas) {
    const database = s.name;
    await maria.createDatabase(database);
    const loadErrors = s.files.flatMap((f) => loadFile(maria, database, f).map((e) => `${basename(f)}: ${e}`));
    const config = { role: 'source', type: 'mysql', host: maria.host, port: maria.port, user: maria.user, password: maria.password, schemas: [], sslMode: 'disable', database };
    const session = await connectMySql(config);
    const entry = { schema: s.name, files: s.files.map((f) => basename(f)), loadErrors };
    report.push(entry);
    try {
      const catalog = await readMySqlCatalog(session.connection, session.server, database);
      let conversion;
      try {
        conversion = convertMySqlSchema(catalog);
      } catch (e) {
        entry.conversionError = `${e.code ?? ''} ${e.message}`;
        continue;
      }
      const targetDb = `t_${database}`;
      await pgServer.createDatabase(targetDb);
      const client = new pg.Client({ host: pgServer.host, port: pgServer.port, user: pgServer.user, password: pgServer.password, database: targetDb, types: textTypes });
      await client.connect();
      const dir = mkdtempSync(join(tmpdir(), 'tandem-measure-'));
      try {
        const written = await writeSchemaFiles(join(dir, 'schema'), conversion.objects);
        // analyze-schema on the exported files, as the user would run it.
        const files = written.map((w) => ({ path: w.file, sql: readFileSync(join(dir, 'schema', w.file), 'utf8') }));
        const analysis = await analyzeSchema(files);
        const byCategory = (list) => list.reduce((m, i) => { m[i.category] = (m[i.category] ?? 0) + 1; return m; }, {});
        entry.analysis = { parseErrors: analysis.parseErrors.length, issues: byCategory(analysis.issues), noteIssues: byCategory(conversionNoteIssues(files)) };
        const failures = await applyPhase(client, join(dir, 'schema'), false);
        if (withData) {
          await maria.createDatabase(`${database}_back`);
          for (const t of catalog.tables) {
            const [[row]] = await session.connection.query(`SHOW CREATE TABLE ${mysqlIdent(database)}.${mysqlIdent(t.name)}`);
            await maria.sql(`${database}_back`, `SET FOREIGN_KEY_CHECKS = 0; ${row['Create Table']}`);
          }
          const back = await connectMySql({ ...config, database: `${database}_back` });
          await back.connection.query('SET SESSION FOREIGN_KEY_CHECKS = 0');
          try {
            await client.query('SET session_replication_role = replica');
            entry.data = await checkData(session, back, client, catalog, database, 'public');
            await client.query('SET session_replication_role = DEFAULT');
          } finally {
            await back.connection.end();
          }
        }
        failures.push(...await applyPhase(client, join(dir, 'schema'), true));
        if (withData) entry.views = await checkViews(session, client, catalog, database);
        entry.failures = failures;
        const present = await presentOnTarget(client, 'public', sourceInventory(catalog));
        entry.objects = present.objects;
        entry.constraints = present.constraints;
        entry.notes = conversion.notes;
      } finally {
        await client.end();
        if (!keep) rmSync(dir, { recursive: true, force: true });
        else entry.exportDir = dir;
      }
    } finally {
      await session.connection.end();
    }
  }
} finally {
  await Promise.all([maria.stop(), pgServer.stop()]);
}

// ---- printing
const totals = { objects: 0, objectsLoaded: 0, convertible: 0, convertibleLoaded: 0, constraints: 0, constraintsLoaded: 0 };
for (const e of report) {
  console.log(`\n=== ${e.schema} (${e.files.join(', ')})`);
  if (e.loadErrors.length) console.log(`  MariaDB load errors (${e.loadErrors.length}):\n${e.loadErrors.slice(0, 15).map((l) => `    ${l}`).join('\n')}`);
  if (e.conversionError) {
    console.log(`  CONVERSION REFUSED: ${e.conversionError}`);
    continue;
  }
  const manual = e.objects.filter((o) => o.manual);
  const auto = e.objects.filter((o) => !o.manual);
  const ol = auto.filter((o) => o.loaded).length;
  const cl = e.constraints.filter((c) => c.loaded).length;
  totals.objects += e.objects.length; totals.objectsLoaded += ol; totals.constraints += e.constraints.length; totals.constraintsLoaded += cl;
  totals.convertible += auto.length; totals.convertibleLoaded += ol;
  const byKind = (list) => Object.entries(list.reduce((m, o) => { const k = m[o.kind] ?? [0, 0]; k[0]++; if (o.loaded) k[1]++; m[o.kind] = k; return m; }, {}))
    .map(([k, [n, l]]) => `${k} ${l}/${n}`).join(', ');
  console.log(`  objects: ${ol}/${auto.length} loaded (${pct(ol, auto.length)}) [${byKind(auto)}]${manual.length ? `; ${manual.length} for manual conversion [${byKind(manual).replace(/ 0\//g, ' ')}]` : ''}`);
  console.log(`  constraints: ${cl}/${e.constraints.length} loaded (${pct(cl, e.constraints.length)}) [${byKind(e.constraints)}]`);
  const missing = [...auto, ...e.constraints].filter((o) => !o.loaded);
  if (missing.length) console.log(`  not on the target: ${missing.map((o) => `${o.kind} ${o.name}`).join('; ')}`);
  if (e.failures.length) {
    console.log(`  failed statements (${e.failures.length}):`);
    for (const f of e.failures) console.log(`    ${f.file}:${f.line} [${f.sqlState ?? f.status}] ${f.message ?? ''}\n      ${f.statement}`);
  }
  const list = (o) => Object.entries(o).map(([c, n]) => `${c} ${n}`).join(', ') || 'none';
  console.log(`  analyze-schema on the export: ${e.analysis.parseErrors} parse errors; DDL rule issues: ${list(e.analysis.issues)}; conversion-note issues: ${list(e.analysis.noteIssues)}`);
  const rules = e.notes.reduce((m, n) => { m[n.rule] = (m[n.rule] ?? 0) + 1; return m; }, {});
  console.log(`  notes: ${Object.entries(rules).map(([r, n]) => `${r} ${n}`).join(', ') || 'none'}`);
  for (const n of e.notes.filter((x) => /not-converted|caveat/.test(x.rule))) console.log(`    ${n.rule} ${n.objectName}: ${n.detail.slice(0, 220)}`);
  if (e.data) {
    const bad = e.data.filter((d) => d.error || !d.exact);
    console.log(`  data: ${e.data.length} tables with rows, ${e.data.reduce((s, d) => s + d.rows, 0)} rows; ${e.data.length - bad.length} tables exact after MariaDB → PostgreSQL → MariaDB; value kinds: ${[...new Set(e.data.flatMap((d) => d.kinds))].sort().join(', ')}`);
    for (const d of bad) console.log(`    ${d.table}: ${d.error ?? d.diffs.join('; ')}`);
  }
  if (e.views?.length) {
    const bad = e.views.filter((v) => !v.same);
    const listOrder = e.views.filter((v) => v.listOrder).map((v) => v.view);
    console.log(`  views read on both sides: ${e.views.length - bad.length}/${e.views.length} give the same rows${listOrder.length ? ` (${listOrder.join(', ')}: up to the order inside unordered GROUP_CONCAT lists)` : ''}`);
    for (const v of bad) console.log(`    ${v.view}: ${v.error ?? `${v.rows} rows on MariaDB, ${v.pgRows} on PostgreSQL; only MariaDB: ${JSON.stringify(v.onlyMysql)}; only PostgreSQL: ${JSON.stringify(v.onlyPg)}`}`);
  }
}
console.log(`\nTOTAL: objects ${totals.convertibleLoaded}/${totals.convertible} (${pct(totals.convertibleLoaded, totals.convertible)}) excluding ${totals.objects - totals.convertible} triggers/routines/events for manual conversion; constraints ${totals.constraintsLoaded}/${totals.constraints} (${pct(totals.constraintsLoaded, totals.constraints)})`);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(report, null, 2));
