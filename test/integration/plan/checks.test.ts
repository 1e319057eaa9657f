/**
 * `pgindex plan` against a real server, for what QA found in round 1: planning bounded by
 * lock_timeout behind another session's lock (#4), overlapping globs (#5), statements the server
 * would refuse found at plan time (#9), one index planned once (#10), an existing index that does not
 * serve the column's collation or operator class (#11), materialized views and views (#12), and every
 * planning problem reported in one run (#13). One table of cases (cases.ts), each on a database
 * of its own.
 */
import { planCases, type PlanCase } from './cases.js';

const ORDERS = [
  'CREATE TABLE orders (id int PRIMARY KEY, total numeric, status text, note text)',
  "INSERT INTO orders SELECT g, g, 's' || (g % 7), 'n' || g FROM generate_series(1, 500) g",
  'ANALYZE orders',
];
const GP = [
  'CREATE TABLE gp (id int, v int, k int) PARTITION BY LIST (k)',
  'CREATE TABLE gp_1 PARTITION OF gp FOR VALUES IN (1)',
  'CREATE TABLE gp_2 PARTITION OF gp FOR VALUES IN (2)',
  'INSERT INTO gp SELECT g, g, 1 + g % 2 FROM generate_series(1, 200) g',
  'ANALYZE gp',
];
const T3 = ['CREATE TABLE t3 (z text, y text)', 'CREATE INDEX foo_coll ON t3 (z COLLATE "C")', 'CREATE INDEX foo_pattern ON t3 (y text_pattern_ops)', 'ANALYZE t3'];

/** A role of the case's database, which plans as it; dropped with what it owns after the case. */
const role = (suffix: string, password: string) => ({
  create: `CREATE ROLE {db}_${suffix} LOGIN PASSWORD '${password}'`,
  as: { user: `{db}_${suffix}`, password },
  teardown: [`DROP OWNED BY {db}_${suffix}`, `DROP ROLE {db}_${suffix}`],
});
const other = role('other', 'other-secret');
const parent = role('parent', 'parent-secret');

const cases: PlanCase[] = [
  {
    name: "QA #4: behind another session's ACCESS EXCLUSIVE lock, plain columns are planned within lock_timeout: nothing in planning needs a lock on the table",
    setup: ORDERS,
    lockedBy: 'LOCK TABLE orders IN ACCESS EXCLUSIVE MODE',
    elapsedMs: { max: 5000 },
    plan: 'version: 1\nlock_timeout: 1s\ntables:\n  - name: orders\n    columns: [total]\n',
    statements: ['CREATE INDEX CONCURRENTLY orders_total_btree_idx ON public.orders USING btree (total)'],
    columns: ['orders.total: create btree (numeric → btree)'],
  },
  {
    name: "QA #4: behind another session's lock, a `where` (checked on a copy of the table) is a problem at its line, within lock_timeout, saying who holds it",
    setup: ORDERS,
    lockedBy: 'LOCK TABLE orders IN ACCESS EXCLUSIVE MODE',
    elapsedMs: { max: 5000 },
    plan: "version: 1\nlock_timeout: 1s\ntables:\n  - name: orders\n    columns:\n      - name: total\n        where: status = 'paid'\n",
    problems: [
      "plan.yaml:6:15: where: status = 'paid': could not be checked on the server: gave up waiting for a lock (lock_timeout 1s): another session holds a lock on table public.orders (pid {pid} holds AccessExclusiveLock) (plan again once it is released, or give the plan a longer lock_timeout)",
    ],
  },
  {
    name: 'QA #4: lock_timeout 0 in the plan still bounds planning (5 s)',
    setup: ['CREATE TABLE locked_partial (id int, v int)', 'CREATE INDEX locked_partial_v ON locked_partial (v) WHERE v > 0'],
    lockedBy: 'LOCK TABLE locked_partial IN ACCESS EXCLUSIVE MODE',
    elapsedMs: { min: 4500, max: 9000 },
    plan: 'version: 1\nlock_timeout: 0\ntables:\n  - name: locked_partial\n    columns: [id]\n',
    error:
      'pgindex plan: reading the definitions of existing indexes: gave up waiting for a lock (lock_timeout 5s): another session holds a lock on table public.locked_partial (pid {pid} holds AccessExclusiveLock). Plan again once it is released, or give the plan a longer lock_timeout; nothing was run.',
  },
  {
    name: 'QA #5: overlapping globs merge per table; nothing is dropped silently',
    setup: GP,
    plan: 'version: 1\ntables:\n  - name: "gp*"\n    columns: [v]\n  - name: "gp_?"\n    columns: [id]\n',
    statements: [
      'CREATE INDEX gp_v_btree_idx ON ONLY public.gp USING btree (v)',
      'CREATE INDEX CONCURRENTLY gp_1_v_btree_idx ON public.gp_1 USING btree (v)',
      'ALTER INDEX public.gp_v_btree_idx ATTACH PARTITION public.gp_1_v_btree_idx',
      'CREATE INDEX CONCURRENTLY gp_2_v_btree_idx ON public.gp_2 USING btree (v)',
      'ALTER INDEX public.gp_v_btree_idx ATTACH PARTITION public.gp_2_v_btree_idx',
      'CREATE INDEX CONCURRENTLY gp_1_id_btree_idx ON public.gp_1 USING btree (id)',
      'CREATE INDEX CONCURRENTLY gp_2_id_btree_idx ON public.gp_2 USING btree (id)',
    ],
    columns: [
      'gp.v: create btree (integer → btree; 2 partition(s): 2 to build, 2 to attach)',
      'gp_1.id: create btree (integer → btree)',
      'gp_2.id: create btree (integer → btree)',
    ],
  },
  {
    name: "QA #5: an exact name for a partition adds to a glob's columns the same way",
    setup: GP,
    plan: 'version: 1\ntables:\n  - name: "gp*"\n    columns: [v]\n  - name: gp_1\n    columns: [id, {name: v, method: hash}]\n',
    statements: [
      'CREATE INDEX gp_v_btree_idx ON ONLY public.gp USING btree (v)',
      'CREATE INDEX CONCURRENTLY gp_1_v_btree_idx ON public.gp_1 USING btree (v)',
      'ALTER INDEX public.gp_v_btree_idx ATTACH PARTITION public.gp_1_v_btree_idx',
      'CREATE INDEX CONCURRENTLY gp_2_v_btree_idx ON public.gp_2 USING btree (v)',
      'ALTER INDEX public.gp_v_btree_idx ATTACH PARTITION public.gp_2_v_btree_idx',
      'CREATE INDEX CONCURRENTLY gp_1_id_btree_idx ON public.gp_1 USING btree (id)',
      'CREATE INDEX CONCURRENTLY gp_1_v_hash_idx ON public.gp_1 USING hash (v)',
    ],
    columns: [
      'gp.v: create btree (integer → btree; 2 partition(s): 2 to build, 2 to attach)',
      'gp_1.id: create btree (integer → btree)',
      'gp_1.v: create hash (hash given in the plan)',
    ],
  },
  {
    name: 'QA #9 and #13: every problem the server would raise later is reported now, together, each at its plan line',
    setup: [...ORDERS, ...GP, other.create, 'CREATE TABLE mine (a int, b int)', 'ALTER TABLE mine OWNER TO {db}_other', 'GRANT SELECT ON orders TO {db}_other'],
    teardown: other.teardown,
    as: other.as,
    plan: [
      'version: 1', //                                   1
      'tables:', //                                      2
      '  - name: gp', //                                 3
      '    columns:', //                                 4
      '      - name: v', //                              5
      '        unique: true', //                         6
      '  - name: mine', //                               7
      '    columns:', //                                 8
      '      - name: a', //                              9
      '        tablespace: pg_global', //                10
      '      - name: b', //                              11
      '        tablespace: nowhere', //                  12
      '      - name: a', //                              13
      '        opclass: no_such_ops', //                 14
      '      - name: b', //                              15
      '        method: bloom', //                        16
      '      - name: b', //                              17
      '        where: nope > 0', //                      18
      '      - name: a', //                              19
      '        opclass: jsonb_path_ops', //              20
      '        method: gin', //                          21
      '      - name: a', //                              22
      '        opclass: gin_trgm_ops', //                23
      '  - name: orders', //                             24
      '    columns: [total]', //                         25
      '',
    ].join('\n'),
    problems: [
      'plan.yaml:5:15: public.gp.v: unique: true on a partitioned table needs every partition key column in the index, but public.gp is partitioned by (k) (a unique index on one partition is possible: name the partition as a table of its own)',
      'plan.yaml:5:15: permission denied: only the owner of public.gp (owned by postgres) can create indexes on it; the plan connects as {db}_other, which is neither a member of that role nor a superuser (connect as its owner, or GRANT the owning role to this one)',
      'plan.yaml:9:15: tablespace "pg_global" holds only shared system catalogs: no index can be placed there (name another tablespace, or leave tablespace out for the default)',
      'plan.yaml:11:15: tablespace "nowhere" does not exist (existing: pg_default)',
      'plan.yaml:13:15: public.mine.a: operator class "no_such_ops" does not exist',
      'plan.yaml:15:15: public.mine.b: access method "bloom" does not exist on this server (it has brin, btree, gin, gist, hash, spgist); CREATE EXTENSION bloom adds it',
      'plan.yaml:17:15: where: nope > 0: column "nope" does not exist',
      'plan.yaml:19:15: public.mine.a: operator class "jsonb_path_ops" does not accept integer (gin jsonb_path_ops takes jsonb)',
      'plan.yaml:22:15: public.mine.a: operator class "gin_trgm_ops" does not exist; CREATE EXTENSION pg_trgm provides it',
      'plan.yaml:25:15: permission denied: only the owner of public.orders (owned by postgres) can create indexes on it; the plan connects as {db}_other, which is neither a member of that role nor a superuser (connect as its owner, or GRANT the owning role to this one)',
    ],
  },
  {
    name: 'QA #9: a partition owned by another role is a problem under concurrently',
    setup: [
      parent.create,
      'CREATE TABLE owned (k int, v int) PARTITION BY LIST (k)',
      'CREATE TABLE owned_1 PARTITION OF owned FOR VALUES IN (1)',
      'CREATE TABLE owned_2 PARTITION OF owned FOR VALUES IN (2)',
      'ALTER TABLE owned OWNER TO {db}_parent',
      'ALTER TABLE owned_2 OWNER TO {db}_parent',
    ],
    teardown: parent.teardown,
    as: parent.as,
    plan: 'version: 1\ntables:\n  - name: owned\n    columns: [v]\n',
    problems: [
      "plan.yaml:4:15: permission denied: only the owner of public.owned_1 (owned by postgres) can create indexes on it; the plan connects as {db}_parent, which is neither a member of that role nor a superuser (it is a partition of public.owned: with concurrently: false one CREATE INDEX on public.owned builds it, which needs only that table's owner)",
    ],
  },
  {
    name: 'QA #9: a partition owned by another role is no problem when one CREATE INDEX goes through the parent',
    setup: [
      parent.create,
      'CREATE TABLE owned (k int, v int) PARTITION BY LIST (k)',
      'CREATE TABLE owned_1 PARTITION OF owned FOR VALUES IN (1)',
      'CREATE TABLE owned_2 PARTITION OF owned FOR VALUES IN (2)',
      'ALTER TABLE owned OWNER TO {db}_parent',
      'ALTER TABLE owned_2 OWNER TO {db}_parent',
    ],
    teardown: parent.teardown,
    as: parent.as,
    plan: 'version: 1\nconcurrently: false\ntables:\n  - name: owned\n    columns: [v]\n',
    statements: ['CREATE INDEX owned_v_btree_idx ON public.owned USING btree (v)'],
    warnings: ['table public.owned was never analyzed; statistics rules were not applied (set analyze: true)'],
  },
  {
    name: 'QA #10: two entries giving the same index plan it once, with a warning naming both lines',
    setup: ORDERS,
    plan: 'version: 1\ntables:\n  - name: orders\n    columns:\n      - name: total\n        method: btree\n      - name: total\n        method: btree\n        opclass: numeric_ops\n',
    statements: ['CREATE INDEX CONCURRENTLY orders_total_btree_idx ON public.orders USING btree (total)'],
    warnings: ['plan.yaml:7:15: public.orders.total gives the same index as plan.yaml:5:15 (btree): planned once'],
  },
  {
    name: 'QA #11: an index in another collation or with another operator class does not lead the column',
    setup: T3,
    plan: 'version: 1\ntables:\n  - name: t3\n    columns: all\n',
    statements: ['CREATE INDEX CONCURRENTLY t3_z_btree_idx ON public.t3 USING btree (z)', 'CREATE INDEX CONCURRENTLY t3_y_btree_idx ON public.t3 USING btree (y)'],
    columns: ['t3.z: create btree (text → btree)', 't3.y: create btree (text → btree)'],
  },
  {
    name: "QA #11: the same index in the column's own collation and default operator class does lead it",
    setup: ['CREATE TABLE t4 (z text)', 'CREATE INDEX t4_z ON t4 (z COLLATE "default")'],
    plan: 'version: 1\ntables:\n  - name: t4\n    columns: all\n',
    statements: [],
    columns: ['t4.z: exists - (already led by valid index public.t4_z (btree))'],
    warnings: ['table public.t4 was never analyzed; statistics rules were not applied (set analyze: true)'],
  },
  {
    name: 'QA #12: a materialized view is indexed, CONCURRENTLY included',
    setup: [...ORDERS, 'CREATE MATERIALIZED VIEW mv_orders AS SELECT id, status FROM orders', 'ANALYZE mv_orders'],
    plan: 'version: 1\ntables:\n  - name: mv_orders\n    columns: [status]\n',
    statements: ['CREATE INDEX CONCURRENTLY mv_orders_status_btree_idx ON public.mv_orders USING btree (status)'],
    applied: { valid: ['mv_orders_status_btree_idx'] },
  },
  {
    name: 'QA #12: a view or a sequence is an error that says what it is',
    setup: [...ORDERS, 'CREATE VIEW v_orders AS SELECT id FROM orders', 'CREATE SEQUENCE seq_orders'],
    plan: 'version: 1\ntables:\n  - name: v_orders\n    columns: all\n  - name: public.seq_orders\n    columns: all\n',
    problems: [
      'plan.yaml:3:11: public.v_orders is a view: only tables, partitioned tables and materialized views can be indexed',
      'plan.yaml:5:11: public.seq_orders is a sequence: only tables, partitioned tables and materialized views can be indexed',
    ],
  },
];

planCases('pgindex_checks', cases);
