/**
 * `npm run bench -- --run-scale`: how the runner's own cost grows with the number of statements
 * (issue 16, item 6: `pgindex run` was quadratic in them). Each statement is `select 1`, so what is
 * measured is pgindex's per-statement work (scheduling, events, bookkeeping) plus one round trip:
 * with a near-linear runner the time per statement stays flat from the smallest size to the largest.
 *
 * Two ways in, on the bench's throwaway server:
 * - executePlan, through the library, on a hand-built plan of N `sql` steps (parallelism P);
 * - `--run-scale-cli`: `pgindex run FILE -j P` in a child process (splitting, planning, rendering
 *   to a pipe, Node start-up), as a user runs it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stepFacts } from '../src/plan/step-facts.js';
import type { Plan, Step } from '../src/plan/types.js';
import { executePlan } from '../src/runner/execute.js';
import { withDatabase } from '../test/support/db.js';
import type { TestServer } from '../test/support/server.js';
import { median } from './analysis.js';
import { connectClient } from './baselines.js';
import type { BenchOptions } from './options.js';
import { runCli } from './pgindex.js';
import { seconds } from './report.js';

interface SizeResult {
  statements: number;
  via: 'library' | 'cli';
  runsMs: number[];
  medianMs: number;
  statementsPerSecond: number;
  /** Median wall time per statement, µs. */
  usPerStatement: number;
}

/** N trivial statements as `pgindex run` would plan them (no table, no lock, never retried). */
export function trivialPlan(n: number, parallelism: number): Plan {
  const steps: Step[] = [];
  for (let i = 1; i <= n; i++) {
    const shape = {
      id: `s${i}`,
      action: 'sql' as const,
      sql: 'select 1',
      reason: `bench.sql:${i}:1`,
      table: null,
      index: null,
      method: null,
      columns: [],
      concurrently: false,
      parallelCapable: false,
      dependsOn: [],
      estimate: { pages: 0, cost: 0, sizeBytes: 0 },
    };
    steps.push({ ...shape, ...stepFacts(shape, { file: 'bench.sql', line: i, col: 1 }) });
  }
  return {
    version: 1,
    source: 'bench.sql',
    server: { version: '', versionNum: 180000 },
    settings: {
      parallelism,
      concurrently: false,
      maintenanceWorkMemBytes: 64 * 1024 * 1024,
      cores: parallelism,
      maxWorkersPerBuild: 0,
      lockTimeoutMs: 0,
      statementTimeoutMs: 0,
      retries: 3,
    },
    columns: [],
    steps,
    warnings: [],
  };
}

function summarise(statements: number, via: SizeResult['via'], runsMs: number[]): SizeResult {
  const medianMs = median(runsMs);
  return { statements, via, runsMs, medianMs, statementsPerSecond: (statements * 1000) / medianMs, usPerStatement: (medianMs * 1000) / statements };
}

async function timeLibrary(url: string, n: number, parallelism: number): Promise<number> {
  const plan = trivialPlan(n, parallelism);
  let events = 0;
  const start = performance.now();
  const result = await executePlan(plan, { connection: { connectionString: url }, sink: () => void events++ });
  const ms = performance.now() - start;
  if (result.done !== n) throw new Error(`executePlan ran ${result.done} of ${n} statements (${result.failed} failed)`);
  return ms;
}

async function timeCli(url: string, dir: string, n: number, parallelism: number): Promise<number> {
  const file = join(dir, `select-${n}.sql`);
  writeFileSync(file, 'select 1;\n'.repeat(n));
  const run = await runCli(['run', file, '-j', String(parallelism)], url);
  if (run.code !== 0) throw new Error(`pgindex run exited with ${run.code}:\n${run.output.slice(-2000)}`);
  return run.wallMs;
}

function row(r: SizeResult): string {
  return (
    `  ${r.via.padEnd(8)} ${r.statements.toLocaleString('en-US').padStart(8)} statements  ${seconds(r.medianMs).padStart(8)}  ` +
    `${Math.round(r.statementsPerSecond).toLocaleString('en-US').padStart(7)} statements/s  ${r.usPerStatement.toFixed(0).padStart(6)} µs/statement`
  );
}

/** The time per statement at the largest size over that at the smallest: 1.0 is linear. */
function growth(results: SizeResult[], via: SizeResult['via']): string | null {
  const mine = results.filter((r) => r.via === via).sort((a, b) => a.statements - b.statements);
  const first = mine[0];
  const last = mine[mine.length - 1];
  if (!first || !last || first === last) return null;
  return (
    `  ${via}: µs/statement at ${last.statements.toLocaleString('en-US')} ÷ at ${first.statements.toLocaleString('en-US')} = ` +
    `${(last.usPerStatement / first.usPerStatement).toFixed(2)} (1.0 = linear; quadratic would be ${(last.statements / first.statements).toFixed(0)})`
  );
}

export async function runScaleBench(opts: BenchOptions, server: TestServer, log: (message: string) => void): Promise<number> {
  const admin = await connectClient(server.url, 'bench/admin');
  await admin.query('CREATE DATABASE bench_run');
  await admin.end();
  const url = withDatabase(server.url, 'bench_run');
  const dir = mkdtempSync(join(tmpdir(), 'pgindex-bench-run-'));
  const results: SizeResult[] = [];
  try {
    // A warm-up, so the first size does not pay for JIT and the server's first connections.
    await timeLibrary(url, 500, opts.parallelism);
    for (const n of opts.runScaleSizes) {
      const runs: number[] = [];
      for (let i = 0; i < opts.k; i++) runs.push(await timeLibrary(url, n, opts.parallelism));
      const r = summarise(n, 'library', runs);
      results.push(r);
      log(row(r).trim());
    }
    if (opts.runScaleCli) {
      for (const n of opts.runScaleSizes) {
        const runs: number[] = [];
        for (let i = 0; i < opts.k; i++) runs.push(await timeCli(url, dir, n, opts.parallelism));
        const r = summarise(n, 'cli', runs);
        results.push(r);
        log(row(r).trim());
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const report = [
    '',
    `run scale: N × \`select 1\`, parallelism ${opts.parallelism}, median of ${opts.k}`,
    ...results.map(row),
    ...[growth(results, 'library'), growth(results, 'cli')].filter((l): l is string => l !== null),
    '',
  ];
  process.stdout.write(report.join('\n') + '\n');
  const stamp = new Date().toISOString().replace(/:/g, '-').slice(0, 19);
  const out = join(opts.outDir, `run-scale-${stamp}.json`);
  mkdirSync(opts.outDir, { recursive: true });
  writeFileSync(
    out,
    JSON.stringify({ date: new Date().toISOString(), command: ['npm run bench --', ...process.argv.slice(2)].join(' '), server: server.version, parallelism: opts.parallelism, results }, null, 2) + '\n',
  );
  log(`results written to ${out}`);
  return 0;
}
