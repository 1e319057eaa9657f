/**
 * From a place in the parsed data (a JSON pointer, as ajv reports it) back to the YAML node it came
 * from, and from there to a FILE:LINE:COL position.
 */
import { isAlias, isMap, isNode, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair } from 'yaml';
import type { SourcePos } from './types.js';

/** Where a node is written: its first character and the one after it. */
export interface Span {
  start: number;
  end: number;
}

export interface Located {
  /** The node holding the value, if the value is written at all. */
  node?: Span;
  /** The key of the pair holding the value, when the value sits in a mapping. */
  key?: Span;
  /** The value is written as nothing (`tablespace:` with nothing after it). */
  empty?: boolean;
}

/**
 * A place in the parsed data as its keys and sequence indexes: what normalise asks for, 10,000 times
 * and more, without a JSON pointer to write and split again each time (issue 16).
 */
export type DataPath = readonly (string | number)[];

/**
 * The parsed text as SourceMap reads it: the yaml package's Document (yamlTree), or the lighter tree
 * of the plainest YAML (src/planfile/block-yaml.ts).
 */
export interface SourceTree {
  /** The node at a path ([] is the root) and the key it sits under, following aliases. */
  locate(path: DataPath): Located;
  /** The key `name` of the mapping at `path`; else that mapping, or the root when there is none. */
  keyOf(path: DataPath, name: string): Span | undefined;
}

export class SourceMap {
  constructor(
    readonly file: string,
    private readonly text: string,
    private readonly tree: SourceTree,
    private readonly lines: LineCounter,
  ) {}

  /** Position of a character offset in the source. */
  at(offset: number): SourcePos {
    const { line, col } = this.lines.linePos(offset);
    // linePos answers line 0 when the source has no lines at all (an empty file).
    return { file: this.file, line: Math.max(line, 1), col: Math.max(col, 1) };
  }

  /** Position of a node, or of the start of the file when there is none. */
  of(node: Span | undefined): SourcePos {
    return this.at(node?.start ?? 0);
  }

  /** The node at a JSON pointer ("" is the document's root) or a DataPath, following aliases. */
  locate(pointer: string | DataPath): Located {
    return this.tree.locate(typeof pointer === 'string' ? splitPointer(pointer) : pointer);
  }

  /**
   * Where to point for a problem with a value: the value itself, or its key when the value is
   * missing (`tablespace:` with nothing after it has an empty node at the end of the line).
   */
  value(pointer: string | DataPath): SourcePos {
    const { node, key, empty } = this.locate(pointer);
    return this.of(empty || !node ? (key ?? node) : node);
  }

  /**
   * Position of `needle` as written inside the value at `pointer` (a `${VAR}` inside a string), or of
   * the value when the needle is not found verbatim (an escape sequence in a quoted string). With
   * `skip`, the position that many characters into the needle (to point inside a unique needle).
   */
  within(pointer: string, needle: string, skip = 0): SourcePos {
    const { node } = this.locate(pointer);
    if (node) {
      const i = this.text.slice(node.start, node.end).indexOf(needle);
      if (i >= 0) return this.at(node.start + i + skip);
    }
    return this.value(pointer);
  }

  /** Where to point for a key of a mapping: the key itself. */
  keyOf(mapPointer: string, name: string): SourcePos {
    return this.of(this.tree.keyOf(splitPointer(mapPointer), name));
  }
}

/** The yaml package's Document as a SourceTree. */
export function yamlTree(doc: Document): SourceTree {
  const resolve = (node: Node | undefined): Node | undefined => (isAlias(node) ? (node.resolve(doc) ?? undefined) : node);
  const span = (node: Node | undefined): Span | undefined => (node ? { start: node.range?.[0] ?? 0, end: node.range?.[1] ?? 0 } : undefined);
  const walk = (path: DataPath): { node?: Node; key?: Node } => {
    let node: Node | undefined = doc.contents ?? undefined;
    let key: Node | undefined;
    for (const segment of path) {
      // Follow an alias to walk into what it names, but point at the alias itself when it is the end.
      node = resolve(node);
      if (isMap(node)) {
        const name = String(segment);
        const pair: Pair | undefined = node.items.find((p) => keyText(p.key) === name);
        key = isNode(pair?.key) ? pair.key : undefined;
        node = isNode(pair?.value) ? pair.value : undefined;
      } else if (isSeq(node)) {
        const item: unknown = node.items[Number(segment)];
        key = undefined;
        node = isNode(item) ? item : undefined;
      } else {
        return {};
      }
    }
    return { node, key };
  };
  return {
    locate(path) {
      const { node, key } = walk(path);
      const located: Located = {};
      const n = span(node);
      const k = span(key);
      if (n) located.node = n;
      if (k) located.key = k;
      if (isScalar(node) && node.value === null && !!node.range && node.range[0] === node.range[1]) located.empty = true;
      return located;
    },
    keyOf(path, name) {
      const node = resolve(walk(path).node);
      if (isMap(node)) {
        const pair = node.items.find((p) => keyText(p.key) === name);
        if (pair && isNode(pair.key)) return span(pair.key);
      }
      return span(node);
    },
  };
}

/** The text of a mapping key, as it appears in the parsed data (`toJS` turns keys into strings). */
export function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}

/** JSON pointer segments, unescaped (RFC 6901). */
export function splitPointer(pointer: string): string[] {
  if (pointer === '') return [];
  const segments = pointer.slice(1).split('/');
  // Unescaped only when there is an escape: normalise asks for a position per entry (issue 16).
  return pointer.includes('~') ? segments.map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')) : segments;
}
