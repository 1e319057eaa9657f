/**
 * Issue 11, item 3: a plan never holds a DROP (or a redefinition) the connecting role cannot run.
 * DROP INDEX needs the owner of the table (a member of the owning role, or a superuser): planned as a
 * second role that owns one table, is a member of the role owning another, and neither of a third,
 * prune drops the undeclared indexes of the first two and lists the third's as kept, with why; a
 * redefinition on the third is refused at its plan line. Run on PostgreSQL 18 and 15.
 */
import assert from 'node:assert/strict';
import pg from 'pg';
import { planCases, type PlanCase } from './cases.js';

const password = 'owner-test-secret';
const AS = { user: '{db}_planner', password };
const ROLES = [`CREATE ROLE {db}_planner LOGIN PASSWORD '${password}'`, 'CREATE ROLE {db}_team NOLOGIN', 'GRANT {db}_team TO {db}_planner'];
const TEARDOWN = ['DROP OWNED BY {db}_planner', 'DROP OWNED BY {db}_team', 'DROP ROLE {db}_planner', 'DROP ROLE {db}_team'];
const TABLES = [
  ...['mine', 'shared', 'theirs'].flatMap((t) => [`CREATE TABLE ${t} (a int, b int)`, `CREATE INDEX ${t}_a ON ${t} (a)`, `CREATE INDEX ${t}_b ON ${t} (b)`, `ANALYZE ${t}`]),
  'ALTER TABLE mine OWNER TO {db}_planner',
  'ALTER TABLE shared OWNER TO {db}_team',
];
const entry = (t: string) => [`  - name: ${t}`, '    indexes:', '      - columns: [a]', `        name: ${t}_a`];

interface Kept {
  table: { name: string };
  index: { name: string };
  reason: string;
}

const cases: PlanCase[] = [
  {
    name: "prune as a role that owns one table and is a member of another's owner: their undeclared indexes dropped; a third table's kept, with why",
    setup: [...ROLES, ...TABLES],
    assume: ["NOT (SELECT rolsuper FROM pg_roles WHERE rolname = '{db}_planner')", "NOT pg_has_role('{db}_planner', 'postgres', 'USAGE')"],
    teardown: TEARDOWN,
    as: AS,
    plan: ['version: 1', 'prune: true', 'tables:', ...entry('mine'), ...entry('shared'), ...entry('theirs'), ''].join('\n'),
    statements: ['DROP INDEX CONCURRENTLY IF EXISTS public.mine_b', 'DROP INDEX CONCURRENTLY IF EXISTS public.shared_b'],
    more: async ({ doc, db, plan }) => {
      const kept = (doc as unknown as { kept: Kept[] }).kept;
      assert.deepEqual(
        kept.map((k) => `${k.table.name}.${k.index.name}: ${k.reason}`),
        [
          `theirs.theirs_b: only the owner of public.theirs (owned by postgres) can drop its indexes; the plan connects as ${db.name}_planner, which is neither a member of that role nor a superuser: DROP INDEX would fail`,
        ],
      );
      const explain = await plan(['--explain']);
      assert.match(explain.out, /^Kept although not declared \(prune\):\n {2}public\.theirs_b on public\.theirs: only the owner of public\.theirs /m);
      // The server agrees: as that role, the kept DROP fails and the planned ones run.
      const url = new URL(db.url);
      url.username = `${db.name}_planner`;
      url.password = password;
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      try {
        await assert.rejects(client.query('DROP INDEX CONCURRENTLY public.theirs_b'), /must be owner of index theirs_b/);
        for (const statement of doc?.statements ?? []) await client.query(statement.sql);
      } finally {
        await client.end();
      }
    },
  },
  {
    name: "redefinition on a table the role does not own: refused at its plan line, with why; nothing planned",
    setup: [...ROLES, ...TABLES],
    teardown: TEARDOWN,
    as: AS,
    plan: ['version: 1', 'tables:', '  - name: theirs', '    indexes:', '      - columns: [a, b]', '        name: theirs_a', ''].join('\n'),
    problems: [
      'plan.yaml:5:19: index public.theirs_a has another definition (1 key column(s), planned 2) but only the owner of public.theirs (owned by postgres) can build, drop and rename its indexes; the plan connects as {db}_planner, which is neither a member of that role nor a superuser: not redefined (connect as its owner, or GRANT the owning role to this one)',
    ],
  },
  {
    name: 'redefinition on a table owned by a role the planner is a member of: planned',
    setup: [...ROLES, ...TABLES],
    teardown: TEARDOWN,
    as: AS,
    plan: ['version: 1', 'tables:', '  - name: shared', '    indexes:', '      - columns: [a, b]', '        name: shared_a', ''].join('\n'),
    statements: [
      'CREATE INDEX CONCURRENTLY shared_a_pgindex_new ON public.shared USING btree (a, b)',
      'DROP INDEX CONCURRENTLY IF EXISTS public.shared_a',
      'ALTER INDEX public.shared_a_pgindex_new RENAME TO shared_a',
    ],
  },
  {
    name: "redefinition on a partitioned table the role owns, with a partition it does not: refused, naming the partition",
    setup: [
      ...ROLES,
      'CREATE TABLE pt (k int, a int, b int) PARTITION BY LIST (k)',
      'CREATE TABLE pt1 PARTITION OF pt FOR VALUES IN (1)',
      'CREATE TABLE pt2 PARTITION OF pt FOR VALUES IN (2)',
      'CREATE INDEX pt_named ON pt (a)',
      'ANALYZE pt',
      'ALTER TABLE pt OWNER TO {db}_planner',
      'ALTER TABLE pt1 OWNER TO {db}_planner',
    ],
    teardown: TEARDOWN,
    as: AS,
    plan: ['version: 1', 'tables:', '  - name: pt', '    indexes:', '      - columns: [b]', '        name: pt_named', ''].join('\n'),
    problems: [
      'plan.yaml:5:19: index public.pt_named has another definition (key 1 is a, planned b) but only the owner of public.pt2 (owned by postgres) can build its indexes (a partition of public.pt); the plan connects as {db}_planner, which is neither a member of that role nor a superuser: not redefined (connect as its owner, or GRANT the owning role to this one)',
    ],
  },
];

planCases('pgindex_owner', cases);
