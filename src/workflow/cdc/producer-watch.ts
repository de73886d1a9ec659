import type { StreamingCommand } from '../streaming-commands.js';
import { startOverHint, type StreamLost } from './stream-lost.js';

/** How often the producer is looked for, and how many looks in a row must miss it before it is said. */
const LOOK_EVERY_MS = 5_000;
const MISSES_TO_SAY = 2;

export interface ProducerWatchOptions {
  /** The command that feeds the queue this import applies ("export data from source"). */
  readonly command: StreamingCommand;
  readonly exportDir: string;
  /** Whether a process runs `command` now (its lock in metainfo/). */
  readonly isRunning: () => boolean;
  /** Whether the marker this import stops at is queued: the producer's work is then done. */
  readonly markerQueued: () => boolean;
  /** What the producer recorded when its stream failed for good, if it did (`stream-lost.ts`). */
  readonly lost?: () => StreamLost | undefined;
  readonly warn: (line: string) => void;
  readonly print: (line: string) => void;
  readonly now?: () => number;
}

/**
 * Says, from inside a streaming import, that the command feeding its queue has stopped (crashed,
 * killed, never started) before queuing the marker the import waits for: without it the import's
 * metrics only stop moving, which reads like a quiet application. Said once per outage, after two
 * looks 5 s apart (a restart in between is not an outage), and said again when it runs once more.
 */
export class ProducerWatch {
  private lastLook = -Infinity;
  private misses = 0;
  private said = false;
  /** Whether the lost stream was said (it can be recorded after "not running" was: a rerun that found its stream gone). */
  private saidLost = false;

  constructor(private readonly opts: ProducerWatchOptions) {}

  /** The feeding command was found not running at the last look (and the marker not queued). */
  get stopped(): boolean {
    return this.misses > 0 && !this.opts.markerQueued();
  }

  /** Called often (each metrics refresh); looks at most every 5 s. */
  tick(): void {
    const now = this.opts.now?.() ?? Date.now();
    if (now - this.lastLook < LOOK_EVERY_MS) return;
    this.lastLook = now;
    if (this.opts.markerQueued()) return;
    if (this.opts.isRunning()) {
      if (this.said) this.opts.print(`"tandem ${this.opts.command}" is running again: changes reach this import once more.`);
      this.said = false;
      this.misses = 0;
      return;
    }
    this.misses += 1;
    if (this.misses < MISSES_TO_SAY) return;
    const lost = this.opts.lost?.();
    if (this.said && (this.saidLost || !lost)) return;
    this.said = true;
    if (lost) {
      this.saidLost = true;
      this.opts.warn(`"tandem ${this.opts.command}" stopped for good at ${lost.at} and cannot resume: ${lost.message} No new changes reach this import; it applies what is queued. ${startOverHint(this.opts.exportDir)}`);
      return;
    }
    this.opts.warn(`"tandem ${this.opts.command}" is not running (no process holds its lock in this export dir), so no new changes reach this import: it applies what is queued and waits. `
      + `Start it again (it resumes where it stopped): tandem ${this.opts.command} --export-dir ${this.opts.exportDir}`);
  }
}
