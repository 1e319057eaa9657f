/**
 * The leading settings of a SQL file as one statement: pg_dump writes ten SETs at the top of a
 * post-data section, and every session of a run (and the run's control connection) runs them when
 * it connects, each a round trip of its own, before the first statement can start. Pure.
 */
import { quoteLiteral } from '../sql/quote.js';
import type { SqlStatement } from '../sql/split.js';

/**
 * A DO block that EXECUTEs each statement as written, in file order: the same statements (each
 * one SET or set_config, as the parser read it), in one round trip, sent as one statement over the
 * extended protocol as every statement of the file is. A SET inside it outlives the block as it
 * would outside. Null for fewer than two statements, where there is nothing to save.
 */
export function headerBlock(header: readonly SqlStatement[]): string | null {
  if (header.length < 2) return null;
  let tag = '$pgindex$';
  for (let n = 1; header.some((stmt) => stmt.sql.includes(tag)); n++) tag = `$pgindex${n}$`;
  return `DO ${tag}BEGIN\n${header.map((stmt) => `EXECUTE ${quoteLiteral(stmt.sql)};\n`).join('')}END${tag}`;
}
