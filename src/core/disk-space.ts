import { statfsSync } from 'node:fs';

/** The free (to a user who is not root) and total bytes of the filesystem holding `path`; undefined when it cannot be read. */
export function diskBytes(path: string): { free: number; total: number } | undefined {
  try {
    const fs = statfsSync(path);
    return { free: fs.bavail * fs.bsize, total: fs.blocks * fs.bsize };
  } catch {
    return undefined;
  }
}
