/**
 * `npm run bench`: how fast `pgindex apply` builds a set of indexes, compared with the two usual ways
 * of running the same statements, on a generated dataset and a throwaway PostgreSQL server.
 *
 * Contenders, at equal parallelism, on the statements of pgindex's own plan for the dataset:
 *   (a)  one session running them in order, as psql -f does;
 *   (b)  a naive parallel runner: file order, a fresh connection per statement, no session settings;
 *   (a') and (b') the same with CONCURRENTLY kept (pgindex's plan with concurrently: true);
 *   (c)  pgindex apply with concurrently: false (the same statements as (a) and (b)), and with
 *        concurrently: true (the statements of (a') and (b')), timed through the library.
 * Between runs every index is dropped and a CHECKPOINT taken; each contender runs k times, in an
 * order that rotates between repetitions, and the medians are compared. See bench/README-results.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startServer, ServerStartError, type TestServer } from '../test/support/server.js';
import { withDatabase } from '../test/support/db.js';
import { redact, type PreparedPlan } from '../src/index.js';
import { bestSettingBound, fastestRuns, lowerBound, median, packLongestFirst, statementMinima, target, type Target } from './analysis.js';
import { connectClient, runCalibration, runNaiveParallel, runPacked, runSequential, type Failure, type RunResult as BaselineResult } from './baselines.js';
import { CpuMeter, processCpuNs } from './cpu.js';
import { bigTableRows, createDataset, dropIndexes } from './dataset.js';
import { parseBenchOptions, USAGE, type BenchOptions } from './options.js';
import { postDataBench } from './post-data.js';
import { runCli, timedApply, timedPlan, type CliRun } from './pgindex.js';
import { benchPlanningOnly, benchPlanningScale, planningTargets, renderPlanningScale, type PlanningScaleResult } from './planning.js';
import { renderSet, renderTargets, seconds, type ContenderSummary, type SetSummary } from './report.js';
import { runScaleBench } from './run-scale.js';
import { findSeed, installSeed, runSeed } from './seed.js';

/** The memories each build is also timed at for the best-setting bound (pgindex calibrate's). */
const BOUND_MEMORIES = ['16MB', '64MB', '256MB'];

const SERVER_MAINTENANCE_WORK_MEM_MB = 256;
/** --wait-idle waits for a second in which other programs use less than this share of the CPU. */
const IDLE_THRESHOLD = 0.1;

/** Settings for a server that builds indexes; the bench compares schedules, not durability. */
function serverSettings(opts: BenchOptions): Record<string, string> {
  return {
    shared_buffers: '1GB',
    maintenance_work_mem: `${SERVER_MAINTENANCE_WORK_MEM_MB}MB`,
    max_worker_processes: String(Math.max(8, opts.cores + opts.parallelism + 2)),
    // As users' servers often are: more parallel workers allowed than the machine has cores (8 on 2).
    max_parallel_workers: String(Math.max(8, opts.cores)),
    max_parallel_maintenance_workers: '2',
    max_wal_size: '8GB',
    checkpoint_timeout: '1h',
    // Loaded data is vacuumed once up front; a background vacuum would only add noise to the runs.
    autovacuum: 'off',
  };
}

const startedAt = performance.now();
function log(message: string): void {
  process.stdout.write(`[${((performance.now() - startedAt) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);
}

function planYaml(opts: BenchOptions, concurrently: boolean, tables: string[]): string {
  return [
    'version: 1',
    `parallelism: ${opts.parallelism}`,
    `cores: ${opts.cores}`,
    // The same memory in total as the baselines' sessions get from the server, shared by pgindex's builds.
    `maintenance_work_mem: ${opts.parallelism * SERVER_MAINTENANCE_WORK_MEM_MB}MB`,
    `concurrently: ${concurrently}`,
    'tables:',
    ...tables.flatMap((t) => [`  - name: "${t}"`, '    columns: all']),
    '',
  ].join('\n');
}

interface ContenderRun {
  ms: number;
  statementMs?: number[];
  failures: Failure[];
}

interface Contender {
  id: string;
  label: string;
  run(): Promise<ContenderRun>;
}

interface SetResult {
  summary: SetSummary;
  statements: { sql: string; singleCoreWallMs: number; singleCoreCpuMs: number | null; fastestSequentialMs: number }[];
}

async function indexCount(client: pg.Client, schema: string): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE c.relnamespace = $1::regnamespace AND i.indisvalid`,
    [schema],
  );
  return rows[0]?.n ?? 0;
}

async function reset(client: pg.Client, schema: string): Promise<void> {
  await dropIndexes(client, [schema]);
  await client.query('CHECKPOINT');
}

/** On a shared machine, give other programs' bursts a chance to pass before a timed run. */
async function settle(meter: CpuMeter | null, opts: BenchOptions): Promise<void> {
  if (!meter || opts.waitIdleSeconds === 0) return;
  const { waitedMs, share } = await meter.waitForIdle(opts.waitIdleSeconds * 1000, IDLE_THRESHOLD);
  if (share >= IDLE_THRESHOLD) log(`  others still used ${(share * 100).toFixed(0)}% of the CPU after ${seconds(waitedMs)}: running anyway`);
}

async function runSet(
  client: pg.Client,
  meter: CpuMeter | null,
  url: string,
  opts: BenchOptions,
  set: {
    name: string;
    description: string;
    schema: string;
    offline: PreparedPlan;
    online: PreparedPlan;
    /**
     * Whether to run (b'). Naive parallel CONCURRENTLY builds of one table deadlock each other, each
     * time after deadlock_timeout; on the tiny set that is all it would measure, for minutes.
     */
    naiveOnline: boolean;
    /** The seed's run_sqls_parallel is installed: run it as contender (d). */
    seed: boolean;
    /** Run (e), the oracle packing of each build at its best measured memory (worth it on big builds only). */
    oracle: boolean;
  },
): Promise<SetResult> {
  const plain = set.offline.plan.steps.map((s) => s.sql);
  const online = set.online.plan.steps.map((s) => s.sql);
  // Filled in after the runs at each memory, before any contender runs.
  let oracle: { sql: string; memory: string }[][] = [];
  const contenders: Contender[] = [
    { id: 'a', label: '(a) one session, in order (psql -f)', run: () => runSequential(url, plain).then(toTimes) },
    { id: 'b', label: '(b) naive parallel, file order', run: () => runNaiveParallel(url, plain, opts.parallelism).then(toTimes) },
    ...(opts.onlineBaselines
      ? [
          { id: 'a-online', label: "(a') one session, CONCURRENTLY", run: () => runSequential(url, online).then(toTimes) },
          ...(set.naiveOnline
            ? [{ id: 'b-online', label: "(b') naive parallel, CONCURRENTLY", run: () => runNaiveParallel(url, online, opts.parallelism).then(toTimes) }]
            : []),
        ]
      : []),
    ...(set.seed ? [{ id: 'd', label: "(d) the seed's run_sqls_parallel (dblink)", run: () => runSeed(url, plain, opts.parallelism).then(toTimes) }] : []),
    ...(set.oracle
      ? [{ id: 'e', label: '(e) oracle: best memory, packed, no workers', run: () => runPacked(url, oracle).then(toTimes) }]
      : []),
    { id: 'c', label: '(c) pgindex apply, concurrently: false', run: () => timedApply(set.offline) },
    { id: 'c-online', label: "(c') pgindex apply, concurrently: true", run: () => timedApply(set.online) },
  ];

  log(`${set.name}: ${plain.length} statements; single-core calibration run (max_parallel_maintenance_workers = 0)`);
  await reset(client, set.schema);
  await settle(meter, opts);
  const serialCpu = meter?.start();
  const calibration = await runCalibration(url, plain, processCpuNs);
  const serialForeign = (await serialCpu?.()) ?? null;
  // Each build at the cost model's calibration memories too: the best-setting bound (issue 13).
  const byMemory = [calibration];
  for (const mem of BOUND_MEMORIES) {
    log(`${set.name}: single-core run at maintenance_work_mem ${mem}`);
    await reset(client, set.schema);
    await settle(meter, opts);
    byMemory.push(await runCalibration(url, plain, processCpuNs, mem));
  }
  const expected = await indexCount(client, set.schema);
  // (e)'s sessions: each build at the memory it was fastest at, packed longest first on its time there.
  const memories = [`${SERVER_MAINTENANCE_WORK_MEM_MB}MB`, ...BOUND_MEMORIES];
  const fastest = fastestRuns(byMemory);
  oracle = packLongestFirst(fastest.map((f) => f.ms), opts.parallelism).map((list) =>
    list.map((i) => ({ sql: plain[i] as string, memory: memories[fastest[i]?.run ?? 0] as string })),
  );

  const runs = new Map<string, number[]>(contenders.map((c) => [c.id, []]));
  const failures = new Map<string, Failure[]>(contenders.map((c) => [c.id, []]));
  const foreign = new Map<string, number[]>(contenders.map((c) => [c.id, []]));
  const sequentialStatementRuns: number[][] = [];
  for (let rep = 0; rep < opts.k; rep++) {
    // Rotating the order spreads any drift of the machine (other load, caches) over every contender.
    const order = contenders.map((_, i) => contenders[(i + rep) % contenders.length] as Contender);
    for (const c of order) {
      await reset(client, set.schema);
      await settle(meter, opts);
      const cpu = meter?.start();
      const r = await c.run();
      const others = await cpu?.();
      if (others !== undefined) foreign.get(c.id)?.push(others);
      const built = await indexCount(client, set.schema);
      // A run that reports no failure must have built exactly what the calibration run built.
      if (r.failures.length === 0 && built !== expected) {
        throw new Error(`${c.label} left ${built} valid indexes in ${set.schema}, expected ${expected}`);
      }
      runs.get(c.id)?.push(r.ms);
      failures.get(c.id)?.push(...r.failures);
      if (c.id === 'a' && r.statementMs && r.failures.length === 0) sequentialStatementRuns.push(r.statementMs);
      const failed = r.failures.length > 0 ? `  (${r.failures.length} failed: ${describeFailures(r.failures)})` : '';
      const busy = others !== undefined ? `  (others used ${(others * 100).toFixed(0)}% of the CPU)` : '';
      log(`${set.name} ${rep + 1}/${opts.k}  ${c.label.padEnd(42)} ${seconds(r.ms).padStart(7)}${busy}${failed}`);
    }
  }
  await reset(client, set.schema);

  const fastestSequentialMs = statementMinima(sequentialStatementRuns);
  const contenderSummaries: ContenderSummary[] = contenders.map((c) => {
    const runsMs = runs.get(c.id) ?? [];
    const failed = failures.get(c.id) ?? [];
    return {
      id: c.id,
      label: c.label,
      runsMs,
      medianMs: median(runsMs),
      failedStatements: failed.length,
      failures: failed.length > 0 ? describeFailures(failed) : null,
      foreignCpu: foreign.get(c.id) ?? [],
    };
  });
  return {
    summary: {
      name: set.name,
      description: set.description,
      statements: plain.length,
      contenders: contenderSummaries,
      lowerBound: lowerBound(calibration, fastestSequentialMs, opts.cores),
      bestSettingBound: bestSettingBound(byMemory, fastestSequentialMs, opts.cores),
      sequentialId: 'a',
      naiveId: 'b',
      calibrationForeignCpu: serialForeign,
    },
    statements: calibration.map((c, i) => ({
      sql: c.sql,
      singleCoreWallMs: c.wallMs,
      singleCoreCpuMs: c.cpuMs,
      fastestSequentialMs: fastestSequentialMs[i] ?? NaN,
    })),
  };
}

function toTimes(r: BaselineResult): ContenderRun {
  return { ms: r.ms, statementMs: r.statements.map((s) => s.ms), failures: r.failures };
}

/** `deadlock detected (40P01) ×3`: each distinct error once, with its count. */
function describeFailures(failures: Failure[]): string {
  const counts = new Map<string, number>();
  for (const f of failures) {
    const key = `${f.message}${f.sqlstate ? ` (${f.sqlstate})` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => (n > 1 ? `${k} ×${n}` : k)).join('; ');
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1]) return m[1].trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? 'unknown';
}

/** The commit the bench ran, `+dirty` when src/ has uncommitted changes; null outside a git clone. */
function sourceRevision(): string | null {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', 'src'], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
    return head + (dirty ? '+dirty' : '');
  } catch {
    return null;
  }
}

function expectOk(run: CliRun): CliRun {
  if (run.code !== 0) throw new Error(`pgindex ${run.args.join(' ')} exited with ${run.code}:\n${redact(run.output.slice(-3000))}`);
  return run;
}

/** CPU accounting for the server behind this client, when the platform allows it. */
async function cpuMeter(client: pg.Client): Promise<CpuMeter | null> {
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return rows[0] ? CpuMeter.forBackend(rows[0].pid) : null;
}

async function bench(opts: BenchOptions, server: TestServer, planDir: string): Promise<number> {
  const admin = await connectClient(server.url, 'bench/admin');
  await admin.query('CREATE DATABASE bench');
  await admin.end();
  const url = withDatabase(server.url, 'bench');
  const client = await connectClient(url, 'bench/control');
  try {
    const { rows: versionRows } = await client.query<{ v: string }>('SELECT version() AS v');
    const meter = await cpuMeter(client);
    const rowsBySet = bigTableRows(opts.rows);
    log(`generating the dataset`);
    const t0 = performance.now();
    await createDataset(client, { rows: opts.rows, tinyTables: opts.tinyTables, tinyRows: opts.tinyRows, wideTables: opts.wideTables }, (m) => log(`  ${m}`));
    const datasetMs = performance.now() - t0;
    const seedPath = opts.seed ? (opts.seedPath ?? findSeed()) : null;
    if (seedPath) {
      await installSeed(client, seedPath);
      log(`the seed's run_sqls_parallel loaded from ${seedPath}, with dblink`);
    } else if (opts.seed) {
      log('no seed document with run_sqls_parallel found (--seed FILE names one): contender (d) left out');
    }

    const plans: Record<string, string> = {
      'large-offline': planYaml(opts, false, ['big.events', 'big.orders', 'big.docs']),
      'large-online': planYaml(opts, true, ['big.events', 'big.orders', 'big.docs']),
      'tiny-offline': planYaml(opts, false, ['tiny.*']),
      'tiny-online': planYaml(opts, true, ['tiny.*']),
      wide: planYaml(opts, true, ['wide.*']),
    };
    const planPath = (name: string) => join(planDir, `${name}.yaml`);
    for (const [name, text] of Object.entries(plans)) writeFileSync(planPath(name), text);
    const prepared: Record<string, PreparedPlan> = {};
    for (const name of Object.keys(plans).filter((n) => n !== 'wide')) prepared[name] = (await timedPlan(planPath(name), url)).prepared;
    const get = (name: string) => prepared[name] as PreparedPlan;

    const sets = [
      await runSet(client, meter, url, opts, {
        name: 'large set',
        description: `${get('large-offline').plan.steps.length} index builds on 3 tables, ${opts.rows.toLocaleString('en-US')} rows, parallelism ${opts.parallelism}`,
        schema: 'big',
        offline: get('large-offline'),
        online: get('large-online'),
        naiveOnline: true,
        seed: seedPath !== null,
        oracle: true,
      }),
      await runSet(client, meter, url, opts, {
        name: 'tiny builds',
        description: `${get('tiny-offline').plan.steps.length} index builds on ${opts.tinyTables} tables of ${opts.tinyRows} rows, parallelism ${opts.parallelism}`,
        schema: 'tiny',
        offline: get('tiny-offline'),
        online: get('tiny-online'),
        naiveOnline: false,
        seed: seedPath !== null,
        oracle: false,
      }),
    ];

    log(`planning ${opts.wideTables} tables of 7 columns: library, then CLI`);
    await timedPlan(planPath('wide'), url); // warm the server's catalog caches
    const planningRuns: number[] = [];
    let widePlan: PreparedPlan | undefined;
    for (let i = 0; i < Math.max(3, opts.k); i++) {
      const r = await timedPlan(planPath('wide'), url);
      planningRuns.push(r.ms);
      widePlan = r.prepared;
    }
    const planCli: CliRun[] = [];
    for (let i = 0; i < Math.max(3, opts.k); i++) planCli.push(expectOk(await runCli(['plan', planPath('wide')], url)));

    log('peak RSS of the CLI applying each set (concurrently: true)');
    await reset(client, 'big');
    const applyLarge = expectOk(await runCli(['apply', planPath('large-online')], url));
    await reset(client, 'big');
    await reset(client, 'tiny');
    const applyTiny = expectOk(await runCli(['apply', planPath('tiny-online')], url));
    await reset(client, 'tiny');

    const scale: PlanningScaleResult[] = [];
    for (const tables of opts.planningTables) scale.push(await benchPlanningScale(server.url, tables, opts, log));

    const large = sets[0]?.summary as SetSummary;
    const tiny = sets[1]?.summary as SetSummary;
    const med = (s: SetSummary, id: string) => s.contenders.find((c) => c.id === id)?.medianMs ?? NaN;
    const planningMs = median(planningRuns);
    const planCliMs = median(planCli.map((r) => r.wallMs));
    const rssMb = Math.max(...[...planCli, applyLarge, applyTiny].map((r) => r.maxRssKb)) / 1024;
    const targets: Target[] = [
      target(
        'large set: pgindex <= 0.85 x (b)',
        med(large, 'c') / med(large, 'b'),
        0.85,
        'x',
        `pgindex (concurrently: false) ${seconds(med(large, 'c'))} vs naive parallel ${seconds(med(large, 'b'))}`,
      ),
      target(
        'large set: pgindex within 15% of the lower bound',
        med(large, 'c') / large.lowerBound.ms,
        1.15,
        'x',
        `${seconds(med(large, 'c'))} vs lower bound ${seconds(large.lowerBound.ms)}`,
      ),
      target(
        'tiny builds: pgindex <= 1.5 x (a)',
        med(tiny, 'c') / med(tiny, 'a'),
        1.5,
        'x',
        `pgindex (concurrently: false) ${seconds(med(tiny, 'c'))} vs one session ${seconds(med(tiny, 'a'))} for ${tiny.statements} builds`,
      ),
      ...(large.contenders.some((c) => c.id === 'd')
        ? [
            target('large set: pgindex <= 0.75 x the seed', med(large, 'c') / med(large, 'd'), 0.75, 'x', `pgindex ${seconds(med(large, 'c'))} vs the seed ${seconds(med(large, 'd'))}`),
            target('tiny builds: pgindex <= 0.25 x the seed', med(tiny, 'c') / med(tiny, 'd'), 0.25, 'x', `pgindex ${seconds(med(tiny, 'c'))} vs the seed ${seconds(med(tiny, 'd'))}`),
          ]
        : []),
      target(
        `planning ${opts.wideTables} tables < 1 s`,
        planningMs,
        1000,
        'ms',
        `preparePlan (load, connect, snapshot, build) ${seconds(planningMs)}; \`pgindex plan\` as a process, Node start-up included, ${seconds(planCliMs)}`,
      ),
      target('peak RSS < 200 MB', rssMb, 200, 'MB', `largest maxRSS of the \`pgindex plan\` and \`pgindex apply\` processes`),
      ...planningTargets(scale),
    ];

    const report = [
      '',
      ...sets.flatMap((s) => [...renderSet(s.summary), '']),
      `pgindex itself`,
      `  planning ${opts.wideTables} tables (${widePlan?.plan.columns.length ?? 0} columns, ${widePlan?.plan.steps.length ?? 0} statements): ` +
        `library ${seconds(planningMs)} (median of ${planningRuns.length}), CLI process ${seconds(planCliMs)}`,
      `  peak RSS: apply large set ${(applyLarge.maxRssKb / 1024).toFixed(0)} MB (${seconds(applyLarge.wallMs)} as a process), ` +
        `apply tiny builds ${(applyTiny.maxRssKb / 1024).toFixed(0)} MB, plan ${opts.wideTables} tables ${(Math.max(...planCli.map((r) => r.maxRssKb)) / 1024).toFixed(0)} MB`,
      '',
      ...(scale.length > 0 ? [...renderPlanningScale(scale), ''] : []),
      ...renderTargets(targets, opts.cores === 2 ? null : `set for 2 cores; this run assumed ${opts.cores}`),
      '',
    ];
    process.stdout.write(report.join('\n') + '\n');

    const stamp = new Date().toISOString().replace(/:/g, '-').slice(0, 19);
    const out = join(opts.outDir, `results-${stamp}.json`);
    mkdirSync(opts.outDir, { recursive: true });
    const json = {
      date: new Date().toISOString(),
      command: ['npm run bench --', ...process.argv.slice(2)].join(' '),
      revision: sourceRevision(),
      options: opts,
      machine: {
        cpus: cpus().length,
        cpuModel: cpuModel(),
        memoryBytes: totalmem(),
        loadavgAtEnd: loadavg(),
        node: process.version,
        postgres: versionRows[0]?.v ?? server.version,
      },
      serverSettings: serverSettings(opts),
      dataset: { rows: opts.rows, bigTables: rowsBySet, tinyTables: opts.tinyTables, tinyRows: opts.tinyRows, wideTables: opts.wideTables, generationMs: datasetMs },
      sets: sets.map((s) => ({ ...s.summary, statementTimings: s.statements })),
      planning: { libraryRunsMs: planningRuns, libraryMedianMs: planningMs, cliRunsMs: planCli.map((r) => r.wallMs), cliMaxRssKb: planCli.map((r) => r.maxRssKb) },
      planningScale: scale,
      cliApply: {
        large: { wallMs: applyLarge.wallMs, maxRssKb: applyLarge.maxRssKb },
        tiny: { wallMs: applyTiny.wallMs, maxRssKb: applyTiny.maxRssKb },
      },
      targets,
      totalMs: performance.now() - startedAt,
    };
    writeFileSync(out, JSON.stringify(json, null, 2) + '\n');
    log(`results written to ${out}`);
    return 0;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function main(): Promise<number> {
  const opts = parseBenchOptions(process.argv.slice(2), process.env);
  if (opts === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  log(
    `pgindex bench: ${opts.rows.toLocaleString('en-US')} rows, k = ${opts.k}, parallelism ${opts.parallelism}, ${opts.cores} cores; ` +
      `${cpus().length} CPUs (${cpuModel()}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  );
  const planDir = mkdtempSync(join(tmpdir(), 'pgindex-bench-'));
  const starting = startServer({ binDir: opts.pgBin, settings: serverSettings(opts) });
  // One promise for every exit path, so that none of them exits before the server is stopped and the
  // directories are gone, even when the signal comes while the server is still starting.
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await starting.then((s) => s.stop()).catch(() => undefined);
      rmSync(planDir, { recursive: true, force: true });
    })();
    return stopping;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = true;
    process.stderr.write(`\nbench: ${signal}: stopping the server\n`);
    void stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const server = await starting;
    log(`${server.version} on 127.0.0.1:${server.port}`);
    if (opts.runScale) return await runScaleBench(opts, server, log);
    if (opts.postData) return await postDataBench(opts, server, log);
    if (opts.planningOnly) return await benchPlanningOnly(opts, server, { revision: sourceRevision(), cpuModel: cpuModel(), serverSettings: serverSettings(opts) }, log);
    return await bench(opts, server, planDir);
  } finally {
    await stop();
  }
}

let interrupted = false;

main().then(
  (code) => process.exit(interrupted ? 130 : code),
  (err: unknown) => {
    // Once interrupted, the failing query is only the server going away: not worth a stack trace.
    // A server that will not start is told in one message that says what to do; a stack adds nothing.
    if (!interrupted) {
      const text = err instanceof ServerStartError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
      process.stderr.write(`bench: ${redact(text)}\n`);
    }
    process.exit(interrupted ? 130 : 1);
  },
);
