import { test } from 'node:test';
import assert from 'node:assert/strict';
import { editDistance, suggestCommands } from '../../../src/cli/command-suggestions.js';
import { runTandem } from '../../helpers/cli.js';

test('editDistance counts a swap of neighbouring letters as one edit, as commander does for flags', () => {
  assert.equal(editDistance('analyse-schema', 'analyze-schema'), 1);
  assert.equal(editDistance('targte', 'target'), 1);
  assert.equal(editDistance('import data to targe', 'import data to target'), 1);
  assert.equal(editDistance('', 'abc'), 3);
});

test('suggestCommands: a command a few edits away, or the few that the words begin; nothing for an exact command or far-off words', () => {
  assert.deepEqual(suggestCommands(['import', 'data', 'to', 'targe']), ['import data to target']);
  assert.deepEqual(suggestCommands(['analyse-schema']), ['analyze-schema']);
  assert.deepEqual(suggestCommands(['import', 'data', 'to']), ['import data to target', 'import data to source']);
  assert.deepEqual(suggestCommands(['import']), ['import schema', 'import data'], 'five commands begin with import: their next words');
  assert.deepEqual(suggestCommands(['export', 'schema']), []);
  assert.deepEqual(suggestCommands(['migrate', 'everything']), []);
});

test('a mistyped command word is an unknown command with the command meant, exit 2 (measured before: "too many arguments. Expected 0 arguments but got 2", and "unknown command" without a suggestion)', async () => {
  const targe = await runTandem(['import', 'data', 'to', 'targe', '--export-dir', '/nonexistent']);
  assert.equal(targe.code, 2, targe.stderr);
  assert.equal(targe.stderr, 'error [TANDEM_USAGE]: unknown command "import data to targe". Did you mean "import data to target"?\n'
    + '  fix: Run "tandem import data to target" (tandem import data to target --help lists its flags).\n');
  const analyse = await runTandem(['analyse-schema']);
  assert.equal(analyse.code, 2, analyse.stderr);
  assert.equal(analyse.stderr, 'error [TANDEM_USAGE]: unknown command "analyse-schema". Did you mean "analyze-schema"?\n'
    + '  fix: Run "tandem analyze-schema" (tandem analyze-schema --help lists its flags).\n');
});

test('a stray word after a complete command is named, with the flag probably meant, exit 2 (measured before: "too many arguments. Expected 0 arguments but got 1")', async () => {
  const path = await runTandem(['export', 'schema', '/tmp/shop-export', '--source-db-type', 'postgresql']);
  assert.equal(path.code, 2, path.stderr);
  assert.equal(path.stderr, 'error [TANDEM_USAGE]: "/tmp/shop-export" after "tandem export schema" is not expected: the command takes no words of its own, only flags, which start with --.\n'
    + '  fix: Did you mean --export-dir /tmp/shop-export? See the flags of this command: tandem export schema --help\n');
  const dashless = await runTandem(['compare', 'export-dir', '/x']);
  assert.equal(dashless.code, 2, dashless.stderr);
  assert.match(dashless.stderr, /^error \[TANDEM_USAGE\]: "export-dir" after "tandem compare" is not expected: [^\n]*\n {2}fix: Did you mean --export-dir\? See the flags of this command: tandem compare --help\n$/);
});

test('a connection flag given to a command that reads the connection from the export dir says why it is refused and what to give instead, exit 2, nothing read (measured before: "unknown option" alone, found by the mysql-live run with restart scripts passing $SRC/$TGT to every command)', async () => {
  const dir = '/nonexistent-tandem-dir';
  const fallBack = await runTandem(['import', 'data', 'to', 'source', '--export-dir', dir, '--source-db-host', '127.0.0.1']);
  assert.equal(fallBack.code, 2, fallBack.stderr);
  assert.equal(fallBack.stderr, 'error [TANDEM_USAGE]: --source-db-host is not a flag of "tandem import data to source": it connects to the source recorded in the export dir '
    + '(the one "export data from source" read) and takes only its password.\n'
    + '  fix: Leave --source-db-host out; give the password with --source-db-password or SOURCE_DB_PASSWORD. See: tandem import data to source --help\n');
  const fromTarget = await runTandem(['export', 'data', 'from', 'target', '--export-dir', dir, '--target-db-port=5433']);
  assert.equal(fromTarget.code, 2, fromTarget.stderr);
  assert.match(fromTarget.stderr, /^error \[TANDEM_USAGE\]: --target-db-port is not a flag of "tandem export data from target": it connects to the target recorded in the export dir \(the one "import data to target" wrote\)/);
  const oracle = await runTandem(['compare', '--export-dir', dir, '--oracle-db-sid', 'ORCL']);
  assert.match(oracle.stderr, /^error \[TANDEM_USAGE\]: --oracle-db-sid is not a flag of "tandem compare": it connects to the source recorded/);
  const status = await runTandem(['cutover', 'status', '--export-dir', dir, '--source-db-user', 'u']);
  assert.equal(status.code, 2, status.stderr);
  assert.equal(status.stderr, 'error [TANDEM_USAGE]: --source-db-user is not a flag of "tandem cutover status": it reads the source\'s connection, if it needs one, from the export dir.\n'
    + '  fix: Leave --source-db-user out. See: tandem cutover status --help\n');
  // A misspelled connection flag is no command's: commander's words and its "Did you mean" (measured before: "takes only its password", untrue for export schema; the new-user run).
  const typo = await runTandem(['export', 'schema', '--export-dir', dir, '--source-db-scheme', 'app']);
  assert.equal(typo.code, 2, typo.stderr);
  assert.equal(typo.stderr, "error [TANDEM_USAGE]: unknown option '--source-db-scheme' (Did you mean --source-db-schema?)\n  fix: See the flags of this command: tandem export schema --help\n");
  const typoRecorded = await runTandem(['compare', '--export-dir', dir, '--source-db-pasword', 'x']);
  assert.match(typoRecorded.stderr, /^error \[TANDEM_USAGE\]: unknown option '--source-db-pasword' \(Did you mean --source-db-password\?\)/);
  // Any other unknown flag keeps commander's words.
  const other = await runTandem(['import', 'data', 'to', 'source', '--export-dir', dir, '--bogus']);
  assert.equal(other.stderr, "error [TANDEM_USAGE]: unknown option '--bogus'\n  fix: See the flags of this command: tandem import data to source --help\n");
});

test('"tandem export" names the commands it begins (their next word), and "tandem help <command>" shows that command\'s help (measured before: no suggestion; the general help; the new-user run)', async () => {
  const r = await runTandem(['export']);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr, 'error [TANDEM_USAGE]: unknown command "export". Did you mean one of "export schema", "export data"?\n  fix: Run one of them (tandem <command> --help lists its flags).\n');
  const help = await runTandem(['help', 'import', 'data', 'to', 'source']);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^Usage: tandem import data to source \[options\]/);
  assert.equal(help.stdout, (await runTandem(['import', 'data', 'to', 'source', '--help'])).stdout);
  const general = await runTandem(['help']);
  assert.equal(general.code, 0);
  assert.match(general.stdout, /^tandem \d+\.\d+\.\d+: live migration into YugabyteDB with fall-back/);
});
