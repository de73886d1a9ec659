/**
 * CPU time spent by a migration, everywhere: the client processes this benchmark started (Tandem's
 * Node.js processes, pg_dump, pg_restore, pgcopydb and their children, all reaped by this process
 * or by its children, so they add up in this process's `cutime`/`cstime`) and both PostgreSQL
 * servers (the postmaster's own time, the time of the backends it has reaped, and its live
 * children's). On a shared machine other work lengthens wall times much more than CPU times, so
 * this is the steadier figure to compare tools by. Linux only (reads /proc).
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { PgServer } from '../../test/helpers/pg-server.js';

const TICKS_PER_S = 100;

interface ProcStat {
  readonly ppid: number;
  /** utime + stime, in clock ticks. */
  readonly own: number;
  /** cutime + cstime: the reaped children's, in clock ticks. */
  readonly children: number;
}

function stat(pid: number | 'self'): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // exited meanwhile
  }
  // Fields after the command name (which may hold spaces): state ppid … utime(14) stime cutime cstime.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(f[1]), own: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]) };
}

/** CPU seconds a live process has used so far (its own, not its children's); 0 once it has exited. */
export function processCpuS(pid: number): number {
  const s = stat(pid);
  return s ? s.own / TICKS_PER_S : 0;
}

/** The postmaster's pid: the parent of a backend. */
export async function postmasterPid(server: PgServer): Promise<number> {
  // Read while the connection is open: the backend exits with it.
  const client = await server.client('postgres');
  try {
    const { rows: [{ pid }] } = await client.query('SELECT pg_backend_pid() AS pid');
    const s = stat(Number(pid));
    if (!s) throw new Error(`cannot read /proc/${pid}/stat`);
    return s.ppid;
  } finally {
    await client.end();
  }
}

/** CPU seconds the server has used so far: postmaster, reaped backends and live children. */
function serverCpuS(postmaster: number): number {
  const root = stat(postmaster);
  if (!root) throw new Error(`the server's postmaster ${postmaster} is gone`);
  let ticks = root.own + root.children;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (s?.ppid === postmaster) ticks += s.own + s.children;
  }
  return ticks / TICKS_PER_S;
}

/** CPU seconds of the reaped children of this process (and of their reaped children). */
function clientCpuS(): number {
  return stat('self')!.children / TICKS_PER_S;
}

/** CPU seconds used so far (or between two readings): client processes, source server, target server. */
export interface CpuReading {
  readonly clientS: number;
  readonly sourceS: number;
  readonly targetS: number;
}

/** Reads the CPU used so far by this process's reaped children and by the two servers. */
export function readCpu(sourcePostmaster: number, targetPostmaster: number): CpuReading {
  return { clientS: clientCpuS(), sourceS: serverCpuS(sourcePostmaster), targetS: serverCpuS(targetPostmaster) };
}

/** `after - before`, field by field. */
export function cpuBetween(before: CpuReading, after: CpuReading): CpuReading {
  return { clientS: after.clientS - before.clientS, sourceS: after.sourceS - before.sourceS, targetS: after.targetS - before.targetS };
}

/** All of it, in seconds. */
export function totalCpuS(c: CpuReading): number {
  return c.clientS + c.sourceS + c.targetS;
}

/** `CPU 12.3 s (clients 1.0, source 4.0, target 7.3)`. */
export function describeCpu(c: CpuReading): string {
  return `CPU ${totalCpuS(c).toFixed(1)} s (clients ${c.clientS.toFixed(1)}, source ${c.sourceS.toFixed(1)}, target ${c.targetS.toFixed(1)})`;
}
