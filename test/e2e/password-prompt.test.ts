import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startPg15 } from '../helpers/pg-server.js';
import { exportDirState } from '../helpers/export-dir-state.js';
import { CLI_PATH, runTandem, newExportDir, sourceFlags, targetFlags } from '../helpers/cli.js';
import { startTandem } from '../helpers/live-process.js';

/**
 * Runs the CLI in a terminal (util-linux `script` gives it a pty) and answers each prompt as it
 * appears: `answers` maps a pattern of the prompt to the line typed (followed by Enter; a control key,
 * Ctrl-C '\x03' or Ctrl-D '\x04', is typed alone). Returns the whole screen. A command still running
 * after 60 s (waiting at a prompt not answered) is killed.
 */
function runInTerminal(args: string[], answers: [RegExp, string][]): Promise<{ code: number | null; screen: string }> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const line = [process.execPath, CLI_PATH, ...args].map(quote).join(' ');
  return new Promise((resolve) => {
    const env = { ...process.env };
    delete env.TANDEM_NO_TTY;
    delete env.SOURCE_DB_PASSWORD;
    delete env.TARGET_DB_PASSWORD;
    const child = spawn('script', ['-q', '-e', '-c', line, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    let answered = 0;
    const onData = (d: Buffer) => {
      screen += d.toString();
      // Answer the next prompt once it shows, after what was answered before.
      while (answered < answers.length) {
        const seen = screen.match(new RegExp(answers[answered][0].source, 'g'))?.length ?? 0;
        const earlier = answers.slice(0, answered).filter(([p]) => p.source === answers[answered][0].source).length;
        if (seen <= earlier) break;
        const typed = answers[answered][1];
        child.stdin.write(/^[\x03\x04]$/.test(typed) ? typed : typed + '\r');
        answered++;
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    // A prompt nobody answers (one asked twice) would wait forever: end the command instead.
    const timer = setTimeout(() => {
      screen += '\n[killed after 60 s: still waiting for input]';
      child.kill('SIGKILL');
    }, 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code, screen });
    });
  });
}

test('a command that connects to one database twice asks for its password once (end migration with its reports)', async () => {
  const pg = await startPg15();
  try {
    await pg.createDatabase('src');
    await pg.createDatabase('dst');
    await pg.sql('src', 'CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 100) g;');
    const dir = newExportDir();
    const env = { SOURCE_DB_PASSWORD: pg.password, TARGET_DB_PASSWORD: pg.password };
    for (const args of [
      ['export', 'schema', '--export-dir', dir, ...sourceFlags(pg, 'src')],
      ['import', 'schema', '--export-dir', dir, ...targetFlags(pg, 'dst')],
    ]) {
      const r = await runTandem(args, env);
      assert.equal(r.code, 0, `tandem ${args.slice(0, 3).join(' ')}:\n${r.stdout}\n${r.stderr}`);
    }
    // A live migration, stopped while it streams: its report reads the counts applied on the target.
    const ex = startTandem(['export', 'data', 'from', 'source', '--export-dir', dir, '--export-type', 'snapshot-and-changes', ...sourceFlags(pg, 'src')], env);
    const im = startTandem(['import', 'data', 'to', 'target', '--export-dir', dir, ...targetFlags(pg, 'dst')], env);
    try {
      await ex.waitFor(/Streaming changes/, 120_000);
      await im.waitFor(/Applying the changes captured on the source/, 120_000);
    } finally {
      await Promise.all([ex.kill('SIGINT'), im.kill('SIGINT')]);
    }

    const backup = mkdtempSync(join(tmpdir(), 'tandem-backup-'));
    const { code, screen } = await runInTerminal(
      ['end', 'migration', '--export-dir', dir, '--backup-log-files', 'false', '--backup-data-files', 'false',
        '--backup-schema-files', 'false', '--save-migration-reports', 'true', '--backup-dir', backup],
      [[/Password for source user/, pg.password], [/Password for target user/, pg.password], [/\[y\/N\]/, 'y']],
    );
    assert.equal(code, 0, screen);
    // The report written after the confirmation connects to the target again: no second prompt.
    assert.equal(screen.match(/Password for target user/g)?.length, 1, screen);
    assert.equal(screen.match(/Password for source user/g)?.length, 1, screen);
    assert.match(screen, /Backups written to/, screen);
    assert.doesNotMatch(screen, new RegExp(pg.password), 'the typed password must not be echoed');
    const report = readFileSync(join(backup, 'reports', 'data-migration-report.json'), 'utf8');
    assert.match(report, /"final_row_count": ?"?100/, report);
    assert.deepEqual(readdirSync(dir), [], 'the export dir is cleared');
  } finally {
    await pg.stop();
  }
});

test('Ctrl-C typed at a password prompt or a [y/N] confirmation stops the command as a SIGINT does (exit 130); Ctrl-D gives no answer (exit 1); nothing changes (measured before: "internal error … the command stopped before it finished", exit 70)', async () => {
  const pg = await startPg15();
  try {
    await pg.createDatabase('src');
    await pg.sql('src', 'CREATE TABLE t (id int PRIMARY KEY);');
    // The password prompt comes before any connection: a fresh export dir, no password in the environment.
    for (const [key, code, says] of [['\x03', 130, /Interrupted \(SIGINT\): "tandem export schema/], ['\x04', 1, /error \[TANDEM_ABORTED\]: No password was given[^\n]*\n\s*fix: Run the command again and type the password/]] as const) {
      const dir = newExportDir();
      const empty = exportDirState(dir);
      const { code: rc, screen } = await runInTerminal(['export', 'schema', '--export-dir', dir, ...sourceFlags(pg, 'src')], [[/Password for source user/, key]]);
      assert.equal(rc, code, screen);
      assert.match(screen, says, screen);
      assert.doesNotMatch(screen, /internal error|This is a bug/, screen);
      assert.deepEqual(exportDirState(dir), empty, `${screen}\nnothing was exported or recorded`);
    }

    // A [y/N] confirmation: end migration of a migration whose schema alone was exported (it connects to no database).
    const dir = newExportDir();
    const exported = await runTandem(['export', 'schema', '--export-dir', dir, ...sourceFlags(pg, 'src')], { SOURCE_DB_PASSWORD: pg.password });
    assert.equal(exported.code, 0, exported.stderr);
    const before = exportDirState(dir);
    for (const [key, code, says] of [['\x03', 130, /Interrupted \(SIGINT\): "tandem end migration/], ['\x04', 1, /error \[TANDEM_ABORTED\]: end migration was not confirmed; nothing was changed/]] as const) {
      const { code: rc, screen } = await runInTerminal(['end', 'migration', '--export-dir', dir, '--backup-log-files', 'false', '--backup-data-files', 'false',
        '--backup-schema-files', 'false', '--save-migration-reports', 'false'], [[/\[y\/N\]/, key]]);
      assert.equal(rc, code, screen);
      assert.match(screen, says, screen);
      assert.doesNotMatch(screen, /internal error|This is a bug/, screen);
      assert.deepEqual(exportDirState(dir), before, `${screen}\nthe export dir is left as it was`);
    }
  } finally {
    await pg.stop();
  }
});

// The fix-verify-48b run: in a terminal with no password given, a wrong one was asked for after the
// new export dir was set up, and the connection's failure left meta.db, a lock and logs behind.
test('export schema in a terminal asks for the source password once, before the new export dir is set up: a wrong one leaves the dir empty, the right one exports', async () => {
  const pg = await startPg15();
  try {
    await pg.createDatabase('src');
    await pg.sql('src', 'CREATE TABLE t (id int PRIMARY KEY)');
    const dir = newExportDir();
    const args = ['export', 'schema', '--export-dir', dir, ...sourceFlags(pg, 'src')];
    const wrong = await runInTerminal(args, [[/Password for source user/, 'not-the-password']]);
    assert.equal(wrong.code, 1, wrong.screen);
    assert.equal(wrong.screen.match(/Password for source user/g)?.length, 1, wrong.screen);
    assert.match(wrong.screen, /TANDEM_AUTH/);
    assert.deepEqual(readdirSync(dir), [], 'nothing set up');
    const right = await runInTerminal(args, [[/Password for source user/, pg.password]]);
    assert.equal(right.code, 0, right.screen);
    assert.equal(right.screen.match(/Password for source user/g)?.length, 1, `asked once: ${right.screen}`);
    assert.ok(readdirSync(dir).includes('schema'), right.screen);
  } finally {
    await pg.stop();
  }
});
