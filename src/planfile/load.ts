/**
 * Reading a plan file: YAML syntax, duplicate keys, the JSON Schema and the value checks all run, and
 * every problem found is reported in one InputError as FILE:LINE:COL: message. Only a plan with no
 * problem at all becomes a PlanFile.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { InputError, type Problem } from '../errors.js';
import { loadSqlParser, type SqlParser } from '../sql/parse.js';
import { checkValues, UNIT_KEYS } from './checks.js';
import { normalise } from './normalise.js';
import { nulProblems } from './nul.js';
import { parseBlockYaml } from './block-yaml.js';
import { keyText, SourceMap, yamlTree } from './positions.js';
import { rawSqlFields, rawSqlProblems } from './raw-sql.js';
import { schemaErrors } from './schema.js';
import { describeSchemaErrors } from './schema-errors.js';
import type { PlanFile } from './types.js';

/** What reading a plan's text found, before its raw SQL is checked: see parsePlanText. */
interface ReadPlan {
  text: string;
  data: unknown;
  where: SourceMap;
  /** YAML syntax errors: they make the content's problems after them untrustworthy. */
  syntax: Problem[];
  /** Duplicate keys. */
  structure: Problem[];
  /** The schema's and the value checks' problems. */
  content: Problem[];
}

function readPlanText(text: string, file: string): ReadPlan {
  // The plainest YAML comes with its data, free of syntax errors and duplicate keys.
  const block = parseBlockYaml(text);
  const { where, syntax, structure, data } = block ? { where: new SourceMap(file, text, block.tree, block.lines), syntax: [], structure: [], data: block.data } : readWithYaml(text, file);

  const skip = Object.keys(UNIT_KEYS).map((k) => `/${k}`);
  const described = describeSchemaErrors(schemaErrors(data), data, where, { skip, omitMissingKeys: syntax.length > 0 });
  const content = [...described, ...checkValues(data, where, { omitMissingKeys: syntax.length > 0 }), ...nulProblems(data, where, text)];
  return { text, data, where, syntax, structure, content };
}

/** What the yaml package reads of any text (parseBlockYaml reads only the plainest). */
function readWithYaml(text: string, file: string): Pick<ReadPlan, 'where' | 'syntax' | 'structure' | 'data'> {
  // uniqueKeys off: duplicate keys are reported below, with both positions, alongside everything else.
  const { doc, lines } = parseWithYaml(text);
  const where = new SourceMap(file, text, yamlTree(doc), lines);
  const syntax: Problem[] = doc.errors.map((e) => ({
    pos: where.at(e.pos[0]),
    message: `YAML: ${e.message}`,
    // An unclosed quote or bracket is only noticed where the text runs out.
    ...(e.pos[0] >= text.length ? { hint: 'reached the end of the file' } : {}),
  }));
  const structure = duplicateKeys(doc, where);
  try {
    return { where, syntax, structure, data: doc.toJS({ maxAliasCount: 100 }) };
  } catch (err) {
    // An alias bomb or similar: nothing sensible to validate.
    throw new InputError([...syntax, { pos: where.at(0), message: `YAML: ${(err as Error).message}` }]);
  }
}

/** The yaml package's Document of any text, errors included. */
function parseWithYaml(text: string): { doc: Document; lines: LineCounter } {
  const lines = new LineCounter();
  const doc = withPlainEnv(() => parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false }));
  return { doc, lines };
}

/**
 * Runs `parse` with process.env a plain copy of itself. The yaml package's parser reads
 * process.env.LOG_TOKENS once per token, and each read of the real process.env asks the C++ side:
 * a sixth of the parse of a 10,000-entry plan (issue 16). The parse is synchronous, so no other code
 * sees the copy; the real object is back before anything else runs, even when the parse throws.
 */
function withPlainEnv<T>(parse: () => T): T {
  const env = process.env;
  process.env = { ...env };
  try {
    return parse();
  } finally {
    process.env = env;
  }
}

/** Every problem, raw SQL included when a parser is given; the PlanFile when there is none. */
function finishPlan(read: ReadPlan, sql: SqlParser | undefined): PlanFile {
  const { data, where, syntax } = read;
  const rawSql = sql ? rawSqlProblems(rawSqlFields(data), where, read.text, sql) : [];
  const problems = [...syntax, ...read.structure, ...trustworthy([...read.content, ...rawSql], syntax)];
  if (problems.length > 0) throw new InputError(problems);
  return normalise(data, where);
}

/**
 * Parses and validates the text of a plan file; `file` is the name used in positions. Pure: the
 * environment plays no part (the connection's `${VAR}`s are replaced when it is used). The syntax of
 * raw SQL (a `where`) is checked only with `sql`, PostgreSQL's parser (`await loadSqlParser()`), as
 * loadPlanFile does; without it the server finds such errors when planning.
 */
export function parsePlanText(text: string, file: string, opts: { sql?: SqlParser } = {}): PlanFile {
  return finishPlan(readPlanText(text, file), opts.sql);
}

/**
 * Reads a plan file (relative to `cwd`) and parses it, its raw SQL checked by PostgreSQL's parser
 * (loaded only when the plan has raw SQL); a file that cannot be read is an InputError too.
 */
export async function loadPlanFile(path: string, opts: { cwd: string }): Promise<PlanFile> {
  let text: string;
  try {
    text = await readFile(resolve(opts.cwd, path), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a plan file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new InputError([{ pos: { file: path, line: 1, col: 1 }, message: `cannot read plan file: ${reason}` }]);
  }
  const read = readPlanText(text, path);
  return finishPlan(read, rawSqlFields(read.data).length > 0 ? await loadSqlParser() : undefined);
}

/**
 * Keys given twice in a mapping, outer mappings first, each at its second occurrence. A walk of its
 * own rather than yaml's visit(): a tenth of the time on a plan of 10,000 entries (issue 16).
 */
function duplicateKeys(doc: Document, where: SourceMap): Problem[] {
  const problems: Problem[] = [];
  const walk = (node: unknown): void => {
    if (isMap(node)) {
      const first = new Map<string, number>();
      for (const pair of node.items) {
        const name = keyText(pair.key);
        const start = (pair.key as { range?: [number, number, number] } | null)?.range?.[0];
        if (name === undefined || start === undefined) continue;
        const earlier = first.get(name);
        if (earlier === undefined) first.set(name, start);
        else problems.push({ pos: where.at(start), message: `duplicate key "${name}"`, hint: `first given at line ${where.at(earlier).line}` });
      }
      for (const pair of node.items) {
        walk(pair.key);
        walk(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) walk(item);
    }
  };
  walk(doc.contents);
  return problems;
}

/**
 * After a syntax error the parser's recovery decides what the rest of the file means (an unclosed
 * quote swallows every line after it), so complaints about what follows it are likely echoes of the
 * syntax error rather than mistakes of their own (as are keys "missing" from a mapping: omitted
 * above). What comes before the first syntax error is reported as usual.
 */
function trustworthy(content: Problem[], syntax: Problem[]): Problem[] {
  if (syntax.length === 0) return content;
  const firstBroken = Math.min(...syntax.map((p) => p.pos.line));
  return content.filter((p) => p.pos.line < firstBroken);
}
