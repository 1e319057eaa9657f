/** `${VAR}` in the plan's connection string, so passwords and hosts can stay out of the file. */

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

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
