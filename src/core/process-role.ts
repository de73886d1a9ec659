/**
 * The command this process carries out now. A streaming command can continue as another one (at a
 * cutover with fall-back, `import data to target` goes on as `export data from target`, and `export
 * data` as `import data to source`): messages written after that (an interruption, an internal
 * error) name both, so that the user knows which step stopped.
 */
let role: string | undefined;

/** Called where a process turns into another command (with the words it prints). */
export function continueAs(command: string): void {
  role = command;
  // What `ps` shows follows (measured before: the exporter that carried on as "import data to
  // source" still showed as "export data from source"; the soak-mysql-48 run). Linux keeps the new
  // title within the memory of the original command line, which the export dir's path makes long enough.
  const exportDir = process.argv.indexOf('--export-dir');
  try {
    process.title = `tandem ${command}${exportDir > 0 && process.argv[exportDir + 1] ? ` --export-dir ${process.argv[exportDir + 1]}` : ''}`;
  } catch {
    // Some platforms refuse a new title: messages still name the role.
  }
}

/** How messages name the running command: `"tandem export data"`, or `"tandem export data" (continuing as "import data to source")`. */
export function describeRunningCommand(started: string): string {
  return role === undefined || role === started ? `"tandem ${started}"` : `"tandem ${started}" (continuing as "${role}")`;
}
