/**
 * An exported plan (declare.ts) as YAML text: a small writer rather than a YAML library's, because
 * the file is read in review and diffed between exports, so its layout is fixed here (block style,
 * keys in the plan's documented order, one comment block per table for what was left out), and
 * every scalar is either plain or a JSON string (which YAML reads as a double-quoted scalar), never
 * a form whose meaning depends on YAML's guessing.
 */
import { planName, planTableName } from './plan-names.js';
import type { ExportedIndex, ExportedKey, ExportedPlan, ExportedTable, LeftOut, StorageValue } from './declare.js';

// Plain scalars that read back as the same string: no indicator, no space, no YAML 1.1 boolean or null.
const PLAIN = /^[A-Za-z_][A-Za-z0-9_.$]*$/;
const SPECIAL = /^(?:y|n|yes|no|on|off|true|false|null)$/i;

/** A string scalar, plain when that is unambiguous, otherwise double-quoted. */
export function yamlString(s: string): string {
  return PLAIN.test(s) && !SPECIAL.test(s) ? s : JSON.stringify(s);
}

function yamlValue(v: StorageValue): string {
  return typeof v === 'string' ? yamlString(v) : String(v);
}

/** A comment's text on one line (predicates and definitions may hold newlines). */
function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ');
}

export interface PlanYamlOptions {
  /** Where the JSON Schema is, as the `$schema=` of the first line (relative to the written file). */
  schemaRef: string;
  /** The comment lines under the first, saying what wrote the file; default: `pgindex export`'s. */
  header?: string[];
}

export function planYaml(plan: ExportedPlan, opts: PlanYamlOptions): string {
  const header = opts.header ?? [
    `The indexes of database ${plan.database} (PostgreSQL ${plan.serverVersion}), written by \`pgindex export\`:`,
    'every index declared with its full definition and its name. Indexes that back constraints belong to',
    "the table's DDL and are only listed, as comments; so is anything a plan cannot express.",
  ];
  const lines: string[] = [`# yaml-language-server: $schema=${opts.schemaRef}`, '#', ...header.map((l) => `# ${oneLine(l)}`), 'version: 1', 'tables:'];
  for (const t of plan.tables) lines.push(...tableLines(t));
  return lines.join('\n') + '\n';
}

/** The comment lines of what a table's entry leaves out, each starting with `prefix` (`# ` indented). */
function leftOutLines(prefix: string, t: ExportedTable): string[] {
  const block = (title: string, list: LeftOut[]) =>
    list.length === 0 ? [] : [`${prefix}${title}`, ...list.map((l) => `${prefix}  ${oneLine(l.index)}: ${oneLine(l.reason)}`)];
  return [
    ...block("Backing constraints, left out (the table's DDL creates them):", t.constraints),
    ...block('Cannot be expressed in a plan, left out:', t.inexpressible),
    ...block('Left out:', t.skipped),
    ...block('Considered and dropped:', t.dropped ?? []),
  ];
}

function tableLines(t: ExportedTable): string[] {
  const name = planTableName(t);
  // A table entry needs an index: a table with none to declare is only a comment.
  if (t.indexes.length === 0) return [`  # ${oneLine(name)}: no index to declare`, ...leftOutLines('  #   ', t)];
  return [`  - name: ${yamlString(name)}`, ...leftOutLines('    # ', t), '    indexes:', ...t.indexes.flatMap(indexLines)];
}

function indexLines(ix: ExportedIndex): string[] {
  const out = [...(ix.comment ?? []).map((c) => `      # ${oneLine(c)}`), `      - name: ${yamlString(planName(ix.name))}`, `        method: ${yamlString(ix.method)}`, '        columns:'];
  for (const k of ix.keys) out.push(...keyLines(k));
  if (ix.unique) out.push('        unique: true');
  if (ix.nullsNotDistinct) out.push('        nulls_not_distinct: true');
  if (ix.include) out.push('        include:', ...ix.include.map((c) => `          - ${yamlString(planName(c))}`));
  if (ix.where !== undefined) out.push(`        where: ${yamlString(ix.where)}`);
  if (ix.with) out.push('        with:', ...ix.with.map(([k, v]) => `          ${yamlString(k)}: ${yamlValue(v)}`));
  if (ix.tablespace !== undefined) out.push(`        tablespace: ${yamlString(planName(ix.tablespace))}`);
  return out;
}

/** A key: a bare column name when it has nothing else to say, otherwise an object. */
function keyLines(k: ExportedKey): string[] {
  const fields: [string, string][] = [];
  if (k.column !== undefined) fields.push(['name', yamlString(planName(k.column))]);
  if (k.expression !== undefined) fields.push(['expression', yamlString(k.expression)]);
  if (k.opclass !== undefined) fields.push(['opclass', yamlString(k.opclass)]);
  if (k.collation !== undefined) fields.push(['collation', yamlString(k.collation)]);
  if (k.order !== undefined) fields.push(['order', k.order]);
  if (k.nulls !== undefined) fields.push(['nulls', k.nulls]);
  if (fields.length === 1 && k.column !== undefined) return [`          - ${fields[0]?.[1]}`];
  return fields.map(([key, value], i) => `          ${i === 0 ? '- ' : '  '}${key}: ${value}`);
}
