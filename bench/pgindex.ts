/**
 * pgindex as the benchmark drives it: the library for exact timings (planning alone, the build phase
 * alone), and the CLI in a child process for what a user runs, with its wall time and peak RSS.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { executePlan, preparePlan, type PreparedPlan, type RunResult } from '../src/index.js';
import type { Failure } from './baselines.js';
import { BUNDLED_CLI } from '../scripts/bundle-cli.js';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(DIST, BUNDLED_CLI);
const PROBE = join(DIST, 'bench', 'rss-probe.js');

/** Plans with the library; the time covers loading the file, connecting, the snapshot and buildPlan. */
export async function timedPlan(planPath: string, url: string): Promise<{ prepared: PreparedPlan; ms: number }> {
  const start = performance.now();
  const prepared = await preparePlan({ planPath, dbFlag: url, env: {}, cwd: process.cwd(), log: () => undefined });
  return { prepared, ms: performance.now() - start };
}

/**
 * Runs a prepared plan with the library, silently; the time is the build phase alone. Steps that did
 * not end done are returned as failures, as the baselines return theirs.
 */
export async function timedApply(prepared: PreparedPlan): Promise<{ ms: number; result: RunResult; failures: Failure[] }> {
  const start = performance.now();
  const result = await executePlan(prepared.plan, { connection: prepared.connection, sink: () => undefined });
  const ms = performance.now() - start;
  const failures = result.results
    .filter((r) => r.state !== 'done')
    .map((r) => ({ sql: r.sql, sqlstate: r.error?.sqlstate ?? null, message: r.error?.message ?? `${r.state}: ${r.reason ?? ''}` }));
  return { ms, result, failures };
}

export interface CliRun {
  args: string[];
  code: number;
  wallMs: number;
  maxRssKb: number;
  output: string;
}

/** `pgindex ARGS` in a child process, output captured (so it renders as in CI), with its peak RSS. */
export async function runCli(args: string[], url: string): Promise<CliRun> {
  const dir = mkdtempSync(join(tmpdir(), 'pgindex-bench-rss-'));
  const rssFile = join(dir, 'rss.json');
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, DATABASE_URL: url, PGINDEX_BENCH_RSS_FILE: rssFile };
  try {
    const start = performance.now();
    const { code, output } = await new Promise<{ code: number; output: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', PROBE, CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
      child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
      child.once('error', reject);
      child.once('exit', (c, signal) => resolve({ code: c ?? (signal ? 128 : 1), output }));
    });
    const wallMs = performance.now() - start;
    const { maxRssKb } = JSON.parse(readFileSync(rssFile, 'utf8')) as { maxRssKb: number };
    return { args, code, wallMs, maxRssKb, output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
