/**
 * How a plan names tables and columns. The rules are psql's and pg_dump's (`\d PATTERN`, `-t PATTERN`),
 * so that a PostgreSQL user reads them the way the server would:
 * - unquoted letters A–Z fold to lower case, as in SQL; double quotes keep a part exactly as written
 *   (`"Orders"`, `"a.b"`; `""` inside quotes is one quote);
 * - `*` matches any run of characters and `?` one character, outside quotes only;
 * - an unquoted `.` separates schema and table.
 * A table name without a schema is looked up in search_path; a glob without a schema matches the
 * tables visible through search_path (the first schema holding a name hides the later ones).
 */

/** One part of a name: either an exact name or a glob. */
export interface NamePattern {
  /** The name as written in the plan, for messages. */
  written: string;
  /** The exact name (case folded, quotes removed) when the part has no wildcard. */
  exact: string | null;
  /** For a glob: a LIKE pattern (escape character `\`), for the server and for matchesPart. */
  like: string | null;
}

export interface TablePattern {
  written: string;
  schema: NamePattern | null;
  table: NamePattern;
  isGlob: boolean;
}

export class NameSyntaxError extends Error {}

interface Piece {
  text: string;
  quoted: boolean;
}

/** Splits a name into dot-separated parts, each a list of quoted and unquoted pieces. */
function splitParts(written: string): Piece[][] {
  if (written.includes('\0')) throw new NameSyntaxError(`${JSON.stringify(written)} contains a NUL character (U+0000), which no PostgreSQL name can hold`);
  const parts: Piece[][] = [[]];
  let i = 0;
  while (i < written.length) {
    const ch = written[i] as string;
    const current = parts[parts.length - 1] as Piece[];
    if (ch === '"') {
      let text = '';
      i++;
      for (;;) {
        if (i >= written.length) throw new NameSyntaxError(`unterminated double quote in "${written}"`);
        const c = written[i] as string;
        if (c === '"') {
          if (written[i + 1] === '"') {
            text += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += c;
        i++;
      }
      current.push({ text, quoted: true });
    } else if (ch === '.') {
      parts.push([]);
      i++;
    } else {
      let text = '';
      while (i < written.length && written[i] !== '"' && written[i] !== '.') text += written[i++];
      current.push({ text, quoted: false });
    }
  }
  return parts;
}

// PostgreSQL folds only ASCII letters of unquoted identifiers in multibyte encodings.
const foldAscii = (s: string): string => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());

function partPattern(pieces: Piece[], written: string, allowGlob: boolean): NamePattern {
  const glob = allowGlob && pieces.some((p) => !p.quoted && (p.text.includes('*') || p.text.includes('?')));
  // Most names have no wildcard: their LIKE and RegExp forms would be built for nothing (10,000 of them in a large plan).
  if (!glob) {
    const exact = pieces.map((p) => (p.quoted ? p.text : foldAscii(p.text))).join('');
    if (exact === '') throw new NameSyntaxError(`empty name in "${written}"`);
    return { written, exact, like: null };
  }
  let like = '';
  for (const p of pieces) {
    if (p.quoted) {
      like += p.text.replace(/[\\%_]/g, (m) => '\\' + m);
      continue;
    }
    for (const c of foldAscii(p.text)) {
      if (c === '*' || c === '?') like += c === '*' ? '%' : '_';
      else like += c === '\\' || c === '%' || c === '_' ? '\\' + c : c;
    }
  }
  return { written, exact: null, like };
}

/**
 * A name that reads as itself: lower-case, unquoted, no wildcard, at most a schema before a dot.
 * Most names of a large plan are such (`orders`, `public.orders`): they skip the general reading
 * below, character by character, which was half of matching 10,000 entries (issue 16).
 */
const PLAIN_TABLE_NAME = /^([a-z_][a-z0-9_$]*)(?:\.([a-z_][a-z0-9_$]*))?$/;

/** Parses `table`, `schema.table`, with globs and quotes. Throws NameSyntaxError. */
export function parseTablePattern(written: string): TablePattern {
  const plain = PLAIN_TABLE_NAME.exec(written);
  if (plain) {
    const first = plain[1] as string;
    const second = plain[2];
    const part = (exact: string): NamePattern => ({ written, exact, like: null });
    return second === undefined
      ? { written, schema: null, table: part(first), isGlob: false }
      : { written, schema: part(first), table: part(second), isGlob: false };
  }
  const parts = splitParts(written.trim());
  if (parts.length > 2) {
    throw new NameSyntaxError(`"${written}" has more than one unquoted dot: write schema.table (quote names containing dots)`);
  }
  const rawSchema = parts.length === 2 ? parts[0] : undefined;
  const rawTable = parts[parts.length - 1] as Piece[];
  const schema = rawSchema ? partPattern(rawSchema, written, true) : null;
  const table = partPattern(rawTable, written, true);
  return { written, schema, table, isGlob: table.exact === null || (schema !== null && schema.exact === null) };
}

/** A column (or other single identifier) as written in a plan: folded unless quoted; no globs. */
export function parseIdentifier(written: string): string {
  const parts = splitParts(written.trim());
  if (parts.length !== 1) throw new NameSyntaxError(`"${written}" is not a single name (quote names containing dots)`);
  return partPattern(parts[0] as Piece[], written, false).exact as string;
}

export function matchesPart(p: NamePattern, name: string): boolean {
  return p.exact !== null ? p.exact === name : likeMatches(p.like ?? '', name);
}

/**
 * Whether `name` matches a LIKE pattern as the server reads it with escape character `\`: `%` any
 * run of characters, `_` one character (a code point), anything else itself. A walk of the two
 * strings, backing up to the last `%` on a mismatch, rather than a RegExp per glob: compiling one
 * for each of a plan's 1,000 globs was most of matching 10,000 entries (60 ms of 75; issue 16).
 */
export function likeMatches(like: string, name: string): boolean {
  let p = 0;
  let n = 0;
  // After the last `%` seen: where the pattern resumes, and where in the name it was last tried.
  let resume = -1;
  let tried = 0;
  while (n < name.length) {
    if (p < like.length) {
      const c = like[p];
      if (c === '%') {
        resume = ++p;
        tried = n;
        continue;
      }
      if (c === '_') {
        p++;
        n += codePointLength(name, n);
        continue;
      }
      const escaped = c === '\\' && p + 1 < like.length;
      if ((escaped ? like[p + 1] : c) === name[n]) {
        p += escaped ? 2 : 1;
        n++;
        continue;
      }
    }
    if (resume < 0) return false;
    // Let the last `%` take one more character, and match the rest from there.
    p = resume;
    tried += codePointLength(name, tried);
    n = tried;
  }
  while (like[p] === '%') p++;
  return p === like.length;
}

/** 2 for a surrogate pair at `i`, else 1. */
function codePointLength(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c < 0xd800 || c > 0xdbff) return 1;
  const next = s.charCodeAt(i + 1);
  return next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
}

/** `name` or `schema.name` (an operator class, say), folded and unquoted like the rest; no globs. */
export function parseQualifiedName(written: string): { schema: string | null; name: string } {
  const parts = splitParts(written.trim());
  if (parts.length > 2) throw new NameSyntaxError(`"${written}" has more than one unquoted dot`);
  const name = partPattern(parts[parts.length - 1] as Piece[], written, false).exact as string;
  const schema = parts.length === 2 ? (partPattern(parts[0] as Piece[], written, false).exact as string) : null;
  return { schema, name };
}
