/**
 * `npm run demo`: starts two embedded PostgreSQL servers (a source and a stand-in for YugabyteDB),
 * fills the source with the sample shop database, and runs the migration with the real `tandem`
 * CLI, printing each command and its output the way a user would see them.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startEmbeddedServer, type EmbeddedServer } from './embedded-server.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const SAMPLE = fileURLToPath(new URL('../../test/fixtures/sample-db.sql', import.meta.url));
const PASSWORD = 'demo-password';

function heading(text: string): void {
  process.stdout.write(`\n\x1b[1m== ${text}\x1b[0m\n`);
}

async function tandem(args: string[]): Promise<void> {
  const shown = args.map((a) => (/[\s",]/.test(a) ? `'${a}'` : a)).join(' ');
  process.stdout.write(`\n$ tandem ${shown}\n`);
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, SOURCE_DB_PASSWORD: PASSWORD, TARGET_DB_PASSWORD: PASSWORD },
    });
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`tandem ${args[0]} ${args[1] ?? ''} exited with ${code}`);
}

async function sql(server: EmbeddedServer, db: string, text: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ host: server.host, port: server.port, user: server.user, password: PASSWORD, database: db });
  await c.connect();
  try {
    return (await c.query(text)) as pg.QueryResult;
  } finally {
    await c.end();
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  heading('Starting two embedded PostgreSQL servers (source, and the target standing in for YugabyteDB)');
  const [source, target] = await Promise.all([startEmbeddedServer(PASSWORD, 'demo-source'), startEmbeddedServer(PASSWORD, 'demo-target')]);
  try {
    process.stdout.write(`source: 127.0.0.1:${source.port}   target: 127.0.0.1:${target.port}\n`);
    await sql(source, 'postgres', 'CREATE DATABASE shop');
    await sql(target, 'postgres', 'CREATE DATABASE shop_yb');
    await sql(source, 'shop', readFileSync(SAMPLE, 'utf8'));
    process.stdout.write('Loaded the sample shop database (schemas shop, analytics, "Ops") into the source.\n');

    const exportDir = mkdtempSync(join(tmpdir(), 'tandem-demo-export-'));
    const src = ['--source-db-type', 'postgresql', '--source-db-host', '127.0.0.1', '--source-db-port', String(source.port),
      '--source-db-user', 'postgres', '--source-db-name', 'shop', '--source-db-schema', 'shop,analytics,"Ops"'];
    const tgt = ['--target-db-host', '127.0.0.1', '--target-db-port', String(target.port), '--target-db-user', 'postgres', '--target-db-name', 'shop_yb'];
    const dir = ['--export-dir', exportDir];

    heading('SCHEMA: export, analyze, import');
    await tandem(['export', 'schema', ...dir, ...src]);
    await tandem(['analyze-schema', ...dir, '--output-format', 'txt']);
    await tandem(['import', 'schema', ...dir, ...tgt]);

    heading('DATA: export a consistent snapshot, import it, then indexes and triggers');
    await tandem(['export', 'data', 'from', 'source', ...dir, ...src, '--parallel-jobs', '2']);
    await tandem(['import', 'data', 'to', 'target', ...dir, ...tgt, '--parallel-jobs', '2']);
    await tandem(['import', 'schema', ...dir, ...tgt, '--post-snapshot-import', 'true']);
    await tandem(['import', 'data', 'status', ...dir]);

    heading('REPORT');
    await tandem(['get', 'data-migration-report', ...dir]);

    heading('END');
    await tandem(['end', 'migration', ...dir, '--backup-log-files', 'false', '--backup-data-files', 'false',
      '--backup-schema-files', 'false', '--save-migration-reports', 'false', '--yes']);
    process.stdout.write(`\nDemo finished in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
  } finally {
    await Promise.all([source.stop(), target.stop()]);
  }
}

main().catch((e) => {
  process.stderr.write(`demo failed: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
