import { appendFileSync } from 'node:fs';

/**
 * Named crash points of Tandem's protocol. A test arms one through the environment and the process
 * stops exactly there, so a crash test never depends on winning a race.
 *
 * `TANDEM_FAILPOINTS` is a `;`-separated list of `name=action`, where action is
 * - `kill`: SIGKILL this process at the first hit (`kill@3`: at the third hit);
 * - `pause:<ms>`: wait that long (synchronously: the event loop stops too) at every hit
 *   (`pause:<ms>@3`: at the third hit only);
 * - `error`: throw an error at every hit (for paths that must survive a failure, not a crash;
 *   `error@3`: at the third hit only);
 * - `delay:<ms>` (`delay:<ms>@3`: at the third hit only), for {@link PAUSE_POINTS} only: wait that
 *   long asynchronously (the event loop runs on, so a connection can fail meanwhile);
 * - `error` is also the only action of the {@link FAULT_POINTS}.
 *
 * `TANDEM_FAILPOINT_LOG`, when set, is a file each hit is appended to (`name\n`) before the action, so
 * a test can prove that every failpoint was reached.
 *
 * @example
 * TANDEM_FAILPOINTS='queue.after-append-before-commit=kill@2' tandem export data …
 */
export const FAILPOINTS = [
  // The change queue (export side).
  'queue.after-append-before-commit',
  'queue.after-commit-before-ack',
  'queue.marker-after-append',
  // A part of a transaction too large to hold in memory committed (reached only by such a transaction).
  'queue.after-part-commit',
  // Snapshot.
  'snapshot.after-file-before-record',
  'import.after-batch-commit',
  'import.before-batch-commit',
  'import.after-index-built',
  // Change apply (import side).
  'apply.after-batch-commit',
  // Cutover.
  'cutover.after-marker-applied',
  'cutover.between-sequence-restores',
  'cutover.after-sequences-restored',
  'cutover.before-reverse-slot',
  'cutover.after-reverse-slot',
  'cutover.before-completed',
  'fallback.after-batch-commit',
  // import schema: a statement ran on the target (test/integration/postgres/schema-import-resume.test.ts).
  'schema.after-statement',
  // end migration: before each entry of the export dir is removed (test/e2e/offline-migration.test.ts).
  'end.before-removing',
  // end migration: after one database's state is removed, before the next one's.
  'end.between-databases',
  // A command's lock: its file opened, not yet locked (test/unit/core/lock.test.ts removes the dir there).
  'lock.after-open',
  // A cutover record read inside its write transaction, the merged facts not yet written
  // (test/unit/workflow/cutover-record-merge.test.ts pauses there while another process merges).
  'cutover.record-merge',
  // MySQL/MariaDB source only (a PostgreSQL migration never reaches them).
  'mysql.fallback-before-commit',
  'mysql.between-trigger-drops',
  'mysql.between-trigger-creates',
] as const;

/**
 * Points where a test only delays the process (through {@link failpointDelay}), to make something
 * happen there (a connection cut while the exporter holds its group); not crash points of the
 * protocol, so the crash suites, which kill at every name of {@link FAILPOINTS}, do not arm them.
 */
export const PAUSE_POINTS = [
  // The stream exporter, right before it sleeps out the append interval with a batch pending.
  'cdc.before-hold',
  // The same hold after it stopped reading the source (a fresh group: `holdGroup`); the reads resume after the delay.
  'cdc.while-paused',
  // The end of a change stream at a cutover: writes after the marker looked for, none found, the stream not yet dropped (under the write hold).
  'stream.before-drop',
  // The stream exporter has met the cutover marker in the stream and not yet queued it (the importer
  // has seen the request by then: its fallback look at the cutover record comes within a second).
  'cdc.before-marker',
  // PostgreSQL: the server has answered START_REPLICATION, the exporter not yet told (the server's
  // first changes, and an error after them, can arrive meanwhile).
  'stream.before-started',
] as const;

/**
 * Points where a test makes a side job fail (`error` only, through {@link faultpoint}): a failure
 * there must be survived with a warning, so they are neither crash points nor pause points.
 */
export const FAULT_POINTS = [
  // The importer's timed record of its watermark in meta.db (a copy: the target's progress rows are the truth).
  'apply.record-watermark',
  // The importer's metrics display, which reads the queue's state from meta.db.
  'apply.show-metrics',
  // A cutover's verification reading one table on the right side (the target, or at the cutover to source the source).
  'cutover.verify-read',
] as const;

/**
 * The failpoints only a transaction too large to hold in memory reaches (the crash suites' small
 * transactions never do); test/integration/postgres/large-transaction.test.ts kills there.
 */
export const LARGE_TRANSACTION_FAILPOINTS: readonly FailpointName[] = ['queue.after-part-commit'];

/**
 * The failpoints of the commands before and after the data moves (`import schema`, `end
 * migration`), of taking a command's lock (before anything is done), and of merging facts into a
 * cutover record (inside one meta.db transaction, which a kill rolls back), which the crash suites do
 * not run under kills: test/integration/postgres/schema-import-resume.test.ts and
 * test/e2e/offline-migration.test.ts kill there, test/integration/postgres/fallback-workflow.test.ts errs
 * between end migration's databases, test/unit/core/lock.test.ts pauses at the lock's,
 * test/unit/workflow/cutover-record-merge.test.ts at the merge's.
 */
export const SCHEMA_AND_END_FAILPOINTS: readonly FailpointName[] = ['schema.after-statement', 'end.before-removing', 'end.between-databases', 'lock.after-open', 'cutover.record-merge'];

/** The failpoints only a MySQL/MariaDB source reaches. */
export const MYSQL_FAILPOINTS: readonly FailpointName[] = FAILPOINTS.filter((f) => f.startsWith('mysql.'));

export type FailpointName = (typeof FAILPOINTS)[number];
export type PausePointName = (typeof PAUSE_POINTS)[number];
export type FaultPointName = (typeof FAULT_POINTS)[number];

type Action = { kind: 'kill'; at: number } | { kind: 'pause' | 'delay'; ms: number; at?: number } | { kind: 'error'; at?: number };

let armed: Map<string, Action> | undefined;
const hits = new Map<string, number>();

function parse(spec: string | undefined): Map<string, Action> {
  const out = new Map<string, Action>();
  for (const part of (spec ?? '').split(';').map((s) => s.trim()).filter(Boolean)) {
    const [name, action = 'kill'] = part.split('=');
    if (![...FAILPOINTS, ...PAUSE_POINTS, ...FAULT_POINTS].includes(name as FailpointName | PausePointName | FaultPointName)) throw new Error(`TANDEM_FAILPOINTS names an unknown failpoint "${name}"`);
    const kill = /^kill(?:@(\d+))?$/.exec(action);
    const pause = /^(pause|delay):(\d+)(?:@(\d+))?$/.exec(action);
    if (kill) out.set(name!, { kind: 'kill', at: Number(kill[1] ?? 1) });
    else if (pause) out.set(name!, { kind: pause[1] as 'pause' | 'delay', ms: Number(pause[2]), ...(pause[3] ? { at: Number(pause[3]) } : {}) });
    else if (/^error(?:@\d+)?$/.test(action)) out.set(name!, { kind: 'error', ...(action.includes('@') ? { at: Number(action.split('@')[1]) } : {}) });
    else throw new Error(`TANDEM_FAILPOINTS: unknown action "${action}" for ${name}`);
    const isPausePoint = (PAUSE_POINTS as readonly string[]).includes(name!);
    if (isPausePoint !== (out.get(name!)!.kind === 'delay')) {
      throw new Error(`TANDEM_FAILPOINTS: ${name} ${isPausePoint ? 'takes only delay:<ms>' : 'does not take delay (only the pause points do)'}`);
    }
    if ((FAULT_POINTS as readonly string[]).includes(name!) && out.get(name!)!.kind !== 'error') {
      throw new Error(`TANDEM_FAILPOINTS: ${name} takes only error`);
    }
  }
  return out;
}

/** Stops here as armed by `TANDEM_FAILPOINTS`; does nothing (one map lookup) when not armed. */
export function failpoint(name: FailpointName): void {
  const action = armedAction(name);
  if (!action || !acts(name, action)) return;
  if (action.kind === 'kill') process.kill(process.pid, 'SIGKILL');
  if (action.kind === 'pause') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, action.ms);
  if (action.kind === 'error') throw new Error(`failpoint ${name}`);
}

/**
 * A pause point: a promise to await when `TANDEM_FAILPOINTS` arms it with `delay:<ms>` (for this
 * hit), undefined otherwise, so an unarmed point costs no await.
 */
export function failpointDelay(name: PausePointName): Promise<void> | undefined {
  const action = armedAction(name);
  if (action?.kind !== 'delay' || !acts(name, action)) return undefined;
  return new Promise((resolve) => setTimeout(resolve, action.ms));
}

/** A fault point: throws when `TANDEM_FAILPOINTS` arms it with `error`; one map lookup otherwise. */
export function faultpoint(name: FaultPointName): void {
  const action = armedAction(name);
  if (action?.kind === 'error' && acts(name, action)) throw new Error(`failpoint ${name}`);
}

/**
 * Counts a hit of an armed point and says whether its action runs at this one (`kill@n`: from the
 * n-th on; `pause`/`delay`/`error` with `@n`: at the n-th only; otherwise every hit), logging it if so.
 */
function acts(name: string, action: Action): boolean {
  const n = (hits.get(name) ?? 0) + 1;
  hits.set(name, n);
  if (action.kind === 'kill' ? n < action.at : action.at !== undefined && n !== action.at) return false;
  if (process.env.TANDEM_FAILPOINT_LOG) appendFileSync(process.env.TANDEM_FAILPOINT_LOG, `${name}\n`);
  return true;
}

function armedAction(name: string): Action | undefined {
  armed ??= parse(process.env.TANDEM_FAILPOINTS);
  return armed.size === 0 ? undefined : armed.get(name);
}

/** For unit tests: forget the parsed environment so the next hit reads it again. */
export function resetFailpoints(): void {
  armed = undefined;
  hits.clear();
}
