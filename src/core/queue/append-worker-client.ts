import { Worker } from 'node:worker_threads';
import type { AppendReply, AppendRequest } from './append-worker.js';

/** How long `close` waits for the append thread to close meta.db and end before it is terminated. */
const CLOSE_WAIT_MS = 5000;

/**
 * The writer's side of the append thread (`append-worker.ts`), started by the first append that
 * uses it. It keeps the process alive only while an append is in flight, so a writer that is never
 * closed does not hold a finished command open.
 *
 * If the thread dies, every append in flight and every later one is rejected with `WorkerGone`: what
 * the thread did last is then unknown (its transaction may have committed), so the writer must not
 * cut the segment back; a restart reads meta.db and recovers from what it recorded.
 */
export class AppendWorkerClient {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: (r: AppendReply) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private gone?: WorkerGone;
  private readonly exited: Promise<void>;

  constructor(metaDbPath: string) {
    this.worker = new Worker(new URL('./append-worker.js', import.meta.url), { workerData: { metaDbPath } });
    this.worker.unref();
    this.worker.on('message', (r: AppendReply) => {
      const w = this.waiting.get(r.id);
      this.waiting.delete(r.id);
      if (this.waiting.size === 0) this.worker.unref();
      w?.resolve(r);
    });
    this.worker.on('error', (e) => this.die(`failed: ${e.message}`));
    this.exited = new Promise((resolve) => this.worker.once('exit', (code) => {
      this.die(`exited (code ${code})`);
      resolve();
    }));
  }

  /** Hands one append to the thread. `bytes` is transferred: it is empty here afterwards. */
  run(req: Omit<AppendRequest, 'id'>): Promise<AppendReply> {
    if (this.gone) return Promise.reject(this.gone);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ ...req, id } satisfies AppendRequest, [req.bytes.buffer as ArrayBuffer]);
    });
  }

  /** Lets the thread close its meta.db connection and end (after the appends in flight). */
  async close(): Promise<void> {
    this.worker.ref();
    if (!this.gone) this.worker.postMessage({ close: true });
    const timer = setTimeout(() => void this.worker.terminate(), CLOSE_WAIT_MS);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  private die(how: string): void {
    this.gone ??= new WorkerGone(`The change queue's append thread ${how}.`);
    for (const w of this.waiting.values()) w.reject(this.gone);
    this.waiting.clear();
  }
}

/** The append thread is gone; what it did with the append in flight is unknown. */
export class WorkerGone extends Error {}
