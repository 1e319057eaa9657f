/**
 * Which operator classes accept a column's type, and which one an access method uses by default:
 * the rules of PostgreSQL's GetDefaultOpClass and IsBinaryCoercible, applied to the snapshot.
 */
import type { CatalogSnapshot, ColumnType, OpclassInfo } from '../catalog/types.js';

export type OpclassCatalog = Pick<CatalogSnapshot, 'opclasses' | 'binaryCoercions'>;

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

/** How an operator class accepts a type (already unwrapped from domains), or null if it does not. */
export function fit(catalog: OpclassCatalog, opclass: OpclassInfo, type: ColumnType): Fit | null {
  if (opclass.inputType === type.baseOid) return 'exact';
  if (catalog.binaryCoercions.some((c) => c.source === type.baseOid && c.target === opclass.inputType)) return 'binary';
  const poly = POLYMORPHIC[opclass.inputTypeName];
  return poly && poly(type) ? 'polymorphic' : null;
}

/**
 * The operator class CREATE INDEX would use for this type and method without one named: an exact
 * default first, else the only default the type can be coerced to (a concrete one before a
 * polymorphic one); null when there is none or the choice would be ambiguous.
 */
export function defaultOpclass(catalog: OpclassCatalog, method: string, type: ColumnType): OpclassInfo | null {
  const fits = catalog.opclasses
    .filter((o) => o.method === method && o.isDefault)
    .map((o) => ({ o, how: fit(catalog, o, type) }))
    .filter((x) => x.how !== null);
  for (const how of ['exact', 'binary', 'polymorphic'] as const) {
    const found = fits.filter((x) => x.how === how);
    if (found.length === 1) return (found[0] as { o: OpclassInfo }).o;
    if (found.length > 1) return null;
  }
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
