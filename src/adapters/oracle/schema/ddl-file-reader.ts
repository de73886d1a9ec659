/**
 * Reads Oracle DDL files for {@link convertOracleDdl}: one file, or every DDL file under a
 * directory (recursively, in path order). The converter applies `ALTER TABLE` and `COMMENT ON`
 * statements after all `CREATE`s, so the order of the files does not matter for them.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { TandemError } from '../../../core/errors.js';
import type { DdlScript } from './model-reader.js';

/** File name endings read from a directory: SQL scripts and the usual PL/SQL source extensions. */
export const DDL_FILE_EXTENSIONS = ['.sql', '.ddl', '.pks', '.pkb', '.pls', '.plb', '.pck', '.trg', '.fnc', '.prc', '.typ', '.tps', '.tpb', '.vw', '.tab', '.seq'];

/**
 * Reads one DDL file, or all DDL files under a directory.
 *
 * @example
 * const scripts = await readOracleDdlFiles('./db/oracle');
 * const result = await convertOracleDdl(scripts, { schema: 'HR' });
 */
export async function readOracleDdlFiles(path: string): Promise<DdlScript[]> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new TandemError('TANDEM_USAGE', `The Oracle DDL path ${path} cannot be read (${code ?? 'error'}).`, {
      hint: 'Give a .sql file or a directory of .sql files (for example the output of DBMS_METADATA.GET_DDL).', cause: error,
    });
  }
  const files = info.isDirectory() ? (await listFiles(path)).sort() : [path];
  if (files.length === 0) {
    throw new TandemError('TANDEM_USAGE', `The directory ${path} holds no DDL files (${DDL_FILE_EXTENSIONS.join(', ')}).`, {
      hint: 'Point the flag at the directory that holds the .sql files, or at one file.',
    });
  }
  const scripts: DdlScript[] = [];
  for (const file of files) {
    const text = (await readFile(file, 'utf8')).replace(/^\uFEFF/, '');
    const name = info.isDirectory() ? relative(path, file).split(sep).join('/') : file;
    scripts.push({ name, text });
  }
  return scripts;
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(full)));
    else if (entry.isFile() && DDL_FILE_EXTENSIONS.some((ext) => entry.name.toLowerCase().endsWith(ext))) out.push(full);
  }
  return out;
}
