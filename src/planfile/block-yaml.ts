/**
 * A plan file of the plainest YAML, read line by line into a tree of its own with the data and the
 * ranges the yaml package would give, or null when the text uses anything else: then the caller
 * parses it with the yaml package, whose errors and positions are the reference. A 10,000-entry plan
 * is such a file: the yaml package's lexer and CST took more than half a second of planning it, and
 * its node classes, each made with Object.defineProperty, a further 100 ms (issue 16).
 *
 * What it takes: block mappings and block sequences (an item's mapping may start on the dash's
 * line), trailing comments, comment lines that start at the line's start, blank lines; scalars
 * that are double-quoted without a backslash, single-quoted without a doubled quote, or plain: a
 * key or a word of letters, digits and `_ . * ? $ -` that starts with a letter or `_`, or a decimal
 * integer. Anything else (flow collections, anchors, tags, block scalars, escapes, multi-line
 * scalars, empty values, words YAML reads as null or a boolean, indented comment lines, tabs, CR, a
 * BOM, document markers, directives) returns null, and so does a mapping with a key given twice
 * (the yaml package's Document reports where).
 */
import { LineCounter } from 'yaml';
import type { DataPath, Located, SourceTree, Span } from './positions.js';

/**
 * A node of the plain form. start, end and next are the yaml package's range of it: where it starts,
 * where it ends, and where what follows it on its line (a comment, the newline) ends.
 */
export type BlockNode = BlockScalar | BlockMap | BlockSeq;

export interface BlockScalar {
  kind: 'scalar';
  value: string | number;
  start: number;
  end: number;
  next: number;
}

export interface BlockMap {
  kind: 'map';
  pairs: BlockPair[];
  start: number;
  end: number;
  next: number;
}

export interface BlockSeq {
  kind: 'seq';
  items: BlockNode[];
  start: number;
  end: number;
  next: number;
}

/** `key: value`; start and end are the key's (the pair is the key's Span: no object of its own). */
export interface BlockPair {
  key: string;
  start: number;
  end: number;
  value: BlockNode;
}

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

  constructor(private readonly lines: Line[]) {}

  root(): BlockMap {
    const first = this.lines[0];
    if (!first || first.indent !== 0 || first.text.startsWith('- ')) unsupported();
    const map = this.mapping(0, first.content, first.text);
    if (this.i < this.lines.length) unsupported();
    return map;
  }

  /** A mapping whose keys are at `indent`; its first pair starts at `offset`, text `text` (a line's or a `- ` item's rest). */
  private mapping(indent: number, offset: number, text: string): BlockMap {
    const pairs: BlockPair[] = [];
    let at = { offset, text };
    for (;;) {
      pairs.push(this.pair(indent, at.offset, at.text));
      const line = this.lines[this.i];
      if (!line || line.indent < indent) break;
      if (line.indent > indent || line.text.startsWith('- ')) unsupported();
      at = { offset: line.content, text: line.text };
    }
    const last = (pairs[pairs.length - 1] as BlockPair).value.next;
    return { kind: 'map', pairs, start: offset, end: last, next: last };
  }

  /** `key: value` or `key:` and a block below; consumes its lines. */
  private pair(indent: number, offset: number, text: string): BlockPair {
    const colon = text.indexOf(':');
    const key = colon < 0 ? '' : text.slice(0, colon);
    if (!KEY.test(key) || NOT_STRINGS.has(key)) unsupported();
    const start = offset;
    const end = offset + key.length;
    const rest = text.slice(colon + 1);
    this.i++;
    if (rest === '') return { key, start, end, value: this.block(indent) };
    if (!rest.startsWith(' ')) unsupported();
    const spaces = rest.length - rest.trimStart().length;
    const value = scalar(rest.slice(spaces), offset + colon + 1 + spaces, this.lines[this.i - 1]?.next ?? 0);
    return { key, start, end, value };
  }

  /** The block below a `key:` at `indent`: a mapping or sequence indented further, or a sequence at `indent`. */
  private block(indent: number): BlockMap | BlockSeq {
    const line = this.lines[this.i];
    if (!line) unsupported();
    const seq = line.text.startsWith('- ');
    if (line.indent > indent) return seq ? this.sequence(line.indent) : this.mapping(line.indent, line.content, line.text);
    if (line.indent === indent && seq) return this.sequence(indent);
    return unsupported();
  }

  /** `- item` lines at `indent`. */
  private sequence(indent: number): BlockSeq {
    const items: BlockNode[] = [];
    const first = this.lines[this.i] as Line;
    for (;;) {
      const line = this.lines[this.i];
      if (!line || line.indent < indent || (line.indent === indent && !line.text.startsWith('- '))) break;
      if (line.indent > indent) unsupported();
      const rest = line.text.slice(2);
      if (rest === '' || rest.startsWith(' ') || rest.startsWith('- ')) unsupported();
      const offset = line.content + 2;
      if (/^[A-Za-z_][A-Za-z0-9_]*:(?: |$)/.test(rest)) {
        items.push(this.mapping(indent + 2, offset, rest));
      } else {
        items.push(scalar(rest, offset, line.next));
        this.i++;
      }
    }
    const last = (items[items.length - 1] as BlockNode).next;
    return { kind: 'seq', items, start: first.content, end: last, next: last };
  }
}

/** A scalar written as `s` from `offset`, its line ending at `lineEnd` (after the newline). */
function scalar(s: string, offset: number, lineEnd: number): BlockScalar {
  let value: string | number;
  const first = s[0];
  if (first === '"' || first === "'") {
    const close = s.indexOf(first, 1);
    if (close !== s.length - 1 || (first === '"' && s.includes('\\'))) unsupported();
    value = s.slice(1, -1);
  } else if (INTEGER.test(s)) {
    value = Number(s);
  } else if (WORD.test(s) && !NOT_STRINGS.has(s)) {
    value = s;
  } else {
    return unsupported();
  }
  return { kind: 'scalar', value, start: offset, end: offset + s.length, next: lineEnd };
}

export interface BlockYaml {
  /** The tree, for SourceMap. */
  tree: BlockTree;
  lines: LineCounter;
  /** What the yaml package's doc.toJS() gives. */
  data: unknown;
}

/**
 * The data, tree and LineCounter of the text, as parseDocument(text, { lineCounter, uniqueKeys:
 * false }) would give them, or null when the text is not of the plain form above or has a key twice.
 */
export function parseBlockYaml(text: string): BlockYaml | null {
  if (hasUnsupportedChars(text)) return null;
  const lines = new LineCounter();
  let root: BlockMap;
  try {
    root = new BlockReader(contentLines(text, lines)).root();
  } catch (err) {
    if (err instanceof Unsupported) return null;
    throw err;
  }
  const found = { duplicateKeys: false };
  const data = toData(root, found);
  return found.duplicateKeys ? null : { tree: new BlockTree(root), lines, data };
}

/**
 * doc.toJS() of the tree, and whether a mapping has a key twice, in one walk. A key that an object
 * has already (`__proto__`, `constructor`) becomes a property of its own, as toJS makes them.
 */
function toData(node: BlockNode, found: { duplicateKeys: boolean }): unknown {
  if (node.kind === 'scalar') return node.value;
  if (node.kind === 'seq') return node.items.map((item) => toData(item, found));
  const out: Record<string, unknown> = {};
  for (const pair of node.pairs) {
    const value = toData(pair.value, found);
    if (Object.hasOwn(out, pair.key)) found.duplicateKeys = true;
    if (pair.key in out) Object.defineProperty(out, pair.key, { value, writable: true, enumerable: true, configurable: true });
    else out[pair.key] = value;
  }
  return out;
}

/** The tree as SourceMap reads it. */
export class BlockTree implements SourceTree {
  constructor(readonly root: BlockMap) {}

  locate(path: DataPath): Located {
    return this.walk(path);
  }

  keyOf(path: DataPath, name: string): Span | undefined {
    const { node } = this.walk(path);
    return (node?.kind === 'map' ? node.pairs.find((p) => p.key === name) : undefined) ?? node;
  }

  private walk(path: DataPath): { node?: BlockNode | undefined; key?: Span | undefined } {
    let node: BlockNode | undefined = this.root;
    let key: Span | undefined;
    for (const segment of path) {
      if (node?.kind === 'map') {
        const name = String(segment);
        const pair: BlockPair | undefined = node.pairs.find((p) => p.key === name);
        key = pair;
        node = pair?.value;
      } else if (node?.kind === 'seq') {
        key = undefined;
        node = node.items[Number(segment)];
      } else {
        return {};
      }
    }
    return { node, key };
  }
}
