/**
 * The first line of an exported plan points editors at the plan format's JSON Schema, the file this
 * package ships (schemas/pgindex.schema.json), by a path relative to where the plan is written: as
 * examples/*.yaml do, and valid wherever the package is installed.
 */
import { fileURLToPath } from 'node:url';
import { dirname, relative, sep } from 'node:path';

/** The schema file of this installation (src/export/ is dist/src/export/ once built). */
export const PLAN_SCHEMA_PATH = fileURLToPath(new URL('../../../schemas/pgindex.schema.json', import.meta.url));

/** `$schema=` for a plan written to `file` (absolute), or read from `dir` when written to stdout. */
export function schemaRef(opts: { file?: string; dir: string }): string {
  const from = opts.file !== undefined ? dirname(opts.file) : opts.dir;
  const rel = relative(from, PLAN_SCHEMA_PATH).split(sep).join('/');
  return rel.startsWith('.') || rel.startsWith('/') ? rel : `./${rel}`;
}
