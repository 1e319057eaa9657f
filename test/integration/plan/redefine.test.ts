/**
 * Issue 11, item 2: online redefinition of an `indexes:` entry with an explicit `name` that an index
 * of another definition holds: built under a temporary name, the old one dropped, the new one
 * renamed. Each state an interruption can leave is made directly in SQL (an INVALID index is what an
 * interrupted CREATE or DROP INDEX CONCURRENTLY leaves), and a plan made then finishes the job: the
 * script, applied with psql, leaves the index with its new definition and nothing to do. An index
 * that backs a constraint is refused, with the DDL that would do it. Run on PostgreSQL 18 and 15.
 */
import assert from 'node:assert/strict';
import { withDisambiguator } from '../../../src/plan/names.js';
import { planCases, type PlanCase, type PlanJson } from './cases.js';

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
  {
    name: 'the temporary name held by a user index of another definition: a conflict naming it, nothing dropped',
    setup: [...T, 'CREATE INDEX t_named ON t (a)', 'CREATE INDEX t_named_pgindex_new ON t (c)'],
    plan: PLAN,
    error:
      /plan\.yaml:5:\d+: index public\.t_named has another definition \(key 1 is a, planned b\) and would be replaced online under the temporary name t_named_pgindex_new, but public\.t_named_pgindex_new is an index of another definition \(key 1 is c, planned b\): pgindex takes it for its own only when it has the planned definition\n {2}existing: CREATE INDEX t_named_pgindex_new ON public\.t USING btree \(c\)\n/,
  },
  {
    name: 'the temporary name held by an INVALID user index of another definition: a conflict too, never dropped',
    setup: [...T, 'CREATE INDEX t_named ON t (a)', 'CREATE INDEX t_named_pgindex_new ON t (c)', invalid('t_named_pgindex_new')],
    plan: PLAN,
    error: /but public\.t_named_pgindex_new is an index of another definition \(key 1 is c, planned b\)[^\n]*\n {2}existing: CREATE INDEX t_named_pgindex_new ON public\.t USING btree \(c\) \(INVALID\)/,
  },
  {
    name: 'the temporary name held by a user index while the named index already has its definition: left alone, no warning',
    setup: [...T, 'CREATE INDEX t_named ON t (b)', 'CREATE INDEX t_named_pgindex_new ON t (c)'],
    plan: PLAN,
    statements: [],
    warnings: [],
  },
  {
    name: 'the temporary name held by a user index and no redefinition needed (the name is free): the index is built as usual',
    setup: [...T, 'CREATE INDEX t_named_pgindex_new ON t (c)'],
    plan: PLAN,
    statements: ['CREATE INDEX CONCURRENTLY t_named ON public.t USING btree (b)'],
    applied: { valid: ['t_named', 't_named_pgindex_new'] },
  },
  ...partitionedCases(),
];

/**
 * Partitioned tables: the new definition ON ONLY the parent under the temporary name, each
 * partition's index CONCURRENTLY and attached, the old one dropped with a plain DROP INDEX (its
 * locks, on the parent and every partition, said in its reason), then renamed. Each state a kill can
 * leave, made directly in SQL as above: the temporary parent absent, INVALID with some partitions'
 * indexes attached (or one built but not attached, or one INVALID), valid; the old one present or gone.
 */
function partitionedCases(): PlanCase[] {
  const P = [
    'CREATE TABLE p (a int, b int, at int) PARTITION BY RANGE (at)',
    'CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (50)',
    'CREATE TABLE p2 PARTITION OF p FOR VALUES FROM (50) TO (200)',
    'INSERT INTO p SELECT g, g, g FROM generate_series(1, 150) g',
    'ANALYZE p',
  ];
  const OLD = 'CREATE INDEX p_named ON p (a)';
  const PPLAN = ['version: 1', 'tables:', '  - name: p', '    indexes:', '      - columns: [b]', '        name: p_named', ''].join('\n');
  const PARENT = 'CREATE INDEX p_named_pgindex_new ON ONLY public.p USING btree (b)';
  const build = (n: 1 | 2) => `CREATE INDEX CONCURRENTLY p${n}_b_btree_idx ON public.p${n} USING btree (b)`;
  const attach = (n: 1 | 2) => `ALTER INDEX public.p_named_pgindex_new ATTACH PARTITION public.p${n}_b_btree_idx`;
  const DROP = 'DROP INDEX IF EXISTS public.p_named';
  const RENAME = 'ALTER INDEX public.p_named_pgindex_new RENAME TO p_named';
  const TEMP_PARENT = 'CREATE INDEX p_named_pgindex_new ON ONLY p (b)';
  /** A partition index's name of its own, when the old definition's holds the usual one. */
  const own = (n: 1 | 2) => withDisambiguator({ table: `p${n}`, columns: ['b'], method: 'btree', unique: false }, 'redefinition of public.p_named');
  const part = (n: 1 | 2) => [`CREATE INDEX p${n}_b_btree_idx ON p${n} (b)`];
  const attached = (n: 1 | 2) => [...part(n), `ALTER INDEX p_named_pgindex_new ATTACH PARTITION p${n}_b_btree_idx`];
  /** The old index's DROP is the one hazard, and its reason names the locks it takes on the parent and each partition. */
  const dropSays: PlanCase['more'] = ({ doc }) => {
    assert.ok(doc);
    const drops = doc.statements.filter((s) => (s as { hazard?: unknown }).hazard === 'drop');
    assert.equal(drops.length, 1);
    assert.equal(drops[0]?.sql, DROP);
    assert.match(drops[0]?.reason ?? '', /cannot be dropped CONCURRENTLY: DROP INDEX takes ACCESS EXCLUSIVE on public\.p and on each partition with an index attached to it \(public\.p1, public\.p2\)/);
    // The runner starts the DROP only once the new index is whole: after every ATTACH (and the ON
    // ONLY statement) of this plan; the rename only after the DROP.
    const drop = drops[0] as PlanJson['statements'][number];
    const before = doc.statements.filter((s) => s.action === 'attach' || s.action === 'create-parent').map((s) => s.id);
    assert.deepEqual([...drop.dependsOn].sort(), before.sort());
    assert.deepEqual(doc.statements.find((s) => s.action === 'rename')?.dependsOn, [drop.id]);
  };
  return [
    {
      name: 'partitioned: redefined online: ON ONLY under the temporary name, each partition CONCURRENTLY and attached, the old one dropped (its locks said), renamed',
      setup: [...P, OLD],
      plan: PPLAN,
      statements: [PARENT, build(1), attach(1), build(2), attach(2), DROP, RENAME],
      columns: ['p.b: rebuild btree (p_named exists with another definition (key 1 is a, planned b): replaced online)'],
      applied: { valid: ['p_named', 'p1_b_btree_idx', 'p2_b_btree_idx'] },
      more: dropSays,
    },
    {
      name: "partitioned: the old index's DROP and its locks in each output: SQL comment, JSON hazard, --explain line",
      setup: [...P, OLD],
      plan: PPLAN,
      statements: [PARENT, build(1), attach(1), build(2), attach(2), DROP, RENAME],
      more: async (run) => {
        await dropSays(run);
        const locks = 'ACCESS EXCLUSIVE on public\\.p and on each partition with an index attached to it \\(public\\.p1, public\\.p2\\)';
        assert.match(run.script, /^-- HAZARD: DROP public\.p_named on public\.p \(not CONCURRENTLY: ACCESS EXCLUSIVE lock\)$/m);
        assert.match(run.script, new RegExp(`^-- .*${locks}.*\\n${DROP};$`, 'm'));
        const explain = await run.plan(['--explain']);
        assert.match(explain.out, new RegExp(`^ {2}DROP public\\.p_named on public\\.p \\(not CONCURRENTLY: ACCESS EXCLUSIVE lock\\): .*${locks}`, 'm'));
      },
    },
    {
      name: 'partitioned: killed after the ON ONLY statement: every partition is built and attached',
      setup: [...P, OLD, TEMP_PARENT],
      plan: PPLAN,
      statements: [build(1), attach(1), build(2), attach(2), DROP, RENAME],
      applied: { valid: ['p_named'] },
      more: dropSays,
    },
    {
      name: 'partitioned: killed with one partition attached: the other is built and attached',
      setup: [...P, OLD, TEMP_PARENT, ...attached(1)],
      plan: PPLAN,
      statements: [build(2), attach(2), DROP, RENAME],
      applied: { valid: ['p_named'] },
      more: dropSays,
    },
    {
      name: "partitioned: killed during a partition's CONCURRENTLY build (left INVALID): dropped, built again, attached",
      setup: [...P, OLD, TEMP_PARENT, ...attached(1), ...part(2), invalid('p2_b_btree_idx')],
      plan: PPLAN,
      statements: ['DROP INDEX CONCURRENTLY IF EXISTS public.p2_b_btree_idx', build(2), attach(2), DROP, RENAME],
      applied: { valid: ['p_named'] },
      more: dropSays,
    },
    {
      name: "partitioned: killed after a partition's build, before its ATTACH: attached",
      setup: [...P, OLD, TEMP_PARENT, ...attached(1), ...part(2)],
      plan: PPLAN,
      statements: [attach(2), DROP, RENAME],
      applied: { valid: ['p_named'] },
      more: dropSays,
    },
    {
      name: 'partitioned: killed after the last ATTACH (the temporary index valid): the old one dropped, renamed',
      setup: [...P, OLD, TEMP_PARENT, ...attached(1), ...attached(2)],
      assume: ["(SELECT indisvalid FROM pg_index WHERE indexrelid = 'p_named_pgindex_new'::regclass)"],
      plan: PPLAN,
      statements: [DROP, RENAME],
      applied: { valid: ['p_named'] },
      more: dropSays,
    },
    {
      name: 'partitioned: killed after the DROP: only the rename is left',
      setup: [...P, TEMP_PARENT, ...attached(1), ...attached(2)],
      plan: PPLAN,
      statements: [RENAME],
      columns: ['p.b: rebuild btree (the redefinition of p_named was interrupted after the old index was dropped: p_named_pgindex_new is renamed)'],
      applied: { valid: ['p_named'] },
    },
    {
      name: 'partitioned: killed with the temporary index INVALID after the DROP (a partition detached and attached again): completed, then renamed',
      setup: [...P, TEMP_PARENT, ...attached(1)],
      plan: PPLAN,
      statements: [build(2), attach(2), RENAME],
      applied: { valid: ['p_named'] },
    },
    {
      name: "partitioned: the old definition's partition indexes hold the usual names: the new ones get names of their own, the same in every plan",
      setup: [...P, 'CREATE INDEX p_named ON ONLY p (b) WHERE b > 0', 'CREATE INDEX p1_b_btree_idx ON p1 (b) WHERE b > 0', 'ALTER INDEX p_named ATTACH PARTITION p1_b_btree_idx', 'CREATE INDEX p2_b_btree_idx ON p2 (b) WHERE b > 0', 'ALTER INDEX p_named ATTACH PARTITION p2_b_btree_idx'],
      plan: PPLAN,
      statements: [PARENT, `CREATE INDEX CONCURRENTLY ${own(1)} ON public.p1 USING btree (b)`, `ALTER INDEX public.p_named_pgindex_new ATTACH PARTITION public.${own(1)}`, `CREATE INDEX CONCURRENTLY ${own(2)} ON public.p2 USING btree (b)`, `ALTER INDEX public.p_named_pgindex_new ATTACH PARTITION public.${own(2)}`, DROP, RENAME],
      applied: { valid: ['p_named'] },
      more: async ({ plan }) => {
        // Deterministic: planning again gives the same names.
        const first = await plan([]);
        const second = await plan([]);
        assert.equal(first.out, second.out);
      },
    },
    {
      name: 'partitioned: a sub-partitioned partition gets its own ON ONLY index under the temporary tree, attached once its partitions are',
      setup: [
        'CREATE TABLE s (a int, b int, at int, k int) PARTITION BY RANGE (at)',
        'CREATE TABLE s1 PARTITION OF s FOR VALUES FROM (0) TO (50) PARTITION BY LIST (k)',
        'CREATE TABLE s1a PARTITION OF s1 FOR VALUES IN (0, 1)',
        'CREATE TABLE s2 PARTITION OF s FOR VALUES FROM (50) TO (200)',
        'INSERT INTO s SELECT g, g, g, g % 2 FROM generate_series(1, 150) g',
        'ANALYZE s',
        'CREATE INDEX s_named ON s (a)',
      ],
      plan: ['version: 1', 'tables:', '  - name: s', '    indexes:', '      - columns: [b]', '        name: s_named', ''].join('\n'),
      statements: [
        'CREATE INDEX s_named_pgindex_new ON ONLY public.s USING btree (b)',
        'CREATE INDEX s1_b_btree_idx ON ONLY public.s1 USING btree (b)',
        'CREATE INDEX CONCURRENTLY s1a_b_btree_idx ON public.s1a USING btree (b)',
        'ALTER INDEX public.s1_b_btree_idx ATTACH PARTITION public.s1a_b_btree_idx',
        'ALTER INDEX public.s_named_pgindex_new ATTACH PARTITION public.s1_b_btree_idx',
        'CREATE INDEX CONCURRENTLY s2_b_btree_idx ON public.s2 USING btree (b)',
        'ALTER INDEX public.s_named_pgindex_new ATTACH PARTITION public.s2_b_btree_idx',
        'DROP INDEX IF EXISTS public.s_named',
        'ALTER INDEX public.s_named_pgindex_new RENAME TO s_named',
      ],
      applied: { valid: ['s_named', 's1_b_btree_idx', 's1a_b_btree_idx', 's2_b_btree_idx'] },
      more: ({ doc }) => {
        assert.ok(doc);
        const drop = doc.statements.find((x) => x.action === 'drop');
        assert.match(drop?.reason ?? '', /ACCESS EXCLUSIVE on public\.s and on each partition with an index attached to it \(public\.s1, public\.s1a, public\.s2\)/);
      },
    },
    {
      name: 'partitioned: a UNIQUE constraint on the parent is refused, with the reason and the DDL that would do it (no USING INDEX on partitioned tables)',
      setup: [...P, 'ALTER TABLE p ADD CONSTRAINT p_named UNIQUE (a, at)'],
      plan: ['version: 1', 'tables:', '  - name: p', '    indexes:', '      - columns: [b, at]', '        unique: true', '        name: p_named', ''].join('\n'),
      error:
        /plan\.yaml:5:\d+: index public\.p_named has another definition \([^)]*\) but it backs the UNIQUE constraint p_named: pgindex does not replace it online[^\n]*\n {2}existing: CREATE UNIQUE INDEX p_named ON public\.p USING btree \(a, at\)\n {2}the DDL that would \(the ALTER TABLE builds the index of the partitioned table and of each partition under ACCESS EXCLUSIVE[^\n]*\n {4}ALTER TABLE public\.p DROP CONSTRAINT p_named, ADD CONSTRAINT p_named UNIQUE \(b, at\);/,
    },
    {
      name: 'partitioned: the temporary name held by a user index of another definition: a conflict naming it',
      setup: [...P, OLD, 'CREATE INDEX p_named_pgindex_new ON p (at)'],
      plan: PPLAN,
      error: /but public\.p_named_pgindex_new is an index of another definition \(key 1 is at, planned b\)/,
    },
  ];
}

planCases('pgindex_redef', cases);
