/**
 * The summary that ends every run, as text that fits the terminal: pure.
 *
 * One line per index (its build, with the DROP of an INVALID leftover before it folded in), per
 * attach and per statement of a SQL file; then what the run did to indexes, and to statements. A
 * table while it fits the width, the status column wrapped under itself if need be; when the names
 * leave it too little room, two lines per index (its name, then the rest). The width is the
 * terminal's, 80 when it is not known (a pipe, a log): never wider, whatever the names.
 */
import { humanBytes } from '../../format.js';
import { displayName } from '../../runner/describe.js';
import { countIndexes, outcomes, type IndexCounts, type OutcomeLine } from '../../runner/outcomes.js';
import type { RunResult, StepResult } from '../../runner/types.js';
import { formatDuration } from './duration.js';

/** What a summary is laid out to when the terminal's width is not known. */
export const DEFAULT_WIDTH = 80;
/** The status column is not wrapped narrower than this: the two-line records read better then. */
const MIN_STATUS_WIDTH = 24;

export interface SummaryOptions {
  /** The terminal's width in characters; 80 when not given (or not a positive number). */
  columns?: number | undefined;
}

/** Characters as the terminal counts them (code points; wide characters are rare in names). */
function width(text: string): number {
  return [...text].length;
}

/** Words wrapped into lines of at most `max` characters; a word longer than that is cut. */
export function wrap(text: string, max: number): string[] {
  const limit = Math.max(1, max);
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    let rest = word;
    const sep = line === '' ? '' : ' ';
    if (width(line) + width(sep) + width(rest) <= limit) {
      line += sep + rest;
      continue;
    }
    if (line !== '') lines.push(line);
    while (width(rest) > limit) {
      const chars = [...rest];
      lines.push(chars.slice(0, limit).join(''));
      rest = chars.slice(limit).join('');
    }
    line = rest;
  }
  lines.push(line);
  return lines;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function failure(r: StepResult): string {
  return `${r.error?.sqlstate ? r.error.sqlstate + ' ' : ''}${r.error?.message ?? ''}`;
}

/** The status of a line: its state, attempts, and the rebuild of a leftover. */
function status(o: OutcomeLine): string {
  const r = o.result;
  if (r.action === 'drop-invalid' && o.build) {
    // The DROP of the leftover ended the line: its build never ran.
    return r.state === 'failed' ? `failed dropping its INVALID leftover: ${failure(r)}` : `${r.state} dropping its INVALID leftover${r.reason ? `: ${r.reason}` : ''}`;
  }
  const rebuilt = o.dropped?.state === 'done';
  const attempts = r.attempts > 1 ? ` (${r.attempts} attempts)` : '';
  switch (r.state) {
    case 'done':
      if (r.action === 'drop') return `dropped${attempts}`;
      if (r.action === 'rename') return `renamed${attempts}`;
      return rebuilt ? `rebuilt${attempts}: its INVALID leftover dropped first` : `done${attempts}`;
    case 'failed':
      return `failed: ${failure(r)}${rebuilt ? ' (its INVALID leftover was dropped)' : ''}`;
    default:
      return (r.reason ? `${r.state}: ${r.reason}` : r.state) + (rebuilt ? ' (its INVALID leftover was dropped)' : '');
  }
}

const HEADER = ['index', 'table', 'method', 'duration', 'size', 'status'];
/** With the cost model's predictions, the duration column holds both: as narrow as "duration", so a table that fit still fits. */
const PREDICTED_HEADER = ['index', 'table', 'method', 'took/est', 'size', 'status'];

/**
 * The duration, and after it the cost model's prediction when there is one: "8.1s/8.6s" (one word,
 * so that the records layout keeps its fields apart by " · " alone).
 */
function durationCell(r: StepResult): string {
  const took = r.durationMs === null ? '' : formatDuration(r.durationMs);
  if (r.predictedSeconds === undefined) return took;
  return `${took === '' ? '-' : took}/${formatDuration(r.predictedSeconds * 1000)}`;
}

function cells(o: OutcomeLine, label: (r: StepResult) => string): string[] {
  const r = o.result;
  return [
    label(r),
    r.table ? displayName(r.table) : '',
    r.method ?? '',
    durationCell(r),
    r.sizeBytes === null ? '' : humanBytes(r.sizeBytes),
    status(o),
  ];
}

/**
 * The table, one line per index, the status column wrapped under itself if need be; null when the
 * other columns leave it less than MIN_STATUS_WIDTH.
 */
function table(rows: string[][], columns: number, header: readonly string[]): string[] | null {
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((row) => width(row[i] ?? ''))));
  const last = widths.length - 1;
  const fixed = widths.slice(0, -1).reduce((sum, w) => sum + w + 2, 0);
  const statusWidth = Math.min(widths[last] ?? 0, columns - fixed);
  if (statusWidth < Math.min(MIN_STATUS_WIDTH, widths[last] ?? 0)) return null;
  const pad = (c: string, w: number) => c + ' '.repeat(Math.max(0, w - width(c)));
  const line = (row: string[]): string[] => {
    const head = row.slice(0, -1).map((c, i) => pad(c, widths[i] ?? 0) + '  ').join('');
    const [first = '', ...more] = wrap(row[last] ?? '', statusWidth);
    return [(head + first).trimEnd(), ...more.map((m) => ' '.repeat(fixed) + m)];
  };
  // The status column is as wide as its longest message: underline only its heading.
  const rule = widths.map((w, i) => '-'.repeat(i === last ? width(header[i] ?? '') : w));
  return [...line([...header]), ...line(rule), ...rows.flatMap(line)];
}

/**
 * Too narrow for the table (long index or table names): two lines per index, its name, then the
 * rest of its row indented, each wrapped to the width. Where psql would switch to its expanded
 * display (\x): as readable, in a third of the lines.
 */
function records(rows: string[][], columns: number): string[] {
  return rows.flatMap(([name = '', ...rest]) => [
    ...wrap(name, columns),
    ...wrap(rest.filter((c) => c !== '').join(' · '), columns - 2).map((l) => `  ${l}`),
  ]);
}

/** "3 indexes built (1 rebuilt after dropping an INVALID leftover), 12 partition indexes attached, 1 failed". */
export function indexLine(c: IndexCounts): string | null {
  if (c.built + c.attached + c.failed + c.notBuilt === 0) return null;
  const parts: string[] = [];
  if (c.built > 0 || c.failed + c.notBuilt > 0) {
    const rebuilt = c.rebuilt === 0 ? '' : c.rebuilt === c.built ? ` (${c.built === 1 ? '' : 'all '}rebuilt after dropping an INVALID leftover)` : ` (${c.rebuilt} rebuilt after dropping an INVALID leftover)`;
    parts.push(`${plural(c.built, 'index', 'indexes')} built${rebuilt}`);
  }
  if (c.attached > 0) parts.push(`${plural(c.attached, 'partition index', 'partition indexes')} attached`);
  if (c.failed > 0) parts.push(`${c.failed} failed`);
  if (c.notBuilt > 0) parts.push(`${c.notBuilt} not built (skipped or cancelled)`);
  return `indexes: ${parts.join(', ')}`;
}

function statementLine(result: RunResult): string {
  const totals = [`${result.done} done`, `${result.skipped} skipped`, `${result.failed} failed`, `${result.cancelled} cancelled`];
  return (
    `statements: ${totals.join(', ')} of ${result.total} in ${formatDuration(result.durationMs)}` +
    `${result.interrupted ? ' (interrupted)' : ''}${result.stoppedEarly ? ' (stopped by --fail-fast)' : ''}`
  );
}

/** The summary: the lines of the run, what it did to indexes and to statements, what it left behind. */
export function formatSummary(result: RunResult, label: (r: StepResult) => string, options: SummaryOptions = {}): string {
  const columns = typeof options.columns === 'number' && options.columns > 0 ? Math.floor(options.columns) : DEFAULT_WIDTH;
  const lines = outcomes(result.results);
  const rows = lines.map((o) => cells(o, label));
  const header = result.results.some((r) => r.predictedSeconds !== undefined) ? PREDICTED_HEADER : HEADER;
  const out = table(rows, columns, header) ?? records(rows, columns);
  out.push('');
  const indexes = indexLine(countIndexes(lines));
  const predicted = result.predictedSeconds === undefined ? [] : [`est: the cost model's prediction, ${formatDuration(result.predictedSeconds * 1000)} for all the plan's builds`];
  for (const text of [...(indexes ? [indexes] : []), statementLine(result), ...predicted, ...result.leftovers.map((d) => `left behind (INVALID): ${d}`)]) {
    out.push(...wrap(text, columns));
  }
  return out.join('\n') + '\n';
}
