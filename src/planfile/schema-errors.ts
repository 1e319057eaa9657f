/**
 * ajv's errors, made human: one message per real mistake, positioned at the YAML node it is about.
 *
 * With allErrors, ajv reports every failed branch of an anyOf; only the branch the author evidently
 * meant (the one whose type matches the value) is worth showing, and when no branch's type matches,
 * one "must be A or B" message replaces them all. A branch's errors have schema paths under the
 * anyOf's own path, except those of a schema it refers to ($ref): they are reported on their own.
 */
import type { ErrorObject } from 'ajv/dist/2020.js';
import type { Problem } from '../errors.js';
import { closest, didYouMean } from './hints.js';
import type { SourceMap } from './positions.js';
import { splitPointer } from './positions.js';
import { keysByPlace } from './schema.js';

type Schema = Record<string, unknown>;

/** An error worth reporting: a real ajv error, or "must be one of these schemas" for a failed anyOf. */
type Picked = { error: ErrorObject } | { expect: { instancePath: string; schemas: Schema[] } };

/** Keywords that judge a value on its own: all reported together as "X must be …, got …". */
const VALUE_KEYWORDS = new Set([
  'type', 'const', 'enum', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum',
  'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems', 'multipleOf',
]);

export interface DescribeOptions {
  /** Errors at or under these pointers are dropped: those values get better messages elsewhere. */
  skip: readonly string[];
  /** Drop "missing required key": after a YAML syntax error the key may just have been swallowed. */
  omitMissingKeys: boolean;
}

/** Problems for the schema errors of `data`, one per mistake. */
export function describeSchemaErrors(errors: ErrorObject[], data: unknown, where: SourceMap, opts: DescribeOptions): Problem[] {
  const misspelt = misspeltRequiredKeys(errors);
  const kept = errors.filter(
    (e) =>
      !opts.skip.some((p) => underPointer(p, e.instancePath)) &&
      !(e.keyword === 'required' && (opts.omitMissingKeys || misspelt.has(`${e.instancePath}\0${String(e.params.missingProperty)}`))),
  );
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const picked of pick(kept)) {
    const p = describe(picked, data, where);
    const id = `${p.pos.line}:${p.pos.col}:${p.message}`;
    if (!seen.has(id)) {
      seen.add(id);
      problems.push(p);
    }
  }
  return problems;
}

/**
 * "colums: all" makes "columns" missing too; the unknown key's hint already says so, so the missing
 * key is not a second mistake. Answers `pointer\0key` for each required key spelt wrong.
 */
function misspeltRequiredKeys(errors: ErrorObject[]): Set<string> {
  const out = new Set<string>();
  for (const e of errors) {
    if (e.keyword !== 'additionalProperties') continue;
    const allowed = Object.keys(((e.parentSchema as Schema | undefined)?.properties ?? {}) as object);
    const near = closest(String(e.params.additionalProperty), allowed);
    if (near !== undefined) out.add(`${e.instancePath}\0${near}`);
  }
  return out;
}

function isCombinator(e: ErrorObject): boolean {
  return e.keyword === 'anyOf' || e.keyword === 'oneOf';
}

function underPointer(parent: string, pointer: string): boolean {
  return pointer === parent || pointer.startsWith(parent + '/');
}

function inside(e: ErrorObject, c: ErrorObject): boolean {
  return e !== c && e.schemaPath.startsWith(c.schemaPath + '/') && underPointer(c.instancePath, e.instancePath);
}

function pick(errors: ErrorObject[]): Picked[] {
  const combinators = errors.filter(isCombinator);
  const out: Picked[] = [];
  for (const e of errors) {
    if (combinators.some((c) => inside(e, c))) continue;
    if (isCombinator(e)) out.push(...pickBranch(e, errors.filter((x) => inside(x, e))));
    else out.push({ error: e });
  }
  return out;
}

function pickBranch(c: ErrorObject, inner: ErrorObject[]): Picked[] {
  const branches = (Array.isArray(c.schema) ? c.schema : []) as Schema[];
  const expectAll: Picked = { expect: { instancePath: c.instancePath, schemas: branches } };
  const errorsOf = (i: number) => inner.filter((e) => e.schemaPath.startsWith(`${c.schemaPath}/${i}/`));
  const wrongType = (i: number) => errorsOf(i).some((e) => e.keyword === 'type' && e.schemaPath === `${c.schemaPath}/${i}/type`);
  // A branch that failed with no error under its own path failed through a $ref (`indexes:`' list
  // of entries): those errors are reported where they are, and they are the branch the author meant.
  if (branches.some((_, i) => errorsOf(i).length === 0)) return [];
  const meant = branches.findIndex((_, i) => errorsOf(i).length > 0 && !wrongType(i));
  if (meant < 0) return [expectAll];
  const chosen = pick(errorsOf(meant));
  // "all" versus "al": the value has the right type but matches no constant; name every alternative.
  const onlyConstants = chosen.every((p) => 'error' in p && p.error.instancePath === c.instancePath && (p.error.keyword === 'const' || p.error.keyword === 'enum'));
  return onlyConstants ? [expectAll] : chosen;
}

function valueAt(data: unknown, pointer: string): unknown {
  let v: unknown = data;
  for (const s of splitPointer(pointer)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[s];
  }
  return v;
}

function parentPointer(pointer: string): string {
  return pointer.slice(0, pointer.lastIndexOf('/'));
}

/** `/tables/1/columns/2` → `columns[2]`: the nearest key, with the list indexes after it. */
export function label(pointer: string): string {
  const segments = splitPointer(pointer);
  let i = segments.length - 1;
  while (i >= 0 && /^[0-9]+$/.test(segments[i] ?? '')) i--;
  if (i < 0) return 'the plan';
  return segments[i] + segments.slice(i + 1).map((n) => `[${n}]`).join('');
}

export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return 'an empty value';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

function describeSchema(s: Schema): string {
  if ('const' in s) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) return `one of ${s.enum.join(', ')}`;
  const min = typeof s.minimum === 'number' ? s.minimum : undefined;
  const max = typeof s.maximum === 'number' ? s.maximum : undefined;
  switch (s.type) {
    case 'integer':
    case 'number': {
      const noun = s.type === 'integer' ? 'an integer' : 'a number';
      if (min !== undefined && max !== undefined) return `${noun} from ${min} to ${max}`;
      if (min !== undefined) return `${noun} >= ${min}`;
      if (max !== undefined) return `${noun} <= ${max}`;
      return noun;
    }
    case 'boolean':
      return 'true or false';
    case 'string':
      return typeof s.minLength === 'number' && s.minLength > 0 ? 'a non-empty string' : 'a string';
    case 'array':
      return typeof s.minItems === 'number' && s.minItems > 0 ? 'a non-empty list' : 'a list';
    case 'object':
      return 'a mapping';
    default:
      return 'valid';
  }
}

function describe(picked: Picked, data: unknown, where: SourceMap): Problem {
  if ('expect' in picked) return expectation(picked.expect.instancePath, picked.expect.schemas, data, where);
  const e = picked.error;
  const at = e.instancePath;
  const params = e.params as Record<string, unknown>;
  if (e.schemaPath.includes('/dependentSchemas/exclude/')) {
    return {
      pos: where.keyOf(parentPointer(at), 'exclude'),
      message: 'exclude only applies to "columns: all"',
      hint: 'with a list of columns, leave the unwanted ones out of the list',
    };
  }
  switch (e.keyword) {
    case 'additionalProperties':
      return unknownKey(at, String(params.additionalProperty), e.parentSchema as Schema, where);
    case 'required': {
      const name = String(params.missingProperty);
      return {
        pos: where.value(at),
        message: at === '' ? `missing required key "${name}"` : `${label(at)} is missing required key "${name}"`,
        ...(name === 'version' ? { hint: 'start the plan with "version: 1"' } : {}),
      };
    }
    case 'uniqueItems': {
      const later = Math.max(Number(params.i), Number(params.j));
      const item = `${at}/${later}`;
      return { pos: where.value(item), message: `${label(at)} lists ${show(valueAt(data, item))} more than once` };
    }
    default:
      if (VALUE_KEYWORDS.has(e.keyword)) return expectation(at, [e.parentSchema as Schema], data, where);
      return { pos: where.value(at), message: `${label(at)} ${e.message ?? 'is invalid'}` };
  }
}

function expectation(at: string, schemas: Schema[], data: unknown, where: SourceMap): Problem {
  const value = valueAt(data, at);
  const pos = where.value(at);
  if (at === '' && (value === null || value === undefined)) return { pos, message: 'the plan file is empty', hint: 'start the plan with "version: 1"' };
  const wanted = [...new Set(schemas.map(describeSchema))].join(' or ');
  const problem: Problem = { pos, message: `${label(at)} must be ${wanted}, got ${show(value)}` };
  const hint = valueHint(at, schemas, value);
  if (hint) problem.hint = hint;
  return problem;
}

function valueHint(at: string, schemas: Schema[], value: unknown): string | undefined {
  if (at === '/version') return 'this pgindex reads plan format version 1';
  const allowed = schemas.flatMap((s) => ('const' in s ? [s.const] : Array.isArray(s.enum) ? s.enum : [])).filter((v): v is string => typeof v === 'string');
  if (typeof value === 'string' && allowed.length > 0) return didYouMean(value, allowed);
  const types = new Set(schemas.map((s) => s.type));
  if (types.has('boolean') && typeof value === 'string' && /^(yes|no|on|off|y|n)$/i.test(value)) {
    return 'YAML 1.2 reads yes/no/on/off as text: write true or false';
  }
  if (types.has('string') && (typeof value === 'number' || typeof value === 'boolean')) {
    return `YAML reads ${String(value)} as a ${typeof value}: put it in quotes`;
  }
  if ((types.has('integer') || types.has('number')) && typeof value === 'string' && /^-?[0-9.]+$/.test(value)) {
    return 'write the number without quotes';
  }
  return undefined;
}

function unknownKey(at: string, name: string, parent: Schema, where: SourceMap): Problem {
  const allowed = Object.keys((parent.properties ?? {}) as object);
  const pos = where.keyOf(at, name);
  const message = `unknown key "${name}"`;
  const guess = didYouMean(name, allowed);
  if (guess) return { pos, message, hint: guess };
  const elsewhere = keysByPlace().find((p) => p.keys.includes(name) && !allowed.includes(name));
  if (elsewhere) return { pos, message, hint: `"${name}" belongs in ${elsewhere.place}` };
  // A typo of a key that belongs somewhere else ("metod" in a table entry).
  for (const place of keysByPlace()) {
    const near = closest(name, place.keys);
    if (near && !allowed.includes(near)) return { pos, message, hint: `did you mean "${near}"? It belongs in ${place.place}` };
  }
  return { pos, message, hint: `allowed here: ${allowed.join(', ')}` };
}
