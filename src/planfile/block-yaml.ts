/**
 * A plan file of the plainest YAML, read line by line into the same Document the yaml package would
 * compose (its own node classes, the same values and ranges), or null when the text uses anything
 * else: then the caller parses it with the yaml package, whose errors and positions are the
 * reference. A 10,000-entry plan is such a file, and the yaml package's lexer and CST took more than
 * half a second of planning it (issue 16).
 *
 * What it takes: block mappings and block sequences (an item's mapping may start on the dash's
 * line), trailing comments, comment lines that start at the line's start, blank lines; scalars
 * that are double-quoted without a backslash, single-quoted without a doubled quote, or plain: a
 * key or a word of letters, digits and `_ . * ? $ -` that starts with a letter or `_`, or a decimal
 * integer. Anything else (flow collections, anchors, tags, block scalars, escapes, multi-line
 * scalars, empty values, words YAML reads as null or a boolean, indented comment lines, tabs, CR, a
 * BOM, document markers, directives) returns null.
 */
import { Document, LineCounter, Pair, Scalar, YAMLMap, YAMLSeq, type Schema } from 'yaml';

type Range = [number, number, number];
type BlockNode = YAMLMap | YAMLSeq | Scalar;

/** Characters that send the text to the yaml package: control characters but LF (tab, CR…), BOM, Unicode line breaks. */
function hasUnsupportedChars(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 32 && c !== 10) || c === 0x7f || c === 0x85 || c === 0x2028 || c === 0x2029 || c === 0xfeff) return true;
  }
  return false;
}
const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const WORD = /^[A-Za-z_][A-Za-z0-9_.*?$-]*$/;
const INTEGER = /^(?:0|[1-9][0-9]{0,14})$/;
/** Plain words the core schema reads as null or booleans. */
const NOT_STRINGS = new Set(['null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE']);

interface Line {
  /** Offset of the line's first character, of its content (after the indentation), and after its newline. */
  start: number;
  content: number;
  next: number;
  indent: number;
  /** The content, without a trailing comment or trailing spaces. */
  text: string;
}

class Unsupported extends Error {}

function unsupported(): never {
  throw new Unsupported();
}

/** The lines that hold content, and the LineCounter the yaml parser would have filled. */
function contentLines(text: string, lineCounter: LineCounter): Line[] {
  const out: Line[] = [];
  let start = 0;
  lineCounter.addNewLine(0);
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    const next = nl < 0 ? text.length : nl + 1;
    if (nl >= 0) lineCounter.addNewLine(next);
    let content = start;
    while (content < end && text.charCodeAt(content) === 32) content++;
    // An indented comment line counts in the yaml package's range of the collection above it.
    if (content < end && text[content] === '#' && content > start) unsupported();
    if (content < end && text[content] !== '#') {
      if (content === start && (text.startsWith('---', start) || text.startsWith('...', start) || text[start] === '%')) unsupported();
      out.push({ start, content, next, indent: content - start, text: withoutComment(text.slice(content, end)) });
    }
    start = next;
  }
  return out;
}

/** A line's content without a trailing ` # comment` (outside quotes) and trailing spaces. */
function withoutComment(s: string): string {
  let quote: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote !== null) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      // A quote opens a scalar only where one starts: the line's start, after `- ` or `: `.
      if (i === 0 || s[i - 1] === ' ') quote = c;
    } else if (c === '#' && s[i - 1] === ' ') {
      return s.slice(0, i).trimEnd();
    }
  }
  return s.trimEnd();
}

class BlockReader {
  private i = 0;

  constructor(
    private readonly lines: Line[],
    private readonly schema: Schema,
  ) {}

  root(): YAMLMap {
    const first = this.lines[0];
    if (!first || first.indent !== 0 || first.text.startsWith('- ')) unsupported();
    const map = this.mapping(0, first.content, first.text);
    if (this.i < this.lines.length) unsupported();
    return map;
  }

  /** A mapping whose keys are at `indent`; its first pair starts at `offset`, text `text` (a line's or a `- ` item's rest). */
  private mapping(indent: number, offset: number, text: string): YAMLMap {
    const map = new YAMLMap(this.schema);
    let at = { offset, text };
    for (;;) {
      map.items.push(this.pair(indent, at.offset, at.text));
      const line = this.lines[this.i];
      if (!line || line.indent < indent) break;
      if (line.indent > indent || line.text.startsWith('- ')) unsupported();
      at = { offset: line.content, text: line.text };
    }
    map.range = [offset, end(map.items[map.items.length - 1]?.value), end(map.items[map.items.length - 1]?.value)];
    return map;
  }

  /** `key: value` or `key:` and a block below; consumes its lines. */
  private pair(indent: number, offset: number, text: string): Pair<Scalar, BlockNode> {
    const colon = text.indexOf(':');
    const name = colon < 0 ? '' : text.slice(0, colon);
    if (!KEY.test(name) || NOT_STRINGS.has(name)) unsupported();
    const key = new Scalar(name);
    key.type = Scalar.PLAIN;
    key.range = [offset, offset + name.length, offset + name.length];
    const rest = text.slice(colon + 1);
    this.i++;
    if (rest === '') return new Pair(key, this.block(indent));
    if (!rest.startsWith(' ')) unsupported();
    const spaces = rest.length - rest.trimStart().length;
    const value = scalar(rest.slice(spaces), offset + colon + 1 + spaces, this.lines[this.i - 1]?.next ?? 0);
    return new Pair(key, value);
  }

  /** The block below a `key:` at `indent`: a mapping or sequence indented further, or a sequence at `indent`. */
  private block(indent: number): YAMLMap | YAMLSeq {
    const line = this.lines[this.i];
    if (!line) unsupported();
    const seq = line.text.startsWith('- ');
    if (line.indent > indent) return seq ? this.sequence(line.indent) : this.mapping(line.indent, line.content, line.text);
    if (line.indent === indent && seq) return this.sequence(indent);
    return unsupported();
  }

  /** `- item` lines at `indent`. */
  private sequence(indent: number): YAMLSeq {
    const seq = new YAMLSeq(this.schema);
    const first = this.lines[this.i] as Line;
    for (;;) {
      const line = this.lines[this.i];
      if (!line || line.indent < indent || (line.indent === indent && !line.text.startsWith('- '))) break;
      if (line.indent > indent) unsupported();
      const rest = line.text.slice(2);
      if (rest === '' || rest.startsWith(' ') || rest.startsWith('- ')) unsupported();
      const offset = line.content + 2;
      if (/^[A-Za-z_][A-Za-z0-9_]*:(?: |$)/.test(rest)) {
        seq.items.push(this.mapping(indent + 2, offset, rest));
      } else {
        seq.items.push(scalar(rest, offset, line.next));
        this.i++;
      }
    }
    const last = seq.items[seq.items.length - 1] as BlockNode;
    seq.range = [first.content, end(last), end(last)];
    return seq;
  }
}

/** Where a node ends with what follows it on its line: a collection's last item's end. */
function end(node: unknown): number {
  return ((node as { range?: Range } | undefined)?.range ?? unsupported())[2];
}

/** A scalar written as `s` from `offset`, its line ending at `lineEnd` (after the newline). */
function scalar(s: string, offset: number, lineEnd: number): Scalar {
  let node: Scalar;
  const first = s[0];
  if (first === '"' || first === "'") {
    const close = s.indexOf(first, 1);
    if (close !== s.length - 1 || (first === '"' && s.includes('\\'))) unsupported();
    node = new Scalar(s.slice(1, -1));
    node.type = first === '"' ? Scalar.QUOTE_DOUBLE : Scalar.QUOTE_SINGLE;
  } else if (INTEGER.test(s)) {
    node = new Scalar(Number(s));
    node.type = Scalar.PLAIN;
  } else if (WORD.test(s) && !NOT_STRINGS.has(s)) {
    node = new Scalar(s);
    node.type = Scalar.PLAIN;
  } else {
    return unsupported();
  }
  node.range = [offset, offset + s.length, lineEnd];
  return node;
}

export interface BlockYaml {
  doc: Document;
  lines: LineCounter;
  /** What doc.toJS() gives. */
  data: unknown;
  /** Whether some mapping has a key twice. */
  duplicateKeys: boolean;
}

/**
 * The Document and LineCounter parseDocument(text, { lineCounter, uniqueKeys: false }) would give,
 * with its data, or null when the text is not of the plain form above.
 */
export function parseBlockYaml(text: string): BlockYaml | null {
  if (hasUnsupportedChars(text)) return null;
  const lines = new LineCounter();
  const doc = new Document(undefined, { uniqueKeys: false });
  let contents: YAMLMap;
  try {
    contents = new BlockReader(contentLines(text, lines), doc.schema).root();
  } catch (err) {
    if (err instanceof Unsupported) return null;
    throw err;
  }
  doc.contents = contents;
  const found = { duplicateKeys: false };
  return { doc, lines, data: toData(contents, found), duplicateKeys: found.duplicateKeys };
}

/**
 * doc.toJS() of a Document of the plain form, and whether a mapping has a key twice, in one walk:
 * the yaml package's toJS and a walk for duplicate keys were 65 ms of a 10,000-entry plan (issue 16).
 * A key given twice keeps its first place and takes its last value, and a key that an object has
 * already (`__proto__`, `constructor`) becomes a property of its own, as toJS makes them.
 */
function toData(node: BlockNode, found: { duplicateKeys: boolean }): unknown {
  if (node instanceof Scalar) return node.value;
  if (node instanceof YAMLSeq) return node.items.map((item) => toData(item as BlockNode, found));
  const out: Record<string, unknown> = {};
  for (const pair of node.items) {
    const key = String((pair.key as Scalar).value);
    const value = toData(pair.value as BlockNode, found);
    if (Object.hasOwn(out, key)) found.duplicateKeys = true;
    if (key in out) Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
    else out[key] = value;
  }
  return out;
}
