import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readScript, scriptSteps, scriptTables, laterSettings, type Script, type ScriptContext } from '../../../src/script/steps.js';
import { splitSql } from '../../../src/sql/split.js';
import { locateStep, planScript, SCRIPT_DEFAULTS, scriptChoices } from '../../../src/script/plan.js';
import { parseScript } from '../../../src/script/load.js';
import { loadTreeParser, type TreeParser } from '../../../src/sql/parse.js';
import { qualifiedKey } from '../../../src/sql/qualified.js';
import { InputError } from '../../../src/errors.js';
import type { Step } from '../../../src/plan/types.js';
import { defaultCurve } from '../../../src/cost/kinds.js';
import { predictSeconds } from '../../../src/cost/model.js';
import { buildMemoryCapBytes } from '../../../src/plan/settings.js';

let parse: TreeParser;
before(async () => {
  parse = await loadTreeParser();
});

/** What the default cost model predicts for a build of `pages` (price.ts), rounded as priced. */
const defaultSeconds = (method: string, pages: number) => Math.round(predictSeconds(defaultCurve(method), pages, buildMemoryCapBytes(method, pages * 8192), 0) * 1000) / 1000;

function steps(sql: string, ctx: Partial<ScriptContext> = {}): Script {
  return scriptSteps(readScript(splitSql(sql, 'x.sql'), 'x.sql', parse), { versionNum: 180000, parse, ...ctx });
}

/** The real pg_dump 15.20 post-data section of test/fixtures/post-data (tables.sql + post.sql). */
const DUMP = 'test/fixtures/post-data/pg_dump-15.sql';
const dumpTables = ['acct', 'item', 'ord', 'meas_eu', 'meas_us', 'ex', 'ck'];

function dumpScript(): Script {
  const { statements } = parseScript(readFileSync(DUMP, 'utf8'), DUMP);
  const read = readScript(statements, DUMP, parse);
  const relkinds = new Map(dumpTables.map((t) => [qualifiedKey({ schema: 'public', name: t }), 'r']));
  relkinds.set(qualifiedKey({ schema: 'public', name: 'meas' }), 'p');
  return scriptSteps(read, { versionNum: 150000, parse, relkinds });
}

/** The step whose SQL starts with `prefix` (whitespace collapsed). */
function find(script: Script, prefix: string): Step {
  const found = script.steps.filter((s) => s.sql.replace(/\s+/g, ' ').startsWith(prefix));
  assert.equal(found.length, 1, `one step starting with ${prefix}: ${found.map((s) => s.sql).join(' | ')}`);
  return found[0] as Step;
}

function dependsOn(a: Step, b: Step): boolean {
  return a.dependsOn.includes(b.id);
}

/** `a` starts once `b` has ended, in whatever state. */
function comesAfter(a: Step, b: Step): boolean {
  return a.after?.includes(b.id) === true;
}

test('a pg_dump post-data file is read: \\restrict and \\unrestrict skipped, the header SETs and set_config for every session', () => {
  const script = dumpScript();
  assert.deepEqual(
    script.sessionSetup.map((s) => s.sql),
    [
      'SET statement_timeout = 0',
      'SET lock_timeout = 0',
      'SET idle_in_transaction_session_timeout = 0',
      "SET client_encoding = 'UTF8'",
      'SET standard_conforming_strings = on',
      "SELECT pg_catalog.set_config('search_path', '', false)",
      'SET check_function_bodies = false',
      'SET xmloption = content',
      'SET client_min_messages = warning',
      'SET row_security = off',
      "SET default_tablespace = ''",
    ],
  );
  assert.ok(script.steps.every((s) => s.settings === undefined));
  // pgindex plan's own SQL: \set ON_ERROR_STOP is psql's business.
  const plan = parseScript('\\set ON_ERROR_STOP on\nset lock_timeout = 0;\ncreate index i on t (a);\n', 'p.sql');
  assert.deepEqual(
    plan.statements.map((s) => s.sql),
    ['set lock_timeout = 0', 'create index i on t (a)'],
  );
  assert.throws(() => parseScript('\\connect other\nselect 1;', 'x.sql'), /psql meta-command \\connect/);
});

test('the dependency graph of a pg_dump post-data file: every kind of statement waits for what it needs', () => {
  const s = dumpScript();
  const acctPk = find(s, 'ALTER TABLE ONLY public.acct ADD CONSTRAINT acct_pkey PRIMARY KEY USING INDEX');
  const acctPkIndex = find(s, 'CREATE UNIQUE INDEX acct_pkey ON public.acct');
  const acctEmail = find(s, 'ALTER TABLE ONLY public.acct ADD CONSTRAINT acct_email_key UNIQUE USING INDEX');
  assert.ok(dependsOn(acctPk, acctPkIndex), 'the constraint waits for its index');
  // COMMENT ON CONSTRAINT waits for the constraint, not just its index.
  assert.ok(dependsOn(find(s, 'COMMENT ON CONSTRAINT acct_pkey'), acctPk));
  // Partition indexes: the parent (ON ONLY) and the child before ATTACH.
  const measV = find(s, 'CREATE INDEX meas_v ON ONLY public.meas');
  const euV = find(s, 'CREATE INDEX meas_eu_v_idx');
  const attachV = find(s, 'ALTER INDEX public.meas_v ATTACH PARTITION public.meas_eu_v_idx');
  assert.ok(dependsOn(attachV, measV) && dependsOn(attachV, euV));
  assert.deepEqual([attachV.table, attachV.lock], [{ schema: 'public', name: 'meas_eu' }, 'ShareUpdateExclusiveLock']);
  // A partition's key is built as an index and attached as a constraint before the parent's key takes it.
  const euPk = find(s, 'ALTER TABLE ONLY public.meas_eu ADD CONSTRAINT meas_eu_pkey PRIMARY KEY USING INDEX');
  const attachPk = find(s, 'ALTER INDEX public.meas_pkey ATTACH PARTITION public.meas_eu_pkey');
  const measPk = find(s, 'ALTER TABLE ONLY public.meas ADD CONSTRAINT meas_pkey PRIMARY KEY (id, region)');
  assert.ok(dependsOn(attachPk, euPk) && dependsOn(attachPk, measPk));
  // A partitioned table's key cannot be added USING INDEX: it runs as written, an ACCESS EXCLUSIVE statement.
  assert.deepEqual([measPk.action, measPk.lock], ['sql', 'AccessExclusiveLock']);
  // CLUSTER ON and REPLICA IDENTITY wait for the constraint that owns their index.
  assert.ok(dependsOn(find(s, 'ALTER TABLE public.ord CLUSTER ON ord_pkey'), find(s, 'ALTER TABLE ONLY public.ord ADD CONSTRAINT ord_pkey PRIMARY KEY USING INDEX')));
  assert.ok(dependsOn(find(s, 'ALTER TABLE ONLY public.item REPLICA IDENTITY'), find(s, 'ALTER TABLE ONLY public.item ADD CONSTRAINT item_pkey PRIMARY KEY USING INDEX')));
  // Foreign keys: added NOT VALID once the referenced keys exist and both tables' builds are done, then validated.
  const fkAdd = find(s, 'ALTER TABLE ONLY public.ord ADD CONSTRAINT ord_acct_fk FOREIGN KEY (acct_id) REFERENCES public.acct(id) ON DELETE CASCADE NOT VALID');
  const fkValidate = find(s, 'ALTER TABLE ONLY public.ord VALIDATE CONSTRAINT ord_acct_fk');
  // It references acct(id), the primary key: the UNIQUE (email) key is not what it needs.
  assert.ok(dependsOn(fkAdd, acctPk) && !dependsOn(fkAdd, acctEmail) && dependsOn(fkValidate, fkAdd));
  // No session waits on the server for a build of its tables; a failed build does not skip it.
  assert.ok(comesAfter(fkAdd, find(s, 'CREATE INDEX ord_at ON public.ord')) && comesAfter(fkAdd, find(s, 'CREATE UNIQUE INDEX acct_lower_email')));
  assert.ok(!dependsOn(fkAdd, find(s, 'CREATE UNIQUE INDEX acct_lower_email')));
  assert.deepEqual([fkAdd.lock, fkValidate.lock, fkValidate.table?.name], ['ShareRowExclusiveLock', 'ShareUpdateExclusiveLock', 'ord']);
  // A foreign key that is NOT VALID in the dump stays as it is.
  const notValid = find(s, 'ALTER TABLE ONLY public.item ADD CONSTRAINT item_acct_fk');
  assert.match(notValid.sql, /REFERENCES public\.acct\(id\) NOT VALID$/);
  // Comments, statistics, triggers, publications wait for their objects.
  assert.ok(dependsOn(find(s, 'COMMENT ON INDEX public.ord_at'), find(s, 'CREATE INDEX ord_at ON public.ord')));
  assert.ok(dependsOn(find(s, 'ALTER INDEX public.ord_expr ALTER COLUMN 1 SET STATISTICS'), find(s, 'CREATE INDEX ord_expr')));
  assert.ok(dependsOn(find(s, 'ALTER STATISTICS public.ord_st OWNER'), find(s, 'CREATE STATISTICS public.ord_st')));
  assert.ok(dependsOn(find(s, 'COMMENT ON TRIGGER item_trg'), find(s, 'CREATE TRIGGER item_trg')));
  assert.ok(dependsOn(find(s, 'ALTER PUBLICATION pub ADD TABLE'), find(s, 'CREATE PUBLICATION pub')));
  assert.ok(dependsOn(find(s, 'ALTER PUBLICATION pub OWNER'), find(s, 'CREATE PUBLICATION pub')));
  // Each kind takes its table lock, as PostgreSQL's lock table says.
  const locks = (prefix: string) => find(s, prefix).lock;
  assert.equal(locks('CREATE TRIGGER item_trg'), 'ShareRowExclusiveLock');
  assert.equal(locks('CREATE RULE ck_rule'), 'AccessExclusiveLock');
  assert.equal(locks('CREATE POLICY ck_pol'), 'AccessExclusiveLock');
  assert.equal(locks('ALTER TABLE public.ck ENABLE ROW LEVEL SECURITY'), 'AccessExclusiveLock');
  assert.equal(locks('CREATE STATISTICS public.ord_st'), 'ShareUpdateExclusiveLock');
  assert.equal(locks('ALTER TABLE public.ord CLUSTER ON'), 'ShareUpdateExclusiveLock');
  assert.equal(locks('ALTER TABLE ONLY public.ex ADD CONSTRAINT ex_r_excl EXCLUDE'), 'AccessExclusiveLock');
  assert.equal(locks('ALTER TABLE public.ck ADD CONSTRAINT ck_v_check'), 'AccessExclusiveLock');
  assert.equal(locks('ALTER PUBLICATION pub ADD TABLE'), 'ShareUpdateExclusiveLock');
  // REFRESH MATERIALIZED VIEW comes after what may change what its query sees (policies, rules,
  // triggers, keys attached…) and after its view's own indexes, but not after the index builds and
  // foreign key validations on other tables: those go on beside it.
  const refresh = find(s, 'REFRESH MATERIALIZED VIEW public.mv');
  assert.deepEqual([refresh.table, refresh.lock, refresh.dependsOn], [{ schema: 'public', name: 'mv' }, 'AccessExclusiveLock', []]);
  assert.ok(comesAfter(refresh, find(s, 'CREATE INDEX mv_i ON public.mv')));
  assert.ok(comesAfter(refresh, find(s, 'CREATE POLICY ck_pol')) && comesAfter(refresh, find(s, 'CREATE RULE ck_rule')));
  assert.ok(comesAfter(refresh, acctPk) && comesAfter(refresh, fkAdd));
  assert.ok(!comesAfter(refresh, fkValidate) && !comesAfter(refresh, find(s, 'CREATE INDEX ord_at ON public.ord')) && !comesAfter(refresh, acctPkIndex));
});

test('CREATE PUBLICATION … FOR TABLE: its table\'s lock, not a barrier; several tables or a schema: a barrier', () => {
  const s = steps("create index on t (x);\ncreate publication p1 for table t;\ncomment on publication p1 is 'c';\ncreate index on u (x);\ncreate publication p2 for table t, u;\ncreate publication p3 for tables in schema s");
  const [ix, p1, comment, ix2, p2, p3] = [...s.steps].sort((x, y) => Number(x.id.slice(1)) - Number(y.id.slice(1))) as [Step, Step, Step, Step, Step, Step];
  assert.deepEqual([p1.table?.name, p1.lock, p1.after, p1.dependsOn], ['t', 'ShareUpdateExclusiveLock', undefined, []]);
  assert.deepEqual([comment.dependsOn, ix2.after, ix2.dependsOn], [[p1.id], undefined, []]);
  assert.deepEqual(new Set(p2.after), new Set([ix.id, p1.id, comment.id, ix2.id]));
  assert.deepEqual(p3.after, [p2.id]);
});

test('a REFRESH MATERIALIZED VIEW comes after the one before it (its query may read that view) and the statements since; CONCURRENTLY takes EXCLUSIVE', () => {
  const s = steps('refresh materialized view a;\ncreate index on t (x);\ncreate trigger tr after insert on t for each row execute function f();\nrefresh materialized view concurrently b;\nrefresh materialized view c with no data');
  const [a, ix, tr, b, c] = s.steps.sort((x, y) => Number(x.id.slice(1)) - Number(y.id.slice(1))) as [Step, Step, Step, Step, Step];
  assert.deepEqual([a.lock, b.lock, c.lock], ['AccessExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock']);
  assert.deepEqual([a.after, ix.after, tr.after], [undefined, undefined, undefined]);
  assert.deepEqual(new Set(b.after), new Set([a.id, tr.id]));
  assert.deepEqual(c.after, [b.id]);
});

test('PRIMARY KEY and UNIQUE on a plain table: CREATE UNIQUE INDEX with everything the constraint gives its index, then USING INDEX', () => {
  const relkinds = new Map([[qualifiedKey({ schema: 'app', name: 'T' }), 'r']]);
  const s = steps(
    'ALTER TABLE ONLY app."T" ADD CONSTRAINT "T_key" UNIQUE NULLS NOT DISTINCT (a, "B") INCLUDE (c) WITH (fillfactor=\'80\', deduplicate_items = off) USING INDEX TABLESPACE ts DEFERRABLE INITIALLY DEFERRED;\n' +
      'alter table app."T" add primary key (a);\n' +
      'alter table app."T" add constraint t_pk2 primary key using index existing',
    { relkinds, tablePages: new Map([[qualifiedKey({ schema: 'app', name: 'T' }), 100]]) },
  );
  assert.deepEqual(
    s.steps.map((x) => [x.id, x.action, x.sql, x.lock, x.dependsOn]),
    [
      [
        's1.index',
        'create',
        `CREATE UNIQUE INDEX "T_key" ON app."T" USING btree (a, "B") INCLUDE (c) NULLS NOT DISTINCT WITH (fillfactor = '80', deduplicate_items = 'off') TABLESPACE ts`,
        'ShareLock',
        [],
      ],
      ['s1', 'sql', 'ALTER TABLE ONLY app."T" ADD CONSTRAINT "T_key" UNIQUE USING INDEX "T_key" DEFERRABLE INITIALLY DEFERRED', 'AccessExclusiveLock', ['s1.index']],
      // Unnamed: the server chooses the name, which only the statement as written gets right.
      ['s2', 'sql', 'alter table app."T" add primary key (a)', 'AccessExclusiveLock', []],
      ['s3', 'sql', 'alter table app."T" add constraint t_pk2 primary key using index existing', 'AccessExclusiveLock', []],
    ],
  );
  assert.deepEqual(s.steps[0]?.index, { schema: 'app', name: 'T_key' });
  assert.equal(s.steps[0]?.estimate.pages, 100);
  // Priced by planScript alone (price.test.ts): scriptSteps leaves the cost at 0.
  assert.equal(s.steps[0]?.estimate.cost, 0);
  // Located at the statement, not at an error position in SQL the file does not hold.
  assert.equal(locateStep(s, 's1.index', 40), 'x.sql:1:1');
  // Not a plain table (partitioned, or not known to the server): as written.
  assert.equal(steps('alter table only app."T" add constraint k unique (a)').steps[0]?.sql, 'alter table only app."T" add constraint k unique (a)');
});

test('a foreign key needs the key over its referenced columns (any order), or the primary key when it names none', () => {
  const s = steps(
    'alter table p add constraint p_pkey primary key (id);\nalter table p add constraint p_ab unique (a, b);\ncreate unique index p_c on p (c);\ncreate unique index p_d on p (d) where d > 0;\n' +
      'alter table c add constraint f1 foreign key (x) references p;\nalter table c add constraint f2 foreign key (x, y) references p (b, a);\nalter table c add constraint f3 foreign key (x) references p (c)',
  );
  const needs = (id: string) => s.steps.find((x) => x.id === id)?.dependsOn;
  assert.deepEqual([needs('s5'), needs('s6'), needs('s7')], [['s1'], ['s2'], ['s3']]);
});

test('a FOREIGN KEY on a plain table: added NOT VALID, then validated; the validation is sized by both tables (pages: priced by planScript)', () => {
  const relkinds = new Map([
    [qualifiedKey({ schema: '', name: 'c' }), 'r'],
    [qualifiedKey({ schema: '', name: 'p' }), 'r'],
  ]);
  const tablePages = new Map([
    [qualifiedKey({ schema: '', name: 'c' }), 500],
    [qualifiedKey({ schema: '', name: 'p' }), 50],
  ]);
  const s = steps('alter table p add constraint p_pkey primary key (id);\nalter table c add constraint c_fk foreign key (p_id) references p (id) match full on update cascade deferrable', { relkinds, tablePages });
  assert.deepEqual(
    s.steps.map((x) => [x.id, x.sql, x.lock, x.table?.name, x.dependsOn, x.after, x.estimate.pages]),
    [
      ['s1.index', 'CREATE UNIQUE INDEX p_pkey ON p USING btree (id)', 'ShareLock', 'p', [], undefined, 50],
      ['s1', 'ALTER TABLE p ADD CONSTRAINT p_pkey PRIMARY KEY USING INDEX p_pkey', 'AccessExclusiveLock', 'p', ['s1.index'], undefined, 0],
      ['s2.add', 'alter table c add constraint c_fk foreign key (p_id) references p (id) match full on update cascade deferrable NOT VALID', 'ShareRowExclusiveLock', 'c', ['s1'], ['s1.index'], 0],
      ['s2', 'ALTER TABLE c VALIDATE CONSTRAINT c_fk', 'ShareUpdateExclusiveLock', 'c', ['s2.add'], undefined, 550],
    ],
  );
});

test('a SET further down applies to the statements after it, with the values the server read', () => {
  const read = readScript(
    splitSql("set search_path = app;\ncreate index a on t (x);\nSET default_tablespace = fast;\ncreate index b on t (y);\nreset default_tablespace;\ncreate index c on t (z)", 'x.sql'),
    'x.sql',
    parse,
  );
  assert.deepEqual(
    laterSettings(read).map((l) => l.name),
    ['default_tablespace', 'default_tablespace'],
  );
  const s = scriptSteps(read, { versionNum: 180000, parse, settings: { before: { default_tablespace: '' }, after: ['fast', ''] } });
  assert.deepEqual(
    s.steps.map((x) => [x.index?.name, x.settings]),
    [
      ['a', { default_tablespace: '' }],
      ['b', { default_tablespace: 'fast' }],
      ['c', { default_tablespace: '' }],
    ],
  );
  assert.deepEqual(
    s.sessionSetup.map((x) => x.sql),
    ['set search_path = app'],
  );
});

test('SET LOCAL, transaction control and RESET ALL further down are refused with positions', () => {
  const stmts = splitSql('select 1;\nreset all;\nbegin;\nset local x = 1;\ncommit;', 'x.sql');
  assert.throws(
    () => readScript(stmts, 'x.sql', parse),
    (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.deepEqual(
        e.problems.map((p) => `${p.pos.line}:${p.pos.col}`),
        ['2:1', '3:1', '4:1', '5:1'],
      );
      assert.match(e.problems[1]?.message ?? '', /transaction control \(BEGIN\)/);
      return true;
    },
  );
});

test('a statement that is not understood is a barrier: it waits for everything before it, everything after waits for it', () => {
  const s = steps('create index i1 on t (a);\ncreate index i2 on u (a);\nupdate t set a = 1;\ncreate index i3 on t (b);\ncomment on index i1 is $$x$$;\nselect oops(;');
  // An order, not a need: psql would run them after a failure too.
  assert.deepEqual(
    s.steps.map((x) => [x.id, x.dependsOn, x.after]),
    [
      ['s1', [], undefined],
      ['s2', [], undefined],
      ['s3', [], ['s1', 's2']],
      ['s4', [], ['s3']],
      ['s5', ['s1'], ['s3']],
      // A syntax error too: the server reports it at its place.
      ['s6', [], ['s4', 's5', 's3']],
    ],
  );
  assert.deepEqual(scriptTables(readScript(splitSql('create index on a.t (x); alter table u add constraint f foreign key (x) references a.v', 'x.sql'), 'x.sql', parse)), [
    { schema: 'a', name: 't' },
    { schema: '', name: 'u' },
    { schema: 'a', name: 'v' },
  ]);
});

test('steps of a file: index builds are create steps; parallel capability follows the server version', () => {
  const s = steps('set search_path = app;\ncreate index concurrently i on t (a);\ncreate index on only p (a);\ncreate index on t using gin (a); create index on t using brin (b)');
  assert.deepEqual(
    s.steps.map((x) => [x.id, x.action, x.concurrently, x.index?.name ?? null, x.table?.name ?? null, x.reason, x.parallelCapable, x.lock]),
    [
      ['s1', 'create', true, 'i', 't', 'x.sql:2:1', true, 'ShareUpdateExclusiveLock'],
      ['s2', 'create-parent', false, null, 'p', 'x.sql:3:1', false, 'ShareLock'],
      ['s3', 'create', false, null, 't', 'x.sql:4:1', true, 'ShareLock'],
      ['s4', 'create', false, null, 't', 'x.sql:4:34', true, 'ShareLock'],
    ],
  );
  assert.deepEqual(
    steps('create index on t using gin (a); create index on t using brin (b)', { versionNum: 150000 }).steps.map((x) => x.parallelCapable),
    [false, false],
  );
});

const server = {
  versionNum: 180000,
  version: '18.0',
  settings: { maxParallelMaintenanceWorkers: 2, maxWorkerProcesses: 8, maxParallelWorkers: 6, maintenanceWorkMem: 64 << 20, maxConnections: 100 },
};

test("a foreign key is added after every ACCESS EXCLUSIVE key attach on its tables, not only its own key's: its validation's ROW SHARE on the referenced table would make them wait", () => {
  const relkinds = new Map(['c', 'p'].map((t) => [qualifiedKey({ schema: '', name: t }), 'r']));
  const s = steps('alter table p add constraint p_pkey primary key (id);\nalter table p add constraint p_code_key unique (code);\nalter table c add constraint c_fk foreign key (p_id) references p (id)', { relkinds });
  const fk = s.steps.find((x) => x.id === 's3.add') as Step;
  assert.deepEqual(fk.dependsOn, ['s1']);
  assert.deepEqual(new Set(fk.after), new Set(['s1.index', 's2.index', 's2']));
});

test('the plan of a file: the Plan type of preparePlan, settings from the choices and the server, steps priced by the default cost model from table pages', () => {
  const tablePages = new Map([
    [qualifiedKey({ schema: 'app', name: 'big' }), 1000],
    [qualifiedKey({ schema: '', name: 'small' }), 10],
  ]);
  const script = steps('create index on app.big using gin (a);\ncreate index on small (a);\nselect 1', { tablePages });
  const plan = planScript(script, { server }, scriptChoices({ parallelism: 3, lockTimeoutMs: undefined }));
  assert.equal(plan.source, 'x.sql');
  assert.deepEqual(plan.server, { version: '18.0', versionNum: 180000 });
  assert.deepEqual(plan.settings, {
    parallelism: 3,
    concurrently: false,
    maintenanceWorkMemBytes: SCRIPT_DEFAULTS.maintenanceWorkMemBytes,
    // The server is elsewhere (no machine) and no --cores: one core per session.
    cores: 3,
    coresFrom: 'assumed',
    maxWorkersPerBuild: 2,
    // An undefined choice is no choice: a file written for psql waits for its locks.
    lockTimeoutMs: 0,
    statementTimeoutMs: SCRIPT_DEFAULTS.statementTimeoutMs,
    retries: SCRIPT_DEFAULTS.retries,
  });
  assert.deepEqual(
    plan.steps.map((s) => [s.id, s.estimate.pages, s.estimate.cost, s.estimate.sizeBytes]),
    [
      // The size is the table's: what the budget's per-build memory (buildMemoryCapBytes) is sized by.
      ['s1', 1000, defaultSeconds('gin', 1000), 1000 * 8192],
      ['s2', 10, defaultSeconds('btree', 10), 10 * 8192],
      ['s3', 0, 0, 0],
    ],
  );
  assert.deepEqual([plan.columns, plan.warnings], [[], []]);
});

test('a step is located at its statement in the file, and at the error position within it', () => {
  const script = scriptSteps(readScript(parseScript('set search_path = app;\n\n  create index i on t (\n  nope);', 'x.sql').statements, 'x.sql', parse), { versionNum: 180000, parse });
  assert.equal(locateStep(script, 's1', null), 'x.sql:3:3');
  assert.equal(locateStep(script, 's1', 'create index i on t (\n  '.length + 1), 'x.sql:4:3');
  assert.equal(locateStep(script, 's9', null), null);
});

test('REINDEX [CONCURRENTLY], DROP INDEX [CONCURRENTLY] and ATTACH take part in the per-table lock rule, on the index table the server names', () => {
  const indexTables = new Map([
    [qualifiedKey({ schema: 'app', name: 'old_i' }), { schema: 'app', name: 't' }],
    [qualifiedKey({ schema: '', name: 'p_i' }), { schema: 'app', name: 'p' }],
  ]);
  const s = steps(
    'create index new_i on app.t (a);\nreindex index concurrently app.new_i;\nreindex (concurrently) index app.old_i;\nreindex table app.t;\ndrop index concurrently app.old_i;\n' +
      'drop index app.new_i;\nalter index p_i attach partition app.new_i;\nreindex schema app;\ndrop index a, b',
    { indexTables },
  );
  assert.deepEqual(
    s.steps.map((x) => [x.id, x.table && `${x.table.schema}.${x.table.name}`, x.lock, x.retrySafe, x.mayLeaveInvalid, x.dependsOn]),
    [
      ['s1', 'app.t', 'ShareLock', true, false, []],
      // A failed REINDEX CONCURRENTLY leaves `new_i_ccnew` INVALID: dropped like a failed build's leftover, then retried.
      ['s2', 'app.t', 'ShareUpdateExclusiveLock', true, true, ['s1']],
      ['s3', 'app.t', 'ShareUpdateExclusiveLock', true, true, []],
      ['s4', 'app.t', 'ShareLock', true, false, []],
      ['s5', 'app.t', 'ShareUpdateExclusiveLock', false, false, []],
      ['s6', 'app.t', 'AccessExclusiveLock', false, false, ['s1']],
      ['s7', 'app.t', 'ShareUpdateExclusiveLock', false, false, ['s1']],
      ['s8', null, null, false, false, []],
      ['s9', null, null, false, false, []],
    ],
  );
  assert.deepEqual(s.steps.map((x) => x.index), s.steps.map(() => null).map((n, i) => (i === 0 ? { schema: 'app', name: 'new_i' } : n)));
});
