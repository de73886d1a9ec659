/**
 * Where a command's workflow tells the user what happens: lines on stdout, warnings on stderr, and
 * the streams that progress bars and metrics tables redraw themselves on. The command layer
 * (`cli/`) makes one per command; the workflow never writes to `process.stdout` itself, so a test
 * or another front end can collect the output.
 *
 * @example
 * reporter.print('Export of the snapshot is complete.');
 * reporter.warn('the export dir\'s disk has 1.2 GB free'); // stderr: "WARNING: the export dir's …"
 * new ProgressBoard(reporter.stdout, 'rows');
 */
export interface Reporter {
  /** One line on stdout (an empty line without an argument). */
  print(line?: string): void;
  /** One line on stderr, prefixed `WARNING: `. */
  warn(line: string): void;
  /** For progress bars and metrics (a terminal redraws them in place). */
  readonly stdout: NodeJS.WritableStream;
  /** Where progress goes when stdout carries JSON that must stay parseable. */
  readonly stderr: NodeJS.WritableStream;
}

/** A reporter writing to the given streams (default: the process's). */
export function streamReporter(stdout: NodeJS.WritableStream = process.stdout, stderr: NodeJS.WritableStream = process.stderr): Reporter {
  return {
    stdout, stderr,
    print: (line = '') => { stdout.write(line + '\n'); },
    warn: (line) => { stderr.write(`WARNING: ${line}\n`); },
  };
}
