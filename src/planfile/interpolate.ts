/**
 * `${VAR}` in the plan's connection string, so passwords and hosts can stay out of the file. The
 * variables are only needed when that connection is the one used, so they are checked for syntax when
 * the file is read and replaced (or reported unset) only then.
 */
import { InputError } from '../errors.js';
import type { PlanConnection } from './types.js';

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
/** One variable, at the start of a text (no shared lastIndex to reset). */
const VARIABLE_HERE = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}/;

export interface Interpolated {
  value: string;
  /** Variables used but not set, in order of appearance, each once. */
  missing: string[];
}

/** Replaces every `${NAME}` by the variable's value. A variable set to the empty string counts as set. */
export function interpolateEnv(text: string, env: NodeJS.ProcessEnv): Interpolated {
  const missing: string[] = [];
  const value = text.replace(VARIABLE, (whole, name: string) => {
    const v = env[name];
    if (v === undefined) {
      if (!missing.includes(name)) missing.push(name);
      return whole;
    }
    return v;
  });
  return { value, missing };
}

/** The names of the `${NAME}`s in a text, each once, in order. */
export function variableNames(text: string): string[] {
  return [...new Set([...text.matchAll(VARIABLE)].map((m) => m[1] as string))];
}

/** The offset of each `${` that does not start a well-formed `${NAME}`: a misspelt variable must not reach the server as text. */
export function malformedVariables(text: string): number[] {
  const out: number[] = [];
  for (let i = text.indexOf('${'); i >= 0; i = text.indexOf('${', i + 2)) {
    if (!VARIABLE_HERE.test(text.slice(i))) out.push(i);
  }
  return out;
}

/** The connection with its variables replaced; an InputError at their places for any not set. */
export function interpolateConnection(connection: PlanConnection, env: NodeJS.ProcessEnv): string {
  const { value, missing } = interpolateEnv(connection.text, env);
  if (missing.length === 0) return value;
  throw new InputError(
    missing.map((name) => ({
      pos: connection.variables.find((v) => v.name === name)?.pos ?? connection.pos,
      message: `environment variable ${name} is not set`,
      hint: `the plan's connection uses \${${name}}, and is the connection used since neither --db nor DATABASE_URL is given`,
    })),
  );
}
