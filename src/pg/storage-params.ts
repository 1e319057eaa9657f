/**
 * The storage parameters (`WITH (...)`) each built-in index access method takes, with the type of
 * value each one accepts: the plan's `with:` is checked against this table before anything runs, and
 * an existing index's pg_class.reloptions is compared with the plan's by the same types (the server
 * keeps a value as it was written: `fastupdate=off` and `fastupdate=false` are one setting).
 */

export type StorageParamType =
  | { kind: 'integer'; min: number; max: number }
  | { kind: 'boolean' }
  | { kind: 'enum'; values: readonly string[] };

const fillfactor = (min: number): StorageParamType => ({ kind: 'integer', min, max: 100 });
const BOOLEAN: StorageParamType = { kind: 'boolean' };

/** Per method, each parameter's type (src/backend/access/common/reloptions.c). */
export const STORAGE_PARAMS: Readonly<Record<string, Readonly<Record<string, StorageParamType>>>> = {
  btree: { fillfactor: fillfactor(10), deduplicate_items: BOOLEAN },
  hash: { fillfactor: fillfactor(10) },
  gist: { fillfactor: fillfactor(10), buffering: { kind: 'enum', values: ['auto', 'on', 'off'] } },
  gin: { fastupdate: BOOLEAN, gin_pending_list_limit: { kind: 'integer', min: 64, max: 2147483647 } },
  spgist: { fillfactor: fillfactor(10) },
  brin: { pages_per_range: { kind: 'integer', min: 1, max: 131072 }, autosummarize: BOOLEAN },
};

/** Every parameter any built-in method takes, sorted: what `with:` may name at all. */
export const ALL_STORAGE_PARAMS: readonly string[] = [...new Set(Object.values(STORAGE_PARAMS).flatMap((p) => Object.keys(p)))].sort();

/** The methods that take a parameter, for messages. */
export function methodsTaking(param: string): string[] {
  return Object.keys(STORAGE_PARAMS).filter((m) => STORAGE_PARAMS[m]?.[param] !== undefined);
}

// PostgreSQL's parse_bool: these spellings, case-insensitive (and any unique prefix of them, which is
// not worth accepting in a plan).
const TRUE_WORDS = ['true', 'on', 'yes', '1'];
const FALSE_WORDS = ['false', 'off', 'no', '0'];

/**
 * A value as this parameter's type reads it, in one canonical spelling (`on`/`off`, the integer, the
 * lower-case enum word), or a message saying what it must be. Values come from YAML (numbers,
 * booleans, strings) or from reloptions (text).
 */
export function canonicalParam(type: StorageParamType, value: unknown): { ok: true; value: string } | { ok: false; message: string } {
  switch (type.kind) {
    case 'boolean': {
      if (typeof value === 'boolean') return { ok: true, value: value ? 'on' : 'off' };
      const word = String(value).trim().toLowerCase();
      if (TRUE_WORDS.includes(word)) return { ok: true, value: 'on' };
      if (FALSE_WORDS.includes(word)) return { ok: true, value: 'off' };
      return { ok: false, message: 'must be a boolean (true or false)' };
    }
    case 'integer': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : NaN;
      if (!Number.isInteger(n) || n < type.min || n > type.max) return { ok: false, message: `must be an integer from ${type.min} to ${type.max}` };
      return { ok: true, value: String(n) };
    }
    case 'enum': {
      const word = typeof value === 'boolean' ? (value ? 'on' : 'off') : String(value).trim().toLowerCase();
      if (!type.values.includes(word)) return { ok: false, message: `must be one of ${type.values.join(', ')}` };
      return { ok: true, value: word };
    }
  }
}

/** Why `method` cannot take `param` with `value`, or null when it can. Methods not in the table (bloom…) are the server's to judge. */
export function storageParamProblem(method: string, param: string, value: unknown): string | null {
  const table = STORAGE_PARAMS[method];
  if (!ALL_STORAGE_PARAMS.includes(param)) return `unknown storage parameter "${param}" (known: ${ALL_STORAGE_PARAMS.join(', ')})`;
  if (!table) return null;
  const type = table[param];
  if (!type) {
    const takers = methodsTaking(param);
    const own = Object.keys(table);
    return `${method} indexes do not take storage parameter ${param} (${takers.join(', ')} ${takers.length === 1 ? 'takes' : 'take'} it${own.length ? `; ${method} takes ${own.join(', ')}` : ''})`;
  }
  const r = canonicalParam(type, value);
  return r.ok ? null : `${param} ${r.message}, got ${JSON.stringify(value)}`;
}

/** `name=value` entries of reloptions (or a plan's `with:`) as canonical values by name; unknown ones kept as written. */
export function canonicalParams(method: string, entries: readonly (readonly [string, unknown])[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of entries) {
    const type = STORAGE_PARAMS[method]?.[name];
    const r = type ? canonicalParam(type, value) : null;
    out.set(name, r?.ok ? r.value : String(value));
  }
  return out;
}

/** pg_class.reloptions (`{fillfactor=70}`) as name/value pairs. */
export function parseReloptions(reloptions: readonly string[] | null | undefined): [string, string][] {
  return (reloptions ?? []).map((o) => {
    const eq = o.indexOf('=');
    return eq < 0 ? [o, ''] : [o.slice(0, eq), o.slice(eq + 1)];
  });
}
