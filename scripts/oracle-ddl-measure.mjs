// Measures the Oracle DDL converter on any directory of Oracle DDL files.
//
// Usage (after `npm run build`): node scripts/oracle-ddl-measure.mjs [--verbose] <dir> [<dir>...]
//
// Each <dir> is loaded into its own throw-away PostgreSQL 15 database. A subdirectory of <dir> that
// holds DDL files is one Oracle schema named after the subdirectory (`hr/` is schema HR), so
// schemas that reference each other (OE's foreign keys into HR) load together; a <dir> with DDL
// files and no such subdirectory is one schema named after <dir> itself. Every schema is converted
// with convertOracleDdl, written with writeSchemaFiles and imported the way `tandem import schema`
// does (both phases, continuing after errors); then every Oracle object and constraint of the
// converter's inventory is looked up in PostgreSQL's catalog. Printed per schema: objects and
// constraints loaded / total, every statement that failed with PostgreSQL's error, and every
// object or constraint that is not there (manual ones with their note code and reason).
import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const load = (path) => import(join(root, 'dist', path));

const args = process.argv.slice(2);
const verbose = args.includes('--verbose');
const dirs = args.filter((a) => !a.startsWith('--'));
if (dirs.length === 0) {
  console.error('usage: node scripts/oracle-ddl-measure.mjs [--verbose] <dir> [<dir>...]  (run `npm run build` first)');
  process.exit(2);
}

const { convertOracleDdl, readOracleDdlFiles, DDL_FILE_EXTENSIONS } = await load('src/adapters/oracle/schema/index.js');
const { importLikeTandem, measureLoad, percent } = await load('test/integration/oracle/ddl-load-kit.js');
const { startPg15 } = await load('test/helpers/pg-server.js');

const isDdlFile = (name) => DDL_FILE_EXTENSIONS.some((ext) => name.toLowerCase().endsWith(ext));

/** The schemas of one directory: its subdirectories holding DDL files, or the directory itself. */
async function schemasOf(dir) {
  const entries = await readdir(dir, { withFileTypes: true });
  const subdirs = [];
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    if (await holdsDdl(join(dir, e.name))) subdirs.push({ schema: e.name.toUpperCase(), path: join(dir, e.name) });
  }
  if (subdirs.length > 0) return subdirs.sort((a, b) => a.schema.localeCompare(b.schema));
  return [{ schema: basename(dir).toUpperCase(), path: dir }];
}

async function holdsDdl(dir) {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isFile() && isDdlFile(e.name)) return true;
    if (e.isDirectory() && (await holdsDdl(join(dir, e.name)))) return true;
  }
  return false;
}

const server = await startPg15();
const totals = { objects: 0, objectsLoaded: 0, constraints: 0, constraintsLoaded: 0 };
const summary = [];
try {
  let n = 0;
  for (const dir of dirs) {
    if (!(await stat(dir)).isDirectory()) throw new Error(`${dir} is not a directory`);
    const database = `measure_${n++}`;
    await server.createDatabase(database);
    const client = await server.client(database);
    try {
      const schemas = await schemasOf(dir);
      const results = [];
      for (const s of schemas) {
        results.push({ ...s, result: await convertOracleDdl(await readOracleDdlFiles(s.path), { schema: s.schema }) });
      }
      const outcome = await importLikeTandem(client, results.flatMap((r) => r.result.objects));
      console.log(`\n=== ${dir} (${schemas.map((s) => s.schema).join(', ')}): ${outcome.results.length} statements, ${outcome.failed.length} failed`);
      for (const f of outcome.failed) {
        console.log(`  FAILED ${f.statement.file}:${f.statement.line} [${f.sqlState ?? '?'}] ${f.message}`);
        console.log(`      ${f.statement.sql.replace(/\s+/g, ' ').slice(0, verbose ? 2000 : 200)}`);
      }
      for (const r of results) {
        const share = await measureLoad(client, [r.result]);
        const objects = share.objects.total - share.objects.omitted;
        const constraints = share.constraints.total - share.constraints.omitted;
        totals.objects += objects;
        totals.objectsLoaded += share.objects.loaded;
        totals.constraints += constraints;
        totals.constraintsLoaded += share.constraints.loaded;
        const line = `${`${basename(dir)}/${r.schema}`.padEnd(28)} objects ${percent(share.objects.loaded, objects).padEnd(18)}`
          + ` constraints ${percent(share.constraints.loaded, constraints).padEnd(18)}`
          + ` (+${share.needsPlsql} calling PL/SQL, ${share.plsqlUnits} PL/SQL units, omitted ${share.objects.omitted}/${share.constraints.omitted})`;
        summary.push(line);
        console.log(`--- ${line}`);
        const manual = new Map(r.result.manual.map((m) => [`${m.schema}.${m.name}`, m]));
        for (const m of [...share.objects.missing, ...share.constraints.missing]) {
          const key = /^\S+ "?([^".]+)"?\."?([^"]+)"?/.exec(m);
          const note = key ? manual.get(`${key[1].toLowerCase()}.${key[2].toLowerCase()}`) : undefined;
          console.log(`  missing ${m}${note ? `  ${note.code}: ${note.reason}` : ''}`);
        }
        if (verbose) {
          for (const m of r.result.manual.filter((x) => !x.plsql)) console.log(`  manual ${m.kind} ${m.schema}.${m.name} ${m.code}: ${m.reason}`);
        }
      }
    } finally {
      await client.end();
    }
  }
} finally {
  await server.stop();
}
console.log('\nSummary');
for (const line of summary) console.log(`  ${line}`);
console.log(`  ${'ALL'.padEnd(28)} objects ${percent(totals.objectsLoaded, totals.objects).padEnd(18)} constraints ${percent(totals.constraintsLoaded, totals.constraints)}`);
