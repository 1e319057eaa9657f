/**
 * Planning at catalog scale (issue 16): `preparePlan` for a plan of N entries against a catalog of N
 * tables and 3 N indexes (planning-catalog.ts), each N in a database of its own on the bench's server.
 *
 * Reported per N: the median of k library runs after one that warms the caches; a separate run timed
 * phase by phase as far as the catalog goes (reading the plan file, each catalog query of the
 * snapshot, resolving the entries: buildPlan and the rest are what remains of a library run); and
 * `pgindex plan` as a process, with its wall time and peak RSS.
 *
 * `npm run bench` plans 10,000 tables after the build sets; `--planning-tables 10000,100000` adds
 * the 100,000-table case, and `--planning-only` runs nothing else (see README-results.md).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { withDatabase } from '../test/support/db.js';
import { redact } from '../src/db/connection.js';
import { loadPlanFile } from '../src/planfile/load.js';
import { takeSnapshot } from '../src/catalog/snapshot.js';
import { resolveTables } from '../src/catalog/resolve.js';
import { COLLATIONS_SQL, MATCHED_SQL, RELATIONS_SQL, SERVER_SQL, STATS_SQL, indexesSql } from '../src/catalog/queries.js';
import { median, target, type Target } from './analysis.js';
import { connectClient } from './baselines.js';
import type { BenchOptions } from './options.js';
import { analyzeCatalog, createPlanningCatalog, planningPlanYaml } from './planning-catalog.js';
import { runCli, timedPlan } from './pgindex.js';
import { renderTargets, seconds } from './report.js';

/** The target of issue 16 item 6, for the 10,000-table case. */
export const PLANNING_TARGET = { tables: 10_000, ms: 3000 };

export interface PlanningScaleResult {
  tables: number;
  entries: number;
  /** Rows of pg_class in the database: tables, indexes, TOAST tables and the system's own. */
  relations: number;
  generationMs: number;
  steps: number;
  libraryRunsMs: number[];
  libraryMedianMs: number;
  /** One run, phase by phase: load, snapshot, its queries (server, tables, columns, indexes), resolve. */
  phasesMs: Record<string, number>;
  cliWallMs: number;
  cliMaxRssKb: number;
}

type Log = (message: string) => void;

/** What each of the snapshot's statements is, for the phase timings (the large ones come wrapped by jsonArrays). */
function queryLabel(sql: string): string {
  if (sql === SERVER_SQL) return 'server';
  if (sql === MATCHED_SQL) return 'matching';
  if (sql.includes(RELATIONS_SQL)) return 'tables';
  if (sql.includes(indexesSql(PG_15))) return 'indexes';
  if (sql.includes(STATS_SQL)) return 'stats';
  if (sql === COLLATIONS_SQL) return 'collations';
  return /with recursive\s+cols as/.test(sql) ? 'columns' : 'other';
}

/** The bench's servers are PostgreSQL 15 or later: their indexes query is this one. */
const PG_15 = 150000;

/** The client, adding the time of each statement sent through it to `phases` under its label. */
function timingClient(client: pg.ClientBase, phases: Record<string, number>): pg.ClientBase {
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop !== 'query') return Reflect.get(target, prop, receiver) as unknown;
      return async (...args: unknown[]) => {
        const start = performance.now();
        try {
          return await (target.query as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          const label = queryLabel(typeof args[0] === 'string' ? args[0] : '');
          phases[label] = (phases[label] ?? 0) + performance.now() - start;
        }
      };
    },
  });
}

/** Loading the plan, the catalog snapshot (each query) and resolution, each timed, on one connection. */
async function phaseRun(planPath: string, url: string): Promise<Record<string, number>> {
  const phases: Record<string, number> = {};
  let start = performance.now();
  const file = await loadPlanFile(planPath, { cwd: process.cwd() });
  phases.load = performance.now() - start;
  const client = await connectClient(url, 'bench/planning');
  try {
    start = performance.now();
    const snapshot = await takeSnapshot(timingClient(client, phases), file);
    phases.snapshot = performance.now() - start;
    start = performance.now();
    resolveTables(file, snapshot, { deferProblems: true });
    phases.resolve = performance.now() - start;
  } finally {
    await client.end();
  }
  return phases;
}

/** The N-table database, created with its catalog on the bench's throwaway server. */
async function planningDatabase(serverUrl: string, tables: number, log: Log): Promise<{ url: string; generationMs: number; relations: number }> {
  const name = `bench_planning_${tables}`;
  const admin = await connectClient(serverUrl, 'bench/admin');
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(serverUrl, name);
  const client = await connectClient(url, 'bench/planning-catalog');
  try {
    const start = performance.now();
    await createPlanningCatalog(client, tables, (m) => log(`  ${m}`));
    await analyzeCatalog(client);
    const generationMs = performance.now() - start;
    const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_class');
    return { url, generationMs, relations: rows[0]?.n ?? 0 };
  } finally {
    await client.end();
  }
}

/** One planning case: the catalog, then the timed runs. */
export async function benchPlanningScale(serverUrl: string, tables: number, opts: Pick<BenchOptions, 'k'>, log: Log): Promise<PlanningScaleResult> {
  log(`planning at scale: ${tables.toLocaleString('en-US')} tables with 3 indexes each, a plan of as many entries`);
  const db = await planningDatabase(serverUrl, tables, log);
  log(`  catalog of ${db.relations.toLocaleString('en-US')} relations generated in ${seconds(db.generationMs)}`);
  const dir = mkdtempSync(join(tmpdir(), 'pgindex-bench-planning-'));
  try {
    const planPath = join(dir, `plan-${tables}.yaml`);
    writeFileSync(planPath, planningPlanYaml(tables));
    const warm = await timedPlan(planPath, db.url);
    log(`  warm-up run ${seconds(warm.ms)}`);
    const runs: number[] = [];
    for (let i = 0; i < opts.k; i++) {
      runs.push((await timedPlan(planPath, db.url)).ms);
      log(`  library run ${i + 1}/${opts.k} ${seconds(runs[runs.length - 1] as number)}`);
    }
    const phasesMs = await phaseRun(planPath, db.url);
    const cli = await runCli(['plan', planPath], db.url);
    if (cli.code !== 0) throw new Error(`pgindex plan exited with ${cli.code}:\n${redact(cli.output.slice(-3000))}`);
    log(`  \`pgindex plan\` as a process ${seconds(cli.wallMs)}, peak RSS ${(cli.maxRssKb / 1024).toFixed(0)} MB`);
    return {
      tables,
      entries: tables,
      relations: db.relations,
      generationMs: db.generationMs,
      steps: warm.prepared.plan.steps.length,
      libraryRunsMs: runs,
      libraryMedianMs: median(runs),
      phasesMs,
      cliWallMs: cli.wallMs,
      cliMaxRssKb: cli.maxRssKb,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `10,000 tables (60,415 relations), 10,000 entries: library 2.1 s (median of 3: …)` and the phases. */
export function renderPlanningScale(results: PlanningScaleResult[]): string[] {
  const lines = ['planning at scale (a plan of N entries on N tables with 3 indexes each)'];
  for (const r of results) {
    const p = r.phasesMs;
    const phase = (k: string) => seconds(p[k] ?? NaN);
    lines.push(
      `  ${r.tables.toLocaleString('en-US')} tables (${r.relations.toLocaleString('en-US')} relations), ${r.steps.toLocaleString('en-US')} statements: ` +
        `library ${seconds(r.libraryMedianMs)} (median of ${r.libraryRunsMs.length}: ${r.libraryRunsMs.map((ms) => (ms / 1000).toFixed(2)).join(', ')} s), ` +
        `\`pgindex plan\` ${seconds(r.cliWallMs)} as a process, peak RSS ${(r.cliMaxRssKb / 1024).toFixed(0)} MB`,
      `    one run by phase: plan file ${phase('load')}, catalog snapshot ${phase('snapshot')} ` +
        `(matching ${phase('matching')}, tables ${phase('tables')}, columns ${phase('columns')}${p.stats === undefined ? ' with stats' : `, stats ${phase('stats')}`}, indexes ${phase('indexes')}), resolution ${phase('resolve')}; ` +
        `the rest of a library run is buildPlan, connecting and checking index names`,
    );
  }
  return lines;
}

/** The issue's target, when the 10,000-table case ran. */
export function planningTargets(results: PlanningScaleResult[]): Target[] {
  const r = results.find((x) => x.tables === PLANNING_TARGET.tables);
  if (!r) return [];
  return [
    target(
      `planning ${PLANNING_TARGET.tables.toLocaleString('en-US')} tables < ${PLANNING_TARGET.ms / 1000} s`,
      r.libraryMedianMs,
      PLANNING_TARGET.ms,
      'ms',
      `preparePlan for a plan of ${r.entries.toLocaleString('en-US')} entries on ${r.relations.toLocaleString('en-US')} relations ${seconds(r.libraryMedianMs)}; ` +
        `\`pgindex plan\` as a process ${seconds(r.cliWallMs)}`,
    ),
  ];
}

/**
 * `--planning-only`: the planning cases alone, on the server bench.ts started; prints them and
 * writes .bench/results-planning-<date>.json.
 */
export async function benchPlanningOnly(
  opts: BenchOptions,
  server: { url: string; version: string },
  meta: { revision: string | null; cpuModel: string; serverSettings: Record<string, string> },
  log: Log,
): Promise<number> {
  const results: PlanningScaleResult[] = [];
  for (const tables of opts.planningTables) results.push(await benchPlanningScale(server.url, tables, opts, log));
  const targets = planningTargets(results);
  process.stdout.write(['', ...renderPlanningScale(results), '', ...(targets.length > 0 ? renderTargets(targets, null) : []), ''].join('\n') + '\n');
  const out = join(opts.outDir, `results-planning-${new Date().toISOString().replace(/:/g, '-').slice(0, 19)}.json`);
  mkdirSync(opts.outDir, { recursive: true });
  const json = {
    date: new Date().toISOString(),
    command: ['npm run bench --', ...process.argv.slice(2)].join(' '),
    revision: meta.revision,
    options: opts,
    machine: { cpus: cpus().length, cpuModel: meta.cpuModel, memoryBytes: totalmem(), loadavgAtEnd: loadavg(), node: process.version, postgres: server.version },
    serverSettings: meta.serverSettings,
    planningScale: results,
    targets,
  };
  writeFileSync(out, JSON.stringify(json, null, 2) + '\n');
  log(`results written to ${out}`);
  return 0;
}
