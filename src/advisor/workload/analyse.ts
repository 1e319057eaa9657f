/**
 * One statement's parse tree (libpg_query's JSON, src/sql/parse.ts) → what it asks of each table
 * (types.ts). Names are resolved as the server resolves them: an alias hides its table's name, a CTE
 * hides a table of the same name, an unqualified column belongs to the one relation in scope that has
 * it (else to an outer query's, for a correlated subquery), a subquery's or CTE's output columns lead
 * back to the base columns they select. What cannot be traced to one base column is left out, never
 * guessed: a wrong predicate would make a wrong index.
 */
import { quoteIdent, quoteLiteral } from '../../sql/quote.js';
import type { JoinKey, Operand, OrderKey, QueryKind, QueryShape, TableAccess, TableLookup, Value } from './types.js';

type Obj = { readonly [key: string]: unknown };

/** `{ Tag: body }` → [Tag, body]; anything else → null. */
function node(n: unknown): [string, Obj] | null {
  if (typeof n !== 'object' || n === null || Array.isArray(n)) return null;
  const keys = Object.keys(n);
  if (keys.length !== 1) return null;
  const tag = keys[0] as string;
  const body = (n as Obj)[tag];
  return typeof body === 'object' && body !== null ? [tag, body as Obj] : null;
}

/**
 * A node of type `tag`: wrapped as `{ Tag: body }` where the field may hold any node type, bare
 * where the field has one type only (a SelectStmt's larg, an UpdateStmt's relation, a WithClause).
 */
function bodyOf(n: unknown, tag: string): Obj | null {
  const found = node(n);
  if (found && /^[A-Z]/.test(found[0])) return found[0] === tag ? found[1] : null;
  return typeof n === 'object' && n !== null && !Array.isArray(n) ? (n as Obj) : null;
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The strings of a name list (`[{String: {sval}}…]`). */
function names(v: unknown): string[] {
  return list(v).map((x) => str(bodyOf(x, 'String')?.sval) ?? '');
}

/** A base column of one table access, or an expression over columns of one access. */
interface Traced {
  access: TableAccess;
  operand: Operand;
}

/** What a relation in FROM exposes to column references. */
interface Source {
  alias: string;
  /** A table of the snapshot: every column it has. */
  access?: TableAccess;
  columns?: readonly string[];
  /** A subquery or CTE: its output columns, traced where they lead back to one base column. */
  derived?: Derived;
  /** A table the snapshot does not know, a function in FROM: nothing it exposes is traced. */
  opaque?: true;
}

interface Derived {
  columns: Map<string, Traced | null>;
  /** `SELECT *` / `t.*` of these sources: any of their columns is an output column too. */
  stars: Source[];
}

interface Scope {
  sources: Source[];
  parent: Scope | null;
  ctes: Map<string, Derived>;
}

const COMMUTED: Readonly<Record<string, string>> = {
  '=': '=',
  '<>': '<>',
  '<': '>',
  '>': '<',
  '<=': '>=',
  '>=': '<=',
  '@>': '<@',
  '<@': '@>',
  '&&': '&&',
  '<->': '<->',
  '@@': '@@',
};

export class Analyser {
  private readonly accesses: TableAccess[] = [];
  private readonly writes: { schema: string; name: string }[] = [];
  private readonly unknown: string[] = [];

  constructor(private readonly lookup: TableLookup) {}

  /** The shape of one statement's tree (an element of SqlParser.trees()). */
  static analyse(tree: unknown, lookup: TableLookup): QueryShape {
    const a = new Analyser(lookup);
    const kind = a.statement(tree);
    return { kind, accesses: a.accesses, writes: a.writes, unknownTables: a.unknown };
  }

  private statement(tree: unknown): QueryKind {
    const n = node(tree);
    if (!n) return 'other';
    const [tag, body] = n;
    const root: Scope = { sources: [], parent: null, ctes: new Map() };
    switch (tag) {
      case 'SelectStmt':
        this.select(body, root);
        return 'select';
      case 'ExplainStmt':
        return this.statement(body.query);
      case 'InsertStmt': {
        const scope = this.withClause(body.withClause, root);
        // The target is written, not read: no access of it to serve.
        const r = bodyOf(body.relation, 'RangeVar');
        const name = str(r?.relname);
        const table = name !== null ? this.lookup.table(str(r?.schemaname), name) : null;
        if (table) this.writes.push({ schema: table.schema, name: table.name });
        const sel = bodyOf(body.selectStmt, 'SelectStmt');
        if (sel) this.select(sel, scope);
        return 'insert';
      }
      case 'UpdateStmt':
      case 'DeleteStmt': {
        const scope = this.withClause(body.withClause, root);
        const target = this.relation(body.relation, scope, true);
        if (target) scope.sources.push(target);
        if (target?.access) this.writes.push(target.access.table);
        for (const item of list(tag === 'UpdateStmt' ? body.fromClause : body.usingClause)) this.fromItem(item, scope, scope.sources);
        this.qual(body.whereClause, scope, false);
        return tag === 'UpdateStmt' ? 'update' : 'delete';
      }
      default:
        return 'other';
    }
  }

  /** `parent` with the CTEs of a WITH clause added; each CTE's body is read once, where it is declared. */
  private withClause(clause: unknown, parent: Scope): Scope {
    const w = bodyOf(clause, 'WithClause');
    if (!w) return parent;
    const ctes = new Map(parent.ctes);
    const inner: Scope = { sources: [], parent: null, ctes };
    for (const c of list(w.ctes)) {
      const cte = bodyOf(c, 'CommonTableExpr');
      const name = str(cte?.ctename);
      if (!cte || name === null) continue;
      // A recursive CTE refers to itself: its output is not traced, but its body is still read.
      if (w.recursive === true) ctes.set(name, { columns: new Map(), stars: [] });
      const sel = bodyOf(cte.ctequery, 'SelectStmt');
      let derived: Derived = { columns: new Map(), stars: [] };
      if (sel) derived = this.select(sel, inner);
      else this.statement(cte.ctequery);
      const aliases = names(cte.aliascolnames);
      if (w.recursive !== true) ctes.set(name, aliases.length > 0 ? renamed(derived, aliases) : derived);
    }
    return { sources: parent.sources, parent: parent.parent, ctes };
  }

  /** A SELECT (or set operation) in `parent`'s scope; its output columns, traced. */
  private select(sel: Obj, outer: Scope): Derived {
    const withScope = this.withClause(sel.withClause, outer);
    const op = str(sel.op);
    if (op !== null && op !== 'SETOP_NONE') {
      const left = bodyOf(sel.larg, 'SelectStmt');
      const right = bodyOf(sel.rarg, 'SelectStmt');
      const out = left ? this.select(left, withScope) : { columns: new Map(), stars: [] };
      if (right) this.select(right, withScope);
      // A row of a UNION comes from either side: no output column leads back to one base column.
      return { columns: new Map([...out.columns.keys()].map((k) => [k, null])), stars: [] };
    }
    const scope: Scope = { sources: [], parent: outer, ctes: withScope.ctes };
    for (const item of list(sel.fromClause)) this.fromItem(item, scope, scope.sources);
    this.qual(sel.whereClause, scope, false);
    this.orderBy(sel, scope);

    const derived: Derived = { columns: new Map(), stars: [] };
    for (const t of list(sel.targetList)) {
      const rt = bodyOf(t, 'ResTarget');
      if (!rt) continue;
      const ref = bodyOf(rt.val, 'ColumnRef');
      const fields = ref ? list(ref.fields) : [];
      const last = fields[fields.length - 1];
      if (ref && node(last)?.[0] === 'A_Star') {
        const qualifier = names(fields.slice(0, -1));
        const from = qualifier.length === 0 ? scope.sources : scope.sources.filter((s) => s.alias === qualifier[qualifier.length - 1]);
        derived.stars.push(...from);
        continue;
      }
      const traced = this.operand(rt.val, scope);
      const name = str(rt.name) ?? (ref ? (names(fields).pop() ?? null) : implicitName(rt.val));
      if (name !== null && !derived.columns.has(name)) derived.columns.set(name, traced);
      this.values(rt.val, scope);
    }
    return derived;
  }

  /** Registers what a FROM item brings into scope, reading its join conditions. */
  private fromItem(item: unknown, scope: Scope, into: Source[]): void {
    const n = node(item);
    if (!n) return;
    const [tag, body] = n;
    if (tag === 'RangeVar') {
      const s = this.relation(item, scope, false);
      if (s) into.push(s);
    } else if (tag === 'JoinExpr') {
      const left: Source[] = [];
      const right: Source[] = [];
      this.fromItem(body.larg, scope, left);
      this.fromItem(body.rarg, scope, right);
      into.push(...left, ...right);
      for (const column of names(body.usingClause)) {
        const l = findColumn(left, column);
        const r = findColumn(right, column);
        if (l && r) this.join(l, r);
      }
      // ON sees both sides (and what FROM listed before, for LATERAL); an outer join's ON condition
      // filters the joined side only, but as a join key it counts all the same.
      const visible = [...new Set([...scope.sources, ...into])];
      this.qual(body.quals, { sources: visible, parent: scope.parent, ctes: scope.ctes }, false);
    } else if (tag === 'RangeSubselect') {
      const sel = bodyOf(body.subquery, 'SelectStmt');
      const alias = str((body.alias as Obj | undefined)?.aliasname);
      // LATERAL subqueries see the sources before them; the others do not, but reading them so is harmless.
      const derived = sel ? this.select(sel, { sources: [...scope.sources, ...into], parent: scope.parent, ctes: scope.ctes }) : null;
      const aliasCols = names((body.alias as Obj | undefined)?.colnames);
      if (derived && alias !== null) into.push({ alias, derived: aliasCols.length > 0 ? renamed(derived, aliasCols) : derived });
    } else if (tag === 'RangeFunction') {
      const alias = str((body.alias as Obj | undefined)?.aliasname);
      if (alias !== null) into.push({ alias, opaque: true });
    }
  }

  /** A RangeVar: a CTE in scope, a table of the snapshot, or an unknown relation (noted). */
  private relation(rv: unknown, scope: Scope, target: boolean): Source | null {
    const r = bodyOf(rv, 'RangeVar');
    const name = str(r?.relname);
    if (!r || name === null) return null;
    const schema = str(r.schemaname);
    const alias = str((r.alias as Obj | undefined)?.aliasname) ?? name;
    const cte = schema === null && !target ? scope.ctes.get(name) : undefined;
    if (cte) return { alias, derived: cte };
    const table = this.lookup.table(schema, name);
    if (!table) {
      const written = schema === null ? name : `${schema}.${name}`;
      if (!this.unknown.includes(written)) this.unknown.push(written);
      return { alias, opaque: true };
    }
    const access: TableAccess = { table: { schema: table.schema, name: table.name }, alias, predicates: [], joins: [], orderBy: [], limit: null };
    this.accesses.push(access);
    return { alias, access, columns: table.columns.map((c) => c.name) };
  }

  /** A WHERE or ON condition: each conjunct becomes a predicate or a join key. */
  private qual(expr: unknown, scope: Scope, inOr: boolean): void {
    const n = node(expr);
    if (!n) return;
    const [tag, body] = n;
    switch (tag) {
      case 'BoolExpr': {
        const op = str(body.boolop);
        if (op === 'NOT_EXPR') {
          // NOT (…) filters on the complement: nothing to index, but its subqueries are still read.
          for (const a of list(body.args)) this.values(a, scope);
          return;
        }
        for (const a of list(body.args)) this.qual(a, scope, inOr || op === 'OR_EXPR');
        return;
      }
      case 'A_Expr':
        this.comparison(body, scope, inOr);
        return;
      case 'NullTest': {
        const t = this.operand(body.arg, scope);
        const test = str(body.nulltesttype) === 'IS_NOT_NULL' ? 'IS NOT NULL' : 'IS NULL';
        if (t) this.predicate(t, test, test, [], inOr);
        return;
      }
      case 'ColumnRef':
      case 'FuncCall': {
        // A bare boolean column or function: `WHERE active`.
        const t = this.operand(expr, scope);
        if (t) this.predicate(t, '=', '=', [{ kind: 'const', text: 'true' }], inOr);
        return;
      }
      case 'SubLink':
        this.subLink(body, scope, inOr);
        return;
      default:
        this.values(expr, scope);
    }
  }

  private comparison(e: Obj, scope: Scope, inOr: boolean): void {
    const kind = str(e.kind);
    const op = names(e.name).pop() ?? '';
    const left = this.operand(e.lexpr, scope);
    switch (kind) {
      case 'AEXPR_OP': {
        const right = this.operand(e.rexpr, scope);
        if (left && right) {
          if (op === '=' && left.access !== right.access && left.operand.kind === 'column' && right.operand.kind === 'column') this.join(left, right);
          return;
        }
        if (left) this.predicate(left, op, op, [this.value(e.rexpr, scope)], inOr);
        else if (right && COMMUTED[op]) this.predicate(right, COMMUTED[op] as string, COMMUTED[op] as string, [this.value(e.lexpr, scope)], inOr);
        else {
          this.values(e.lexpr, scope);
          this.values(e.rexpr, scope);
        }
        return;
      }
      case 'AEXPR_OP_ANY':
        if (left) this.predicate(left, op, `${op} ANY`, [this.value(e.rexpr, scope)], inOr);
        return;
      case 'AEXPR_IN':
        // NOT IN (name <>) filters on the complement.
        if (left && op === '=') this.predicate(left, '=', 'IN', list(bodyOf(e.rexpr, 'List')?.items ?? e.rexpr).map((v) => this.value(v, scope)), inOr);
        return;
      case 'AEXPR_LIKE':
      case 'AEXPR_ILIKE':
        if (left && !op.startsWith('!')) this.predicate(left, op, kind === 'AEXPR_LIKE' ? 'LIKE' : 'ILIKE', [this.value(e.rexpr, scope)], inOr);
        return;
      case 'AEXPR_BETWEEN':
      case 'AEXPR_BETWEEN_SYM': {
        const [low, high] = list(bodyOf(e.rexpr, 'List')?.items);
        if (left && low !== undefined && high !== undefined) {
          this.predicate(left, '>=', 'BETWEEN', [this.value(low, scope)], inOr);
          this.predicate(left, '<=', 'BETWEEN', [this.value(high, scope)], inOr);
        }
        return;
      }
      case 'AEXPR_NOT_DISTINCT':
        if (left) this.predicate(left, '=', 'IS NOT DISTINCT FROM', [this.value(e.rexpr, scope)], inOr);
        return;
      default:
        this.values(e.lexpr, scope);
        this.values(e.rexpr, scope);
    }
  }

  private subLink(s: Obj, scope: Scope, inOr: boolean): void {
    const sel = bodyOf(s.subselect, 'SelectStmt');
    if (sel) this.select(sel, scope);
    const type = str(s.subLinkType);
    if (type === 'ANY_SUBLINK' && s.testexpr !== undefined) {
      const op = names(s.operName).pop() ?? '=';
      const t = this.operand(s.testexpr, scope);
      if (t && op === '=') this.predicate(t, '=', 'IN (subquery)', [{ kind: 'other' }], inOr);
    }
  }

  private orderBy(sel: Obj, scope: Scope): void {
    const keys: { access: TableAccess; key: OrderKey }[] = [];
    for (const s of list(sel.sortClause)) {
      const sb = bodyOf(s, 'SortBy');
      if (!sb) return;
      const descending = str(sb.sortby_dir) === 'SORTBY_DESC';
      const expr = bodyOf(sb.node, 'A_Expr');
      const distance = expr && str(expr.kind) === 'AEXPR_OP' ? (names(expr.name).pop() ?? '') : '';
      if (distance === '<->') {
        const t = this.operand(expr?.lexpr, scope);
        if (!t) return;
        keys.push({ access: t.access, key: { operand: t.operand, descending, operator: '<->' } });
        continue;
      }
      const t = this.operand(sb.node, scope);
      if (!t) return;
      keys.push({ access: t.access, key: { operand: t.operand, descending } });
    }
    const first = keys[0]?.access;
    if (!first || keys.some((k) => k.access !== first)) return;
    first.orderBy = keys.map((k) => k.key);
    const count = node(sel.limitCount);
    if (count?.[0] === 'ParamRef') first.limit = 'param';
    else if (count?.[0] === 'A_Const') {
      const ival = (count[1].ival as Obj | undefined)?.ival;
      first.limit = typeof ival === 'number' ? ival : 0;
    }
  }

  private join(a: Traced, b: Traced): void {
    if (a.operand.kind !== 'column' || b.operand.kind !== 'column') return;
    const add = (x: Traced, y: Traced, column: string, other: string) => {
      const key: JoinKey = { column, other: { ...y.access.table, column: other } };
      if (!x.access.joins.some((j) => j.column === key.column && j.other.schema === key.other.schema && j.other.name === key.other.name && j.other.column === key.other.column)) {
        x.access.joins.push(key);
      }
    };
    add(a, b, a.operand.column, b.operand.column);
    add(b, a, b.operand.column, a.operand.column);
  }

  private predicate(t: Traced, operator: string, written: string, values: Value[], inOr: boolean): void {
    t.access.predicates.push({ operand: t.operand, operator, written, values, ...(inOr ? { inOr: true as const } : {}) });
  }

  /** What an operand is compared with; subqueries in it are read. */
  private value(expr: unknown, scope: Scope): Value {
    const n = node(expr);
    if (!n) return { kind: 'other' };
    const [tag, body] = n;
    if (tag === 'ParamRef' && typeof body.number === 'number') return { kind: 'param', number: body.number };
    if (tag === 'A_Const') return { kind: 'const', text: constText(body) };
    if (tag === 'TypeCast') return this.value(body.arg, scope);
    this.values(expr, scope);
    return { kind: 'other' };
  }

  /** Reads the subqueries anywhere inside an expression that is not itself a predicate. */
  private values(expr: unknown, scope: Scope): void {
    const n = node(expr);
    if (n?.[0] === 'SubLink') {
      this.subLink(n[1], scope, true);
      return;
    }
    if (typeof expr !== 'object' || expr === null) return;
    for (const v of Object.values(expr)) {
      if (Array.isArray(v)) for (const x of v) this.values(x, scope);
      else if (typeof v === 'object' && v !== null) this.values(v, scope);
    }
  }

  /** A column reference or an expression over one table access's columns, traced to its base. */
  private operand(expr: unknown, scope: Scope): Traced | null {
    const n = node(expr);
    if (!n) return null;
    const [tag, body] = n;
    if (tag === 'ColumnRef') return resolveColumn(names(body.fields), list(body.fields), scope);
    const columns: Traced[] = [];
    const sql = expressionSql(expr, (ref) => {
      const t = resolveColumn(names(ref.fields), list(ref.fields), scope);
      if (!t || t.operand.kind !== 'column') return null;
      columns.push(t);
      return quoteIdent(t.operand.column);
    });
    const first = columns[0];
    if (sql === null || !first || columns.some((c) => c.access !== first.access)) return null;
    return { access: first.access, operand: { kind: 'expression', sql, columns: [...new Set(columns.map((c) => (c.operand.kind === 'column' ? c.operand.column : '')))] } };
  }
}

/** A column by its (qualified) name: the nearest scope with a relation that has it. */
function resolveColumn(parts: string[], fields: unknown[], scope: Scope): Traced | null {
  if (parts.length === 0 || fields.some((f) => node(f)?.[0] !== 'String')) return null;
  const column = parts[parts.length - 1] as string;
  const qualifier = parts.length >= 2 ? (parts[parts.length - 2] as string) : null;
  for (let s: Scope | null = scope; s; s = s.parent) {
    if (qualifier !== null) {
      const source = s.sources.find((x) => x.alias === qualifier);
      if (source) return columnOf(source, column);
      continue;
    }
    const found = findColumn(s.sources, column);
    if (found) return found;
    // A relation that exposes columns we cannot see may be the one that has it: do not look further out.
    if (s.sources.some((x) => x.opaque)) return null;
  }
  return null;
}

/** The one source among `sources` that has `column`, traced; null when none or several have it. */
function findColumn(sources: Source[], column: string): Traced | null {
  const having = sources.filter((s) => hasColumn(s, column));
  return having.length === 1 ? columnOf(having[0] as Source, column) : null;
}

function hasColumn(s: Source, column: string): boolean {
  if (s.access) return s.columns?.includes(column) ?? false;
  if (s.derived) return s.derived.columns.has(column) || s.derived.stars.some((x) => hasColumn(x, column));
  return false;
}

function columnOf(s: Source, column: string): Traced | null {
  if (s.access) return s.columns?.includes(column) ? { access: s.access, operand: { kind: 'column', column } } : null;
  if (s.derived) {
    if (s.derived.columns.has(column)) return s.derived.columns.get(column) ?? null;
    return findColumn(s.derived.stars, column);
  }
  return null;
}

/** A derived relation's columns under the names an alias list gives them, in order. */
function renamed(d: Derived, aliases: string[]): Derived {
  const traced = [...d.columns.values()];
  return { columns: new Map(aliases.map((a, i) => [a, traced[i] ?? null])), stars: [] };
}

/** The name PostgreSQL gives an unnamed output column of a function call: the function's. */
function implicitName(expr: unknown): string | null {
  const f = bodyOf(expr, 'FuncCall');
  return f ? (names(f.funcname).pop() ?? null) : null;
}

/** A constant's text as the query wrote it; null for NULL. */
function constText(c: Obj): string | null {
  if (c.isnull === true) return null;
  const sval = (c.sval as Obj | undefined)?.sval;
  if (typeof sval === 'string') return sval;
  const ival = c.ival as Obj | undefined;
  if (ival !== undefined) return String(typeof ival.ival === 'number' ? ival.ival : 0);
  const fval = (c.fval as Obj | undefined)?.fval;
  if (typeof fval === 'string') return fval;
  const boolval = c.boolval as Obj | undefined;
  if (boolval !== undefined) return boolval.boolval === true ? 'true' : 'false';
  const bsval = (c.bsval as Obj | undefined)?.bsval;
  return typeof bsval === 'string' ? bsval : null;
}

/**
 * An index expression as CREATE INDEX would be written: function calls, operators and casts over
 * columns and constants (`lower(email)`, `(data ->> 'kind')`), the column names given by `column`.
 * Null for anything else (a subquery, an aggregate, a parameter): no index can hold it.
 */
function expressionSql(expr: unknown, column: (ref: Obj) => string | null): string | null {
  const n = node(expr);
  if (!n) return null;
  const [tag, body] = n;
  switch (tag) {
    case 'ColumnRef':
      return column(body);
    case 'A_Const': {
      const text = constText(body);
      if (text === null) return 'NULL';
      return body.sval !== undefined ? quoteLiteral(text) : text;
    }
    case 'FuncCall': {
      if (body.agg_star === true || body.over !== undefined || body.agg_distinct === true) return null;
      const fname = names(body.funcname).map(quoteIdent).join('.');
      const args = list(body.args).map((a) => expressionSql(a, column));
      if (args.some((a) => a === null)) return null;
      return `${fname}(${args.join(', ')})`;
    }
    case 'A_Expr': {
      if (str(body.kind) !== 'AEXPR_OP') return null;
      const op = names(body.name).pop() ?? '';
      const l = body.lexpr === undefined ? '' : expressionSql(body.lexpr, column);
      const r = expressionSql(body.rexpr, column);
      if (l === null || r === null) return null;
      return l === '' ? `(${op} ${r})` : `(${l} ${op} ${r})`;
    }
    case 'TypeCast': {
      const arg = expressionSql(body.arg, column);
      const type = bodyOf(body.typeName, 'TypeName') ?? (body.typeName as Obj | undefined);
      const tnames = names(type?.names).filter((p) => p !== 'pg_catalog');
      if (arg === null || tnames.length === 0 || list(type?.typmods).length > 0) return null;
      return `(${arg})::${tnames.map(quoteIdent).join('.')}${list(type?.arrayBounds).length > 0 ? '[]' : ''}`;
    }
    default:
      return null;
  }
}
