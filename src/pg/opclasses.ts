/**
 * Which operator classes accept a column's type, and which one an access method uses by default:
 * the rules of PostgreSQL's GetDefaultOpClass and IsBinaryCoercible, applied to the snapshot.
 */
import type { BinaryCoercion, ColumnType, IndexKey, OpclassInfo } from './types.js';

export interface OpclassCatalog {
  opclasses: readonly OpclassInfo[];
  binaryCoercions: readonly BinaryCoercion[];
}

export type Fit = 'exact' | 'binary' | 'polymorphic';

const isArray = (t: ColumnType) => t.category === 'A';

// What each polymorphic input type accepts (IsBinaryCoercible's special cases).
const POLYMORPHIC: Record<string, (t: ColumnType) => boolean> = {
  any: () => true,
  anyelement: () => true,
  anycompatible: () => true,
  anyarray: isArray,
  anycompatiblearray: isArray,
  anynonarray: (t) => !isArray(t),
  anycompatiblenonarray: (t) => !isArray(t),
  anyenum: (t) => t.kind === 'enum',
  anyrange: (t) => t.kind === 'range',
  anycompatiblerange: (t) => t.kind === 'range',
  anymultirange: (t) => t.kind === 'multirange',
  anycompatiblemultirange: (t) => t.kind === 'multirange',
  record: (t) => t.kind === 'composite',
};

/**
 * What is derived once per catalog (a snapshot is never changed after it is taken): the binary
 * coercions as a set, and each (method, type)'s default operator class. A plan of 10,000 tables asks
 * for the same few types' defaults tens of thousands of times (issue 16).
 */
interface Derived {
  coercions: Set<string>;
  defaults: Map<string, OpclassInfo | null>;
  /**
   * The same by the type object and the method: a snapshot shares one ColumnType among the columns
   * of a type, so most lookups write no key string (one per call was 40,000 at 10,000 tables).
   */
  byType: WeakMap<ColumnType, Map<string, OpclassInfo | null>>;
}
const derived = new WeakMap<OpclassCatalog, Derived>();

function derivedOf(catalog: OpclassCatalog): Derived {
  let d = derived.get(catalog);
  if (!d) {
    d = { coercions: new Set(catalog.binaryCoercions.map((c) => `${c.source}:${c.target}`)), defaults: new Map(), byType: new WeakMap() };
    derived.set(catalog, d);
  }
  return d;
}

/** How an operator class accepts a type (already unwrapped from domains), or null if it does not. */
export function fit(catalog: OpclassCatalog, opclass: OpclassInfo, type: ColumnType): Fit | null {
  if (opclass.inputType === type.baseOid) return 'exact';
  if (derivedOf(catalog).coercions.has(`${type.baseOid}:${opclass.inputType}`)) return 'binary';
  const poly = POLYMORPHIC[opclass.inputTypeName];
  return poly && poly(type) ? 'polymorphic' : null;
}

/**
 * The operator class CREATE INDEX would use for this type and method without one named, as
 * GetDefaultOpClass picks it: the one exact default; else, among the defaults the type can be coerced
 * to, the one whose input type is the preferred type of the column's category (varchar → text_ops,
 * not bpchar_ops), or the only one. Null when there is none or the choice is ambiguous.
 */
export function defaultOpclass(catalog: OpclassCatalog, method: string, type: ColumnType): OpclassInfo | null {
  const { defaults, byType } = derivedOf(catalog);
  let ofType = byType.get(type);
  const known = ofType?.get(method);
  if (known !== undefined) return known;
  // Everything the choice reads of the type: its oid, and for the polymorphic classes its category and kind.
  const key = `${method}\0${type.baseOid}\0${type.category}\0${type.kind}`;
  let chosen = defaults.get(key);
  if (chosen === undefined) {
    chosen = pickDefault(catalog, method, type);
    defaults.set(key, chosen);
  }
  if (!ofType) {
    ofType = new Map();
    byType.set(type, ofType);
  }
  ofType.set(method, chosen);
  return chosen;
}

function pickDefault(catalog: OpclassCatalog, method: string, type: ColumnType): OpclassInfo | null {
  const defaults = catalog.opclasses.filter((o) => o.method === method && o.isDefault);
  const exact = defaults.filter((o) => fit(catalog, o, type) === 'exact');
  if (exact.length > 0) return exact.length === 1 ? (exact[0] as OpclassInfo) : null;
  const compatible = defaults.filter((o) => fit(catalog, o, type) !== null);
  const preferred = compatible.filter((o) => o.inputTypePreferred === true && o.inputTypeCategory === type.category);
  if (preferred.length === 1) return preferred[0] as OpclassInfo;
  if (preferred.length === 0 && compatible.length === 1) return compatible[0] as OpclassInfo;
  return null;
}

/** The operator classes with this name (optionally in this schema and for this method). */
export function opclassesNamed(
  catalog: OpclassCatalog,
  name: string,
  opts: { schema?: string | null; method?: string } = {},
): OpclassInfo[] {
  return catalog.opclasses.filter(
    (o) => o.name === name && (opts.schema == null || o.schema === opts.schema) && (opts.method === undefined || o.method === opts.method),
  );
}

/**
 * Does an existing index key use the operator class CREATE INDEX picks for this type and method
 * without one named? pg_opclass.opcdefault alone is not enough: text_ops is the default for text,
 * not for a citext column that reaches it through a binary coercion.
 */
export function usesDefaultOpclass(catalog: OpclassCatalog, method: string, key: Pick<IndexKey, 'opclass' | 'opclassIsDefault'>, type: ColumnType): boolean {
  const d = defaultOpclass(catalog, method, type);
  return d ? d.name === key.opclass : key.opclassIsDefault;
}
