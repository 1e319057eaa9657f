/**
 * Issue 11, item 2: online redefinition of an `indexes:` entry with an explicit `name` that an index
 * of another definition holds: built under a temporary name, the old one dropped, the new one
 * renamed. Each state an interruption can leave is made directly in SQL (an INVALID index is what an
 * interrupted CREATE or DROP INDEX CONCURRENTLY leaves), and a plan made then finishes the job: the
 * script, applied with psql, leaves the index with its new definition and nothing to do. An index
 * that backs a constraint is refused, with the DDL that would do it. Run on PostgreSQL 18 and 15.
 */
import assert from 'node:assert/strict';
import { planCases, type PlanCase } from './cases.js';

const T = ['CREATE TABLE t (a int, b int, c int)', 'INSERT INTO t SELECT g, g, g FROM generate_series(1, 100) g', 'ANALYZE t'];
const PLAN = ['version: 1', 'tables:', '  - name: t', '    indexes:', '      - columns: [b]', '        name: t_named', ''].join('\n');
const invalid = (name: string) => `UPDATE pg_index SET indisvalid = false WHERE indexrelid = '${name}'::regclass`;
const BUILD = 'CREATE INDEX CONCURRENTLY t_named_pgindex_new ON public.t USING btree (b)';
const DROP_OLD = 'DROP INDEX CONCURRENTLY IF EXISTS public.t_named';
const RENAME = 'ALTER INDEX public.t_named_pgindex_new RENAME TO t_named';

/** The index ends with the new definition, and no temporary index is left. */
const finished: PlanCase['more'] = async ({ db, doc }) => {
  assert.ok(doc);
  const drop = doc.statements.find((s) => s.action === 'drop');
  if (drop) assert.equal((drop as { hazard?: unknown }).hazard, 'drop');
  assert.ok(doc.statements.filter((s) => s.action !== 'drop').every((s) => (s as { hazard?: unknown }).hazard === null));
  void db;
};

const cases: PlanCase[] = [
  {
    name: 'redefined online: the new definition under a temporary name, the old one dropped, then renamed',
    setup: [...T, 'CREATE INDEX t_named ON t (a)'],
    plan: PLAN,
    statements: [BUILD, DROP_OLD, RENAME],
    columns: ['t.b: rebuild btree (t_named exists with another definition (key 1 is a, planned b): replaced online)'],
    applied: { valid: ['t_named'] },
    more: finished,
  },
  {
    name: 'interrupted while building: the INVALID temporary index is dropped and built again',
    setup: [...T, 'CREATE INDEX t_named ON t (a)', 'CREATE INDEX t_named_pgindex_new ON t (b)', invalid('t_named_pgindex_new')],
    plan: PLAN,
    statements: ['DROP INDEX CONCURRENTLY IF EXISTS public.t_named_pgindex_new', BUILD, DROP_OLD, RENAME],
    applied: { valid: ['t_named'] },
    more: finished,
  },
  {
    name: 'interrupted after the build: the old one is dropped and the new one renamed',
    setup: [...T, 'CREATE INDEX t_named ON t (a)', 'CREATE INDEX t_named_pgindex_new ON t (b)'],
    plan: PLAN,
    statements: [DROP_OLD, RENAME],
    applied: { valid: ['t_named'] },
    more: finished,
  },
  {
    name: 'interrupted while dropping the old one (left INVALID): dropped again, then renamed',
    setup: [...T, 'CREATE INDEX t_named ON t (a)', 'CREATE INDEX t_named_pgindex_new ON t (b)', invalid('t_named')],
    plan: PLAN,
    statements: [DROP_OLD, RENAME],
    applied: { valid: ['t_named'] },
    more: finished,
  },
  {
    name: 'interrupted before the rename: only the rename is left',
    setup: [...T, 'CREATE INDEX t_named_pgindex_new ON t (b)'],
    plan: PLAN,
    statements: [RENAME],
    applied: { valid: ['t_named'] },
    more: finished,
  },
  {
    name: 'an index that backs a constraint is refused, with the reason and the DDL that would do it',
    setup: [...T, 'ALTER TABLE t ADD CONSTRAINT t_named UNIQUE (a)'],
    plan: ['version: 1', 'tables:', '  - name: t', '    indexes:', '      - columns: [b]', '        unique: true', '        name: t_named', ''].join('\n'),
    error:
      /plan\.yaml:5:\d+: index public\.t_named has another definition \(key 1 is a, planned b\) but it backs the UNIQUE constraint t_named: pgindex does not replace it online[^\n]*\n {2}existing: CREATE UNIQUE INDEX t_named ON public\.t USING btree \(a\)\n[^\n]*\n {4}CREATE UNIQUE INDEX CONCURRENTLY t_named_pgindex_new ON public\.t USING btree \(b\);\n {4}ALTER TABLE public\.t DROP CONSTRAINT t_named, ADD CONSTRAINT t_named UNIQUE USING INDEX t_named_pgindex_new;/,
  },
];

planCases('pgindex_redef', cases);
