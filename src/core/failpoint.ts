import { appendFileSync } from 'node:fs';

/**
 * Named crash points of Tandem's protocol. A test arms one through the environment and the process
 * stops exactly there, so a crash test never depends on winning a race.
 *
 * `TANDEM_FAILPOINTS` is a `;`-separated list of `name=action`, where action is
 * - `kill`: SIGKILL this process at the first hit (`kill@3`: at the third hit);
 * - `pause:<ms>`: wait that long (synchronously: the event loop stops too) at every hit;
 * - `error`: throw an error at every hit (for paths that must survive a failure, not a crash).
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
  // MySQL/MariaDB source only (a PostgreSQL migration never reaches them).
  'mysql.fallback-before-commit',
  'mysql.between-trigger-drops',
  'mysql.between-trigger-creates',
] as const;

/** The failpoints only a MySQL/MariaDB source reaches. */
export const MYSQL_FAILPOINTS: readonly FailpointName[] = FAILPOINTS.filter((f) => f.startsWith('mysql.'));

export type FailpointName = (typeof FAILPOINTS)[number];

type Action = { kind: 'kill'; at: number } | { kind: 'pause'; ms: number } | { kind: 'error' };

let armed: Map<string, Action> | undefined;
const hits = new Map<string, number>();

function parse(spec: string | undefined): Map<string, Action> {
  const out = new Map<string, Action>();
  for (const part of (spec ?? '').split(';').map((s) => s.trim()).filter(Boolean)) {
    const [name, action = 'kill'] = part.split('=');
    if (!(FAILPOINTS as readonly string[]).includes(name!)) throw new Error(`TANDEM_FAILPOINTS names an unknown failpoint "${name}"`);
    const kill = /^kill(?:@(\d+))?$/.exec(action);
    const pause = /^pause:(\d+)$/.exec(action);
    if (kill) out.set(name!, { kind: 'kill', at: Number(kill[1] ?? 1) });
    else if (pause) out.set(name!, { kind: 'pause', ms: Number(pause[1]) });
    else if (action === 'error') out.set(name!, { kind: 'error' });
    else throw new Error(`TANDEM_FAILPOINTS: unknown action "${action}" for ${name}`);
  }
  return out;
}

/** Stops here as armed by `TANDEM_FAILPOINTS`; does nothing (one map lookup) when not armed. */
export function failpoint(name: FailpointName): void {
  armed ??= parse(process.env.TANDEM_FAILPOINTS);
  if (armed.size === 0) return;
  const action = armed.get(name);
  if (!action) return;
  const n = (hits.get(name) ?? 0) + 1;
  hits.set(name, n);
  if (action.kind === 'kill' && n < action.at) return;
  if (process.env.TANDEM_FAILPOINT_LOG) appendFileSync(process.env.TANDEM_FAILPOINT_LOG, `${name}\n`);
  if (action.kind === 'kill') process.kill(process.pid, 'SIGKILL');
  if (action.kind === 'pause') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, action.ms);
  if (action.kind === 'error') throw new Error(`failpoint ${name}`);
}

/** For unit tests: forget the parsed environment so the next hit reads it again. */
export function resetFailpoints(): void {
  armed = undefined;
  hits.clear();
}
