/**
 * What `apply` and `run` say before they change anything, when a person at a terminal is asked to
 * confirm (prompt.ts asks; terminal.ts decides when): the database, how many statements on which
 * tables, and every DROP by its full statement, with what replaces it. Pure: a Plan in, lines out, so
 * that what is shown is exactly the Plan that runs once the answer is yes.
 */
import { displayName } from '../runner/describe.js';
import type { Plan, QualifiedName, Step } from '../plan/types.js';

export interface ConfirmationContext {
  /** `apply` or `run`: named in the first line. */
  command: string;
  /** The database, as describeTarget gives it: user@host:port/dbname, never a password. */
  target: string;
  /** Lines of the table list are wrapped to this many columns. */
  width?: number;
}

/** More tables than this are counted, not listed: the prompt must still fit on a screen. */
export const MAX_TABLES_LISTED = 20;

/** The question, on the line after the text. */
export const CONFIRM_QUESTION = 'Proceed? [y/N] ';

export function confirmationLines(plan: Plan, ctx: ConfirmationContext): string[] {
  const steps = plan.steps;
  const n = steps.length;
  const sessions = Math.min(plan.settings.parallelism, n);
  const out = [
    `pgindex ${ctx.command} will run ${count(n, 'statement')} on ${ctx.target}, ` +
      (sessions === 1 ? 'one at a time:' : `up to ${sessions} at a time:`),
  ];
  out.push(...actionLines(steps));
  out.push(...tableLines(steps, ctx.width ?? 80));
  out.push(...dropLines(steps));
  return out;
}

/** One line per kind of statement the plan holds, in the order a reader cares about. */
function actionLines(steps: readonly Step[]): string[] {
  const out: string[] = [];
  const builds = steps.filter((s) => s.action === 'create');
  if (builds.length > 0) {
    const blocking = builds.filter((s) => !s.concurrently).length;
    // A build without CONCURRENTLY holds a SHARE lock: writes to its table wait until it ends.
    const detail =
      blocking === 0
        ? ', all CONCURRENTLY'
        : blocking === builds.length
          ? `, ${blocking === 1 ? 'not CONCURRENTLY: it blocks' : 'none CONCURRENTLY: each blocks'} writes to its table while it builds`
          : `, ${blocking} of them without CONCURRENTLY: ${blocking === 1 ? 'it blocks' : 'each blocks'} writes to its table while it builds`;
    out.push(`  build ${count(builds.length, 'index', 'indexes')}${detail}`);
  }
  const parents = steps.filter((s) => s.action === 'create-parent').length;
  if (parents > 0) out.push(`  create ${count(parents, 'partitioned index', 'partitioned indexes')} ON ONLY the parent table (instant)`);
  const attaches = steps.filter((s) => s.action === 'attach').length;
  if (attaches > 0) out.push(`  attach ${count(attaches, 'partition index', 'partition indexes')} to ${attaches === 1 ? 'its' : 'their'} partitioned index`);
  const other = steps.filter((s) => s.action === 'sql').length;
  if (other > 0) out.push(`  run ${count(other, 'other statement')}`);
  return out;
}

/** The tables the statements name, sorted, wrapped; those `run` cannot name are counted. */
function tableLines(steps: readonly Step[], width: number): string[] {
  const names = [...new Set(steps.flatMap((s) => (s.table ? [displayName(s.table)] : [])))].sort();
  const unknown = steps.filter((s) => !s.table).length;
  const out: string[] = [];
  if (names.length > 0) {
    const listed = names.slice(0, MAX_TABLES_LISTED);
    const more = names.length - listed.length;
    const words = listed.map((name, i) => (i < listed.length - 1 || more > 0 ? `${name},` : name));
    if (more > 0) words.push(`and ${more} more`);
    out.push(...wrap(`  on ${count(names.length, 'table')}:`, words, '    ', width));
  }
  // `run` reads the table of a CREATE INDEX only: any other statement may touch any table.
  if (unknown > 0) out.push(`  ${count(unknown, 'statement')} on tables pgindex does not read from the SQL`);
  return out;
}

/**
 * Every statement that removes something, in full: the INVALID leftovers `apply` drops (with the
 * statement that builds each again), and the DROP and TRUNCATE statements of a `run` file (with
 * where they are in it).
 */
function dropLines(steps: readonly Step[]): string[] {
  const drops = steps.filter((s) => s.action === 'drop-invalid' || s.hazard !== null || (s.action === 'sql' && DESTRUCTIVE.has(leadingKeyword(s.sql))));
  if (drops.length === 0) return [];
  const out = [`  ${drops.length === 1 ? 'this statement removes' : `these ${drops.length} statements remove`} what exists:`];
  for (const d of drops) {
    if (d.action === 'sql') {
      out.push(`    ${d.reason ? `${d.reason}: ` : ''}${oneLine(d.sql.replace(LEADING_COMMENTS, ''))}`);
      continue;
    }
    out.push(`    ${oneLine(d.sql)}`);
    if (d.reason) out.push(`      ${d.reason}`);
    const replacement = steps.find((s) => s.dependsOn.includes(d.id) && sameIndex(s.index, d.index));
    out.push(replacement ? `      replaced by: ${oneLine(replacement.sql)}` : '      not built again by this plan');
  }
  return out;
}

/** Leading keywords of a `run` statement that remove data or objects. */
const DESTRUCTIVE = new Set(['drop', 'truncate']);

/** Whitespace and comments before a statement's first word (block comments taken as unnested). */
const LEADING_COMMENTS = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/;

/** The statement's first keyword, lower case, after any leading comments. */
export function leadingKeyword(sql: string): string {
  return (/^[A-Za-z_]+/.exec(sql.replace(LEADING_COMMENTS, ''))?.[0] ?? '').toLowerCase();
}

function sameIndex(a: QualifiedName | null, b: QualifiedName | null): boolean {
  return a !== null && b !== null && a.schema === b.schema && a.name === b.name;
}

/** A statement on one line, its whitespace runs made single spaces, as a reader scans it. */
function oneLine(sql: string): string {
  return sql.trim().replace(/\s+/g, ' ');
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** `head` then `words` separated by spaces, new lines starting with `indent`, within `width` columns when the words allow it. */
function wrap(head: string, words: string[], indent: string, width: number): string[] {
  const lines: string[] = [];
  let line = head;
  for (const w of words) {
    if (line !== head && line.length + 1 + w.length > width) {
      lines.push(line);
      line = indent + w;
    } else line = `${line} ${w}`;
  }
  lines.push(line);
  return lines;
}
