// Reads drill files: YAML → validated DrillFile with the lab directory resolved against the file's
// own directory (so a file means the same lab whatever the current directory is).

import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { DrillSchemaError, validateDrill, type DrillFile } from './schema.js';

export function displayPath(path: string): string {
  const r = relative(process.cwd(), path);
  return r && !r.startsWith('..') ? r : path;
}

export function parseDrill(text: string, path: string): DrillFile {
  const shown = displayPath(path);
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length) throw new DrillSchemaError(doc.errors.map((e) => `${shown}: YAML: ${e.message.split('\n')[0]}`));
  const drill = validateDrill(doc.toJS(), shown);
  return { ...drill, path: resolve(path), lab: resolve(dirname(resolve(path)), drill.lab) };
}

export async function loadDrill(path: string): Promise<DrillFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new DrillSchemaError([`${displayPath(path)}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`]);
  }
  return parseDrill(text, path);
}
