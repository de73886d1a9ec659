import type { MetaStore } from '../../core/meta-store.js';
import type { TandemError } from '../../core/errors.js';
import type { ExporterRole as StreamRole } from './stream-exporter.js';

/** What an exporter recorded when its change stream failed for good (`TandemError.streamLost`). */
export interface StreamLost {
  readonly message: string;
  readonly at: string;
}

const key = (role: StreamRole) => `stream_lost_${role}`;

/** The way out of a lost stream, the same for every engine and every message that names it. */
export function startOverHint(exportDir: string): string {
  return `This migration cannot go on from its change stream: start it again from a new snapshot (tandem end migration --export-dir ${exportDir}, then a new export dir and empty target tables).`;
}

/** Records that the `role` exporter's stream is lost (called with the error it stops with). */
export function recordStreamLost(meta: MetaStore, role: StreamRole, e: TandemError): void {
  meta.setValue(key(role), { message: e.message, at: new Date().toISOString() } satisfies StreamLost);
}

/**
 * Forgets such a record: a rerun of the exporter got its stream back (the missing file was
 * restored, say). Called once the stream delivers again.
 */
export function clearStreamLost(meta: MetaStore, role: StreamRole): void {
  if (meta.getValue(key(role))) meta.setValue(key(role), null);
}

export function streamLost(meta: MetaStore, role: StreamRole): StreamLost | undefined {
  return meta.getValue<StreamLost | null>(key(role)) ?? undefined;
}
