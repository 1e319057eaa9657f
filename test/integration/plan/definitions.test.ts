/**
 * Issue 10: complete index definitions (`indexes:`), as a table of cases on a real server (cases.ts):
 * each key and index field, what is wrong with them reported at its plan line, and the matching rules
 * (an equivalent index under any name is nothing to do). Run on PostgreSQL 18 and 15.
 */
import assert from 'node:assert/strict';
import { planCases, type PlanCase } from './cases.js';

const ORDERS = [
  'CREATE TABLE orders (id int, customer_id int, created_at timestamptz, email text, uid int, amount numeric, status text, ts timestamptz)',
  "INSERT INTO orders SELECT g, g % 50, now() - g * interval '1 minute', 'U' || g || '@x', g, g, 's' || (g % 3), now() FROM generate_series(1, 300) g",
  'ANALYZE orders',
];
const T = ['CREATE TABLE t (a int, b int, c int, email text, tags int[])', 'ANALYZE t'];
const plan = (...entries: string[]) => ['version: 1', 'tables:', '  - name: t', '    indexes:', ...entries].join('\n') + '\n';

const cases: PlanCase[] = [
  {
    name: "the issue's example, exactly as written: applied, then nothing to do",
    setup: ORDERS,
    plan: [
      'version: 1',
      'tables:',
      '  - name: orders',
      '    indexes:',
      '      - columns: [customer_id, {name: created_at, order: desc, nulls: last}]',
      '      - columns: [{expression: "lower(email)"}]',
      '        name: orders_email_lower_idx',
      '      - columns: [uid]',
      '        unique: true',
      '        nulls_not_distinct: true',
      '      - columns: [amount]',
      '        include: [status]',
      '        where: "amount > 0"',
      '        with: {fillfactor: 70}',
      '      - columns: [{name: email, opclass: text_pattern_ops, collation: "C"}]',
      '      - columns: [ts]',
      '        method: brin',
      '        with: {pages_per_range: 32}',
      '',
    ].join('\n'),
    statements: [
      'CREATE INDEX CONCURRENTLY orders_customer_id_created_at_desc_nulls_last_btree_idx ON public.orders USING btree (customer_id, created_at DESC NULLS LAST)',
      'CREATE INDEX CONCURRENTLY orders_email_lower_idx ON public.orders USING btree ((lower(email)))',
      'CREATE UNIQUE INDEX CONCURRENTLY orders_uid_btree_uniq ON public.orders USING btree (uid) NULLS NOT DISTINCT',
      'CREATE INDEX CONCURRENTLY orders_amount_btree_idx ON public.orders USING btree (amount) INCLUDE (status) WITH (fillfactor = 70) WHERE amount > 0',
      'CREATE INDEX CONCURRENTLY orders_email_btree_idx ON public.orders USING btree (email COLLATE "C" text_pattern_ops)',
      'CREATE INDEX CONCURRENTLY orders_ts_brin_idx ON public.orders USING brin (ts) WITH (pages_per_range = 32)',
    ],
    applied: {
      valid: [
        'orders_customer_id_created_at_desc_nulls_last_btree_idx',
        'orders_email_lower_idx',
        'orders_uid_btree_uniq',
        'orders_amount_btree_idx',
        'orders_email_btree_idx',
        'orders_ts_brin_idx',
      ],
    },
  },
  {
    name: 'order and nulls: an existing (a DESC NULLS LAST) is {name: a, order: desc, nulls: last}, not {name: a, order: desc}',
    setup: [...T, 'CREATE INDEX t_a_by_hand ON t (a DESC NULLS LAST)'],
    plan: plan('      - columns: [{name: a, order: desc, nulls: last}]', '      - columns: [{name: a, order: desc}]'),
    statements: ['CREATE INDEX CONCURRENTLY t_a_desc_btree_idx ON public.t USING btree (a DESC)'],
    columns: [
      't.a DESC NULLS LAST: exists btree (equivalent index public.t_a_by_hand exists under another name)',
      't.a DESC: create btree (btree, the default for a key with an order)',
    ],
    applied: { valid: ['t_a_desc_btree_idx'] },
  },
  {
    name: 'a partial unique index, INCLUDE as a set, storage parameters as their types read them: each re-plans to nothing',
    setup: [
      ...T,
      'CREATE UNIQUE INDEX t_partial_unique ON t (a) WHERE b > 0',
      'CREATE INDEX t_covering ON t (b) INCLUDE (c, a)',
      'CREATE INDEX t_stored ON t (c) WITH (fillfactor = 70, deduplicate_items = off)',
    ],
    plan: plan(
      '      - columns: [a]',
      '        unique: true',
      '        where: b > 0',
      '      - columns: [b]',
      '        include: [a, c]',
      '      - columns: [c]',
      '        with: {deduplicate_items: false, fillfactor: 70}',
    ),
    statements: [],
    columns: [
      't.a: exists btree (equivalent index public.t_partial_unique exists under another name)',
      't.b: exists btree (equivalent index public.t_covering exists under another name)',
      't.c: exists btree (equivalent index public.t_stored exists under another name)',
    ],
  },
  {
    name: 'an expression is compared as the server writes it: LOWER( email ) is the existing lower(email); another fillfactor is another index',
    setup: [...T, 'CREATE INDEX t_email_lower ON t (lower(email))', 'CREATE INDEX t_b_ff ON t (b) WITH (fillfactor = 50)'],
    plan: plan('      - columns: [{expression: "LOWER( email )"}]', '      - columns: [b]', '        with: {fillfactor: 70}'),
    statements: ['CREATE INDEX CONCURRENTLY t_b_btree_idx ON public.t USING btree (b) WITH (fillfactor = 70)'],
    columns: [
      't.(LOWER( email )): exists btree (equivalent index public.t_email_lower exists under another name)',
      't.b: create btree (btree, the default for an index with storage parameters)',
    ],
    applied: { valid: ['t_b_btree_idx'] },
  },
  {
    name: 'a single plain column gets the advisor\'s method (gin for an array); several keys, btree; gist with its storage parameter',
    setup: [...T, 'CREATE TABLE r (span int4range, k int)', 'ANALYZE r'],
    plan: [
      'version: 1',
      'tables:',
      '  - name: t',
      '    indexes:',
      '      - columns: [tags]',
      '      - columns: [a, b]',
      '      - columns: [email]',
      '        method: hash',
      '        with: {fillfactor: 60}',
      '      - columns: [tags]',
      '        method: gin',
      '        with: {fastupdate: true, gin_pending_list_limit: 256}',
      '        name: t_tags_fast',
      '      - columns: [c]',
      '        method: brin',
      '        with: {autosummarize: true}',
      '        concurrently: false',
      '  - name: r',
      '    indexes:',
      '      - columns: [span]',
      '        method: gist',
      '        with: {buffering: "off", fillfactor: 80}',
      '      - columns: [span]',
      '        method: spgist',
      '        with: {fillfactor: 70}',
      '',
    ].join('\n'),
    statements: [
      'CREATE INDEX CONCURRENTLY t_tags_gin_idx ON public.t USING gin (tags)',
      'CREATE INDEX CONCURRENTLY t_a_b_btree_idx ON public.t USING btree (a, b)',
      'CREATE INDEX CONCURRENTLY t_email_hash_idx ON public.t USING hash (email) WITH (fillfactor = 60)',
      'CREATE INDEX CONCURRENTLY t_tags_fast ON public.t USING gin (tags) WITH (fastupdate = on, gin_pending_list_limit = 256)',
      'CREATE INDEX t_c_brin_idx ON public.t USING brin (c) WITH (autosummarize = on)',
      'CREATE INDEX CONCURRENTLY r_span_gist_idx ON public.r USING gist (span) WITH (buffering = off, fillfactor = 80)',
      'CREATE INDEX CONCURRENTLY r_span_spgist_idx ON public.r USING spgist (span) WITH (fillfactor = 70)',
    ],
    applied: { valid: ['t_tags_gin_idx', 't_a_b_btree_idx', 't_email_hash_idx', 't_tags_fast', 't_c_brin_idx', 'r_span_gist_idx', 'r_span_spgist_idx'] },
  },
  {
    name: 'everything wrong in the file is reported together at its line, before anything runs',
    setup: T,
    plan: plan(
      '      - columns: [{name: a, expression: "a + 1"}]',
      '      - columns: [a]',
      '        method: brin',
      '        with: {fillfactor: 70}',
      '      - columns: [a, b]',
      '        method: hash',
      '      - columns: [{name: a, order: desc}]',
      '        method: gin',
      '      - columns: [a]',
      '        method: brin',
      '        include: [b]',
      '      - columns: [a]',
      '        nulls_not_distinct: true',
      '      - columns: [a]',
      '        with: {fillfactr: 70}',
    ),
    problems: [
      'plan.yaml:5:19: a key has both name and expression: give one of them',
      'plan.yaml:8:16: with: brin indexes do not take storage parameter fillfactor (btree, hash, gist, spgist take it; brin takes pages_per_range, autosummarize)',
      'plan.yaml:10:17: hash indexes cannot have several keys (one key per index, or method btree, gist, gin or brin)',
      'plan.yaml:11:19: order and nulls need an ordered method (btree), not gin (gin indexes have no sort order)',
      'plan.yaml:15:18: include needs method btree, gist or spgist, not brin (brin indexes cannot store INCLUDE columns)',
      'plan.yaml:17:29: nulls_not_distinct needs unique: true (NULLS NOT DISTINCT is an option of UNIQUE indexes)',
      'plan.yaml:19:16: unknown key "fillfactr" (did you mean "fillfactor"?)',
    ],
  },
  {
    name: 'what only the catalog or the server can say: a function, a collation, an operator class, a missing column, a column without collation',
    setup: T,
    plan: plan(
      '      - columns: [{expression: "no_such_function(a)"}]',
      '      - columns: [{name: email, collation: "no-such-collation"}]',
      '      - columns: [{name: a, opclass: text_pattern_ops}]',
      '      - columns: [nope]',
      '      - columns: [{name: a, collation: "C"}]',
    ),
    problems: [
      'plan.yaml:5:19: (no_such_function(a)): function no_such_function(integer) does not exist',
      /^plan\.yaml:6:19: email COLLATE "no-such-collation": collation "no-such-collation" for encoding "(UTF8|SQL_ASCII)" does not exist$/,
      'plan.yaml:7:19: public.t.a: operator class "text_pattern_ops" does not accept integer (btree text_pattern_ops takes text)',
      'plan.yaml:8:19: column "nope" does not exist in public.t',
      'plan.yaml:9:19: a COLLATE "C": collations are not supported by type integer',
    ],
  },
  {
    name: 'a partitioned table: an expression index rolls out online (ON ONLY, each partition, ATTACH), then nothing to do',
    setup: [
      'CREATE TABLE p (id int, email text, k int) PARTITION BY LIST (k)',
      'CREATE TABLE p_1 PARTITION OF p FOR VALUES IN (1)',
      'CREATE TABLE p_2 PARTITION OF p FOR VALUES IN (2)',
      'ANALYZE p',
    ],
    plan: ['version: 1', 'tables:', '  - name: p', '    indexes:', '      - columns: [{expression: "lower(email)"}, {name: id, order: desc}]', ''].join('\n'),
    statements: [
      'CREATE INDEX p_lower_email_id_desc_btree_idx ON ONLY public.p USING btree ((lower(email)), id DESC)',
      'CREATE INDEX CONCURRENTLY p_1_lower_email_id_desc_btree_idx ON public.p_1 USING btree ((lower(email)), id DESC)',
      'ALTER INDEX public.p_lower_email_id_desc_btree_idx ATTACH PARTITION public.p_1_lower_email_id_desc_btree_idx',
      'CREATE INDEX CONCURRENTLY p_2_lower_email_id_desc_btree_idx ON public.p_2 USING btree ((lower(email)), id DESC)',
      'ALTER INDEX public.p_lower_email_id_desc_btree_idx ATTACH PARTITION public.p_2_lower_email_id_desc_btree_idx',
    ],
    applied: { valid: ['p_lower_email_id_desc_btree_idx'] },
  },
  {
    name: 'a partitioned table: unique NULLS NOT DISTINCT with INCLUDE and storage parameters rolls out online, then nothing to do',
    setup: [
      'CREATE TABLE q (id int, k int, note text) PARTITION BY LIST (k)',
      'CREATE TABLE q_1 PARTITION OF q FOR VALUES IN (1)',
      'CREATE TABLE q_2 PARTITION OF q FOR VALUES IN (2)',
      'ANALYZE q',
    ],
    plan: ['version: 1', 'tables:', '  - name: q', '    indexes:', '      - columns: [k, id]', '        unique: true', '        nulls_not_distinct: true', '        include: [note]', '        with: {fillfactor: 80}', ''].join('\n'),
    statements: [
      'CREATE UNIQUE INDEX q_k_id_btree_uniq ON ONLY public.q USING btree (k, id) INCLUDE (note) NULLS NOT DISTINCT WITH (fillfactor = 80)',
      'CREATE UNIQUE INDEX CONCURRENTLY q_1_k_id_btree_uniq ON public.q_1 USING btree (k, id) INCLUDE (note) NULLS NOT DISTINCT WITH (fillfactor = 80)',
      'ALTER INDEX public.q_k_id_btree_uniq ATTACH PARTITION public.q_1_k_id_btree_uniq',
      'CREATE UNIQUE INDEX CONCURRENTLY q_2_k_id_btree_uniq ON public.q_2 USING btree (k, id) INCLUDE (note) NULLS NOT DISTINCT WITH (fillfactor = 80)',
      'ALTER INDEX public.q_k_id_btree_uniq ATTACH PARTITION public.q_2_k_id_btree_uniq',
    ],
    applied: { valid: ['q_k_id_btree_uniq'] },
  },
  {
    name: 'an interrupted roll-out of an expression index (the parent ON ONLY, one partition attached) is completed, not rebuilt',
    setup: [
      'CREATE TABLE p (id int, email text, k int) PARTITION BY LIST (k)',
      'CREATE TABLE p_1 PARTITION OF p FOR VALUES IN (1)',
      'CREATE TABLE p_2 PARTITION OF p FOR VALUES IN (2)',
      'ANALYZE p',
      'CREATE INDEX p_lower_email_btree_idx ON ONLY p (lower(email))',
      'CREATE INDEX p_1_by_hand ON p_1 (LOWER(email))',
      'ALTER INDEX p_lower_email_btree_idx ATTACH PARTITION p_1_by_hand',
    ],
    assume: ["NOT (SELECT indisvalid FROM pg_index WHERE indexrelid = 'p_lower_email_btree_idx'::regclass)"],
    plan: ['version: 1', 'tables:', '  - name: p', '    indexes:', '      - columns: [{expression: "Lower(email)"}]', ''].join('\n'),
    statements: [
      'CREATE INDEX CONCURRENTLY p_2_lower_email_btree_idx ON public.p_2 USING btree ((Lower(email)))',
      'ALTER INDEX public.p_lower_email_btree_idx ATTACH PARTITION public.p_2_lower_email_btree_idx',
    ],
    columns: [
      'p.(Lower(email)): rebuild btree (btree, the default for an expression; completes the unfinished partitioned index p_lower_email_btree_idx: 1 partition index(es) to build, 1 to attach)',
    ],
    applied: { valid: ['p_lower_email_btree_idx'] },
  },
  {
    name: 'a table never analyzed: no warning for definitions that need no statistics, the usual one when the advisor chooses',
    setup: ['CREATE TABLE u (a int, b int)', 'CREATE TABLE w (a int)'],
    plan: ['version: 1', 'tables:', '  - name: u', '    indexes:', '      - columns: [a, b]', '  - name: w', '    indexes:', '      - columns: [a]', ''].join('\n'),
    statements: ['CREATE INDEX CONCURRENTLY u_a_b_btree_idx ON public.u USING btree (a, b)', 'CREATE INDEX CONCURRENTLY w_a_btree_idx ON public.w USING btree (a)'],
    warnings: ['table public.w was never analyzed; statistics rules were not applied (set analyze: true)'],
  },
  {
    name: 'tablespace pg_global in an entry is a problem at its line, as anywhere in a plan',
    setup: T,
    plan: plan('      - columns: [a]', '        tablespace: pg_default', '      - columns: [c]', '        tablespace: pg_global'),
    problems: [
      'plan.yaml:7:19: tablespace "pg_global" holds only shared system catalogs: no index can be placed there (name another tablespace, or leave tablespace out for the default)',
    ],
  },
  {
    name: 'tablespace given in the entry: an index in the default tablespace is equivalent to one planned in pg_default',
    setup: [...T, 'CREATE INDEX t_a_by_hand ON t (a)'],
    plan: plan('      - columns: [a]', '        tablespace: pg_default', '      - columns: [b]', '        tablespace: pg_default'),
    statements: ['CREATE INDEX CONCURRENTLY t_b_btree_idx ON public.t USING btree (b) TABLESPACE pg_default'],
    columns: [
      't.a: exists btree (equivalent index public.t_a_by_hand exists under another name)',
      't.b: create btree (integer → btree)',
    ],
    applied: { valid: ['t_b_btree_idx'] },
  },
  {
    // On the same table it is redefined online (redefine.test.ts).
    name: 'an explicit name held by an index of a table outside the plan is an error, showing it',
    setup: [...T, 'CREATE TABLE u (a int)', 'CREATE INDEX t_named ON u (a)'],
    plan: plan('      - columns: [b]', '        name: t_named'),
    error: /public\.t_named is already a index: CREATE INDEX t_named ON public\.u USING btree \(a\)/,
  },
];

cases.push(
  {
    name: "behind another session's lock, an expression (checked on a copy of the table) is a problem at its line within lock_timeout, naming the session",
    setup: T,
    lockedBy: 'LOCK TABLE t IN ACCESS EXCLUSIVE MODE',
    plan: ['version: 1', 'lock_timeout: 1s', 'tables:', '  - name: t', '    indexes:', '      - columns: [{expression: "a + b"}]', ''].join('\n'),
    problems: [
      'plan.yaml:6:19: (a + b): could not be checked on the server: gave up waiting for a lock (lock_timeout 1s): another session holds a lock on table public.t (pid {pid} holds AccessExclusiveLock) (plan again once it is released, or give the plan a longer lock_timeout)',
    ],
  },
  {
    name: 'an INVALID leftover with the planned name is dropped and built again, for a definition of several keys',
    setup: [
      ...T,
      'INSERT INTO t (a, b) VALUES (1, 1), (1, 1)',
      { sql: 'CREATE UNIQUE INDEX CONCURRENTLY t_a_b_desc_btree_idx ON t (a, b DESC)', fails: /could not create unique index/ },
    ],
    assume: ["NOT (SELECT indisvalid FROM pg_index WHERE indexrelid = 't_a_b_desc_btree_idx'::regclass)"],
    plan: plan('      - columns: [a, {name: b, order: desc}]'),
    statements: [
      'DROP INDEX CONCURRENTLY IF EXISTS public.t_a_b_desc_btree_idx',
      'CREATE INDEX CONCURRENTLY t_a_b_desc_btree_idx ON public.t USING btree (a, b DESC)',
    ],
    columns: [
      't.a, b DESC: rebuild btree (btree, the default for several keys; INVALID index t_a_b_desc_btree_idx was left by an interrupted build (its definition differed: it is unique, the plan is not))',
    ],
    applied: { valid: ['t_a_b_desc_btree_idx'] },
  },
  {
    name: 'NULLS NOT DISTINCT is part of the definition: a unique index without it is another index',
    setup: [...T, 'CREATE UNIQUE INDEX t_a_unique ON t (a)', 'CREATE UNIQUE INDEX t_b_nnd ON t (b) NULLS NOT DISTINCT'],
    plan: plan('      - columns: [a]', '        unique: true', '        nulls_not_distinct: true', '      - columns: [b]', '        unique: true', '        nulls_not_distinct: true'),
    statements: ['CREATE UNIQUE INDEX CONCURRENTLY t_a_btree_uniq ON public.t USING btree (a) NULLS NOT DISTINCT'],
    columns: [
      't.a: create btree (btree, the default for a unique index)',
      't.b: exists btree (equivalent index public.t_b_nnd exists under another name)',
    ],
    applied: { valid: ['t_a_btree_uniq'] },
  },
  {
    name: 'unique on a partitioned table: several keys that hold the partition key are fine, keys that do not are a problem',
    setup: [
      'CREATE TABLE p (id int, k int, v text) PARTITION BY LIST (k)',
      'CREATE TABLE p_1 PARTITION OF p FOR VALUES IN (1)',
      'ANALYZE p',
    ],
    plan: ['version: 1', 'tables:', '  - name: p', '    indexes:', '      - columns: [id, k]', '        unique: true', '      - columns: [id, v]', '        unique: true', ''].join('\n'),
    problems: [
      'plan.yaml:7:19: public.p (id, v): unique: true on a partitioned table needs every partition key column in the index, but public.p is partitioned by (k) (a unique index on one partition is possible: name the partition as a table of its own)',
    ],
  },
  {
    name: "a partition's entry of the same shape as its partitioned table's is covered by the roll-out; one of its own is planned on it",
    setup: [
      'CREATE TABLE p (id int, k int, v text) PARTITION BY LIST (k)',
      'CREATE TABLE p_1 PARTITION OF p FOR VALUES IN (1)',
      'CREATE TABLE p_2 PARTITION OF p FOR VALUES IN (2)',
      'ANALYZE p',
    ],
    plan: [
      'version: 1',
      'concurrently: false',
      'tables:',
      '  - name: p',
      '    indexes:',
      '      - columns: [id, {name: v, collation: "C"}]',
      '  - name: p_1',
      '    indexes:',
      '      - columns: [id, {name: v, collation: "C"}]',
      '      - columns: [id, {name: v, collation: "C"}]',
      '        where: id > 0',
      '',
    ].join('\n'),
    statements: [
      'CREATE INDEX p_id_v_btree_idx ON public.p USING btree (id, v COLLATE "C")',
      // The roll-out's index of p_1 would have the plain name: the partial one gets a hash of its definition.
      'CREATE INDEX p_1_id_v_3a1c0912_btree_idx ON public.p_1 USING btree (id, v COLLATE "C") WHERE id > 0',
    ],
    columns: [
      'p.id, v COLLATE "C": create btree (btree, the default for several keys)',
      'p_1.id, v COLLATE "C": skip - (covered by the index planned on its partitioned table public.p)',
      'p_1.id, v COLLATE "C": create btree (btree, the default for several keys)',
    ],
    applied: { valid: ['p_id_v_btree_idx', 'p_1_id_v_3a1c0912_btree_idx'] },
  },
  {
    name: 'the same definition in indexes: and columns: is planned once; --explain shows the keys and their types',
    setup: [...T],
    plan: ['version: 1', 'tables:', '  - name: t', '    columns: [a]', '    indexes:', '      - columns: [a]', '      - columns: [{expression: "a + b"}]', ''].join('\n'),
    statements: ['CREATE INDEX CONCURRENTLY t_a_btree_idx ON public.t USING btree (a)', 'CREATE INDEX CONCURRENTLY t_a_b_btree_idx ON public.t USING btree ((a + b))'],
    warnings: [/^plan\.yaml:6:19: public\.t \(a\) gives the same index as plan\.yaml:4:15 \(btree\): planned once$/],
    applied: { valid: ['t_a_btree_idx', 't_a_b_btree_idx'] },
    more: async (run) => {
      const explain = await run.plan(['--explain']);
      assert.equal(explain.code, 0, explain.err);
      // Once applied: the expression key is recognised in the index the script built.
      assert.match(explain.out, /^ {2}\(a \+ b\) {2}expression {2}exists {2}btree {3}- {8}t_a_b_btree_idx {2}equivalent index public\.t_a_b_btree_idx exists$/m);
    },
  },
);

planCases('pgindex_defs', cases);
