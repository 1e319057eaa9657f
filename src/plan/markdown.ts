/**
 * `pgindex plan --format markdown`: the plan as a pull-request comment. What a reviewer must not miss
 * comes first (statements that drop an index), then a summary (statements by action, columns by
 * action per table), then the statements themselves in an ```sql block, each under its reason.
 * Deterministic like the other formats, so a CI job can update its comment only when the plan changed.
 *
 * Everything from the database (names, types, reasons) is escaped: an identifier may hold a backtick
 * or a `|`, and a comment must render as the plan says, never as markup it happens to contain.
 */
import type { ColumnAction, ColumnPlan, Plan, Step } from './types.js';
import { qualifiedKey } from '../sql/qualified.js';
import { quoteIdent, quoteQualified } from '../sql/quote.js';
import { thousands } from '../format.js';
import { NOTHING_MATCHED } from './explain.js';
import { settingsLine, statementBlocks, stepCounts } from './plan-text.js';

/** The column actions, in the order the summary's columns show them. */
const ACTIONS: ColumnAction[] = ['create', 'rebuild', 'attach', 'exists', 'skip'];

/** Inline code that holds any text: a fence longer than any run of backticks inside it. */
function code(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return fence + pad + text + pad + fence;
}

/** Plain text, one line, with every character Markdown or HTML would act on escaped. */
function text(s: string): string {
  return s.replace(/\s+/g, ' ').trim().replace(/[\\`*_[\]<>|~&#!]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : `\\${c}`));
}

/**
 * A table cell: a `|` ends the cell even inside code, so every one is escaped there too (GitHub
 * removes the backslash before it reads the code span, whatever precedes it).
 */
function cell(markdown: string): string {
  return markdown.replace(/\|/g, '\\|');
}

/** A fenced block that no line of `body` can close early. */
function fenced(info: string, body: string): string[] {
  const longest = Math.max(2, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return [fence + info, body, fence];
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${thousands(n)} ${n === 1 ? one : many}`;
}

/** Each table of the plan with its columns' decisions, in plan order. */
function byTable(columns: ColumnPlan[]): { name: string; columns: ColumnPlan[] }[] {
  const out = new Map<string, { name: string; columns: ColumnPlan[] }>();
  for (const c of columns) {
    const k = qualifiedKey(c.table);
    const entry = out.get(k) ?? { name: quoteQualified(c.table), columns: [] };
    entry.columns.push(c);
    out.set(k, entry);
  }
  return [...out.values()];
}

/** Statements that remove an index: flagged above everything else. */
function dropsSection(drops: Step[]): string[] {
  if (drops.length === 0) return [];
  return [
    '> [!WARNING]',
    `> **⚠ drops (${thousands(drops.length)})**: ${drops.length === 1 ? 'an index is dropped, then built again' : 'indexes are dropped, then built again'} by a later statement`,
    ...drops.map((s) => `> - ${s.index ? code(quoteQualified(s.index)) : '(an index)'}${s.table ? ` on ${code(quoteQualified(s.table))}` : ''}: ${text(s.reason)}`),
    '',
  ];
}

/** Statements that remove an index for good (Step.hazard): apply runs them only with --allow-drop. */
function hazardSection(plan: Plan): string[] {
  const drops = plan.steps.filter((s) => s.hazard !== null);
  const kept = plan.kept ?? [];
  if (drops.length === 0 && kept.length === 0) return [];
  return [
    '> [!CAUTION]',
    `> **⚠ drops (${thousands(drops.length)})**: ${drops.length === 1 ? 'an index is' : 'indexes are'} dropped (pruned, or replaced by a new definition); \`pgindex apply\` runs ${drops.length === 1 ? 'it' : 'them'} only with \`--allow-drop\``,
    ...drops.map((s) => `> - ${s.index ? code(quoteQualified(s.index)) : '(an index)'}${s.table ? ` on ${code(quoteQualified(s.table))}` : ''}: ${text(s.reason)}`),
    ...kept.map((k) => `> - kept: ${code(quoteQualified(k.index))} on ${code(quoteQualified(k.table))}: ${text(k.reason)}`),
    '',
  ];
}

function summaryTable(plan: Plan): string[] {
  const tables = byTable(plan.columns);
  if (tables.length === 0) return [];
  const count = (columns: ColumnPlan[], a: ColumnAction) => thousands(columns.filter((c) => c.action === a).length);
  const lines = [`| table | ${ACTIONS.join(' | ')} |`, `|:--|${ACTIONS.map(() => '--:').join('|')}|`];
  for (const t of tables) lines.push(`| ${cell(code(t.name))} | ${ACTIONS.map((a) => count(t.columns, a)).join(' | ')} |`);
  if (tables.length > 1) lines.push(`| **${plural(tables.length, 'table')}** | ${ACTIONS.map((a) => `**${count(plan.columns, a)}**`).join(' | ')} |`);
  return [...lines, ''];
}

/** The columns that get no statement, and why: folded away, as they need no review. */
function quietSection(plan: Plan): string[] {
  const quiet = plan.columns.filter((c) => c.action === 'exists' || c.action === 'skip');
  if (quiet.length === 0) return [];
  return [
    `<details><summary>No statement for ${plural(quiet.length, 'column')}</summary>`,
    '',
    ...quiet.map((c) => `- ${code(`${quoteQualified(c.table)}.${quoteIdent(c.column)}`)}: ${c.action}: ${text(c.suggestion ? `${c.reason} (${c.suggestion})` : c.reason)}`),
    '',
    '</details>',
    '',
  ];
}

export function renderMarkdown(plan: Plan): string {
  const out: string[] = [`### pgindex plan ${code(plan.source)}`, ''];
  out.push(...hazardSection(plan));
  out.push(...dropsSection(plan.steps.filter((s) => s.action === 'drop-invalid')));
  if (plan.matchedNoTable) {
    out.push(`**Nothing matched**: ${text(NOTHING_MATCHED)}.`, '');
  } else if (plan.steps.length === 0) {
    out.push('**Nothing to do**: every planned index already exists.', '');
  } else {
    out.push(`**${plural(plan.steps.length, 'statement')}**: ${stepCounts(plan.steps)}`, '');
  }
  out.push(`PostgreSQL ${text(plan.server.version)}; ${text(settingsLine(plan))}`, '');
  out.push(...summaryTable(plan));
  if (plan.warnings.length > 0) out.push('**Warnings**', '', ...plan.warnings.map((w) => `- ${text(w)}`), '');
  out.push(...quietSection(plan));
  if (plan.steps.length > 0) out.push(...fenced('sql', statementBlocks(plan.steps).join('\n\n')));
  return out.join('\n').replace(/\n+$/, '') + '\n';
}
