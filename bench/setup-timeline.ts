/**
 * `node dist/bench/setup-timeline.js --pg-bin DIR [--runs N] [--rows N] [-j N] [--compare DIST]...`:
 * where `pgindex run` spends the time from its process's start to its first statement, on a pg_dump
 * post-data section (the bench's mixed set, small: the setup does not grow with the rows). Each run
 * starts from a copy of one restored database (CREATE DATABASE … TEMPLATE). With --compare (one or
 * more), other builds' dist directories (e.g. /work/main/dist) run too, all taking turns run by run
 * (forward, then backward), so that on a shared machine their runs sit side by side; medians are
 * reported.
 *
 * The spans come from the run's --json events (spawn → `begin`, spawn → the first `start`) and from
 * the performance marks the run command leaves (`pgindex:…`), which bench/marks-probe.ts collects.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { withDatabase } from '../test/support/db.js';
import { startServer } from '../test/support/server.js';
import { median } from './analysis.js';
import { connectClient } from './baselines.js';
import { mixedSet } from './post-data.js';
import { BUNDLED_CLI } from '../scripts/bundle-cli.js';

const exec = promisify(execFile);
const FIRST = 'FIRST STATEMENT (start event written)';
const OURS = join(dirname(fileURLToPath(import.meta.url)), '..');

interface Sample {
  /** Point name → ms since the spawn. */
  spans: Map<string, number>;
  /** Point name → CPU ms of the process by then. */
  cpu: Map<string, number>;
}

/** The CLI a build's users run: its bundle, or tsc's output in a build from before the bundle. */
function cliOf(dist: string): string {
  const bundled = join(dist, BUNDLED_CLI);
  return existsSync(bundled) ? bundled : join(dist, 'src', 'cli', 'main.js');
}

async function runOnce(dist: string, probe: string, url: string, post: string, jobs: string): Promise<Sample> {
  const dir = mkdtempSync(join(tmpdir(), 'pgindex-setup-'));
  const marksFile = join(dir, 'marks.json');
  try {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, DATABASE_URL: url, PGINDEX_BENCH_MARKS_FILE: marksFile };
    const spawnedAt = Date.now();
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((done, fail) => {
      const child = spawn(process.execPath, ['--import', probe, cliOf(dist), 'run', '-y', '--json', '-j', jobs, post], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
      child.once('error', fail);
      child.once('exit', (c) => done({ code: c ?? 1, stdout, stderr }));
    });
    if (code !== 0) throw new Error(`pgindex run (${dist}) exited ${code}: ${stderr}`);
    const events = stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { type: string; time: string });
    const at = (type: string) => {
      const e = events.find((x) => x.type === type);
      if (!e) throw new Error(`no ${type} event`);
      return Date.parse(e.time) - spawnedAt;
    };
    const { timeOrigin, points } = JSON.parse(readFileSync(marksFile, 'utf8')) as { timeOrigin: number; points: { name: string; ms: number; cpuMs: number }[] };
    const origin = timeOrigin - spawnedAt;
    const spans = new Map<string, number>([['node started (timeOrigin)', origin]]);
    const cpu = new Map<string, number>();
    for (const p of points) {
      const name = p.name.replace(/^pgindex:/, '');
      spans.set(name, origin + p.ms);
      cpu.set(name, p.cpuMs);
    }
    spans.set('begin event', at('begin'));
    return { spans, cpu };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { 'pg-bin': { type: 'string' }, runs: { type: 'string' }, rows: { type: 'string' }, jobs: { type: 'string', short: 'j' }, compare: { type: 'string', multiple: true } },
  });
  const runs = Number(values.runs ?? 7);
  const rows = Number(values.rows ?? 20000);
  const jobs = values.jobs ?? '2';
  const builds = [OURS, ...(values.compare ?? []).map((d) => resolve(d))];
  const probe = join(OURS, 'bench', 'marks-probe.js');
  const server = await startServer(values['pg-bin'] ? { binDir: values['pg-bin'] } : {});
  const dir = mkdtempSync(join(tmpdir(), 'pgindex-setup-data-'));
  try {
    const bin = server.binDir;
    const admin = await connectClient(server.url, 'bench/setup-timeline');
    const set = mixedSet(rows);
    await admin.query('create database setup_src template template0');
    const src = withDatabase(server.url, 'setup_src');
    const c = await connectClient(src, 'bench/setup-timeline');
    await c.query(set.tables);
    await c.query(set.post);
    await c.end();
    const dump = join(dir, 'mixed.dump');
    const post = join(dir, 'mixed-post.sql');
    await exec(join(bin, 'pg_dump'), ['-Fc', '-f', dump, src]);
    await exec(join(bin, 'pg_restore'), ['--section=post-data', '-f', post, dump]);
    await admin.query('create database setup_tmpl template template0');
    const tmpl = withDatabase(server.url, 'setup_tmpl');
    await exec(join(bin, 'pg_restore'), ['--section=pre-data', '--section=data', '--exit-on-error', '-d', tmpl, dump]);
    const v = await connectClient(tmpl, 'bench/setup-timeline');
    await v.query('vacuum analyze');
    await v.end();
    const samples = new Map<string, Sample[]>(builds.map((b) => [b, []]));
    let n = 0;
    for (let i = 0; i < runs; i++) {
      for (const build of i % 2 === 0 ? builds : [...builds].reverse()) {
        const name = `setup_run_${++n}`;
        await admin.query(`create database ${name} template setup_tmpl`);
        // A database's first backend builds its catalog caches from scratch (no relcache init file
        // yet): as in the bench's post-data runs, where the restore connected first, pgindex does not pay it.
        const warm = await connectClient(withDatabase(server.url, name), 'bench/setup-timeline');
        await warm.end();
        const s = await runOnce(build, probe, withDatabase(server.url, name), post, jobs);
        samples.get(build)?.push(s);
        await admin.query(`drop database ${name} with (force)`);
        console.log(`run ${i + 1} ${build}: first statement at ${s.spans.get(FIRST)?.toFixed(0)} ms, CPU ${s.cpu.get(FIRST)?.toFixed(0)} ms`);
      }
    }
    await admin.end();
    console.log(`\nmedians of ${runs} runs: wall ms since spawn, CPU ms of the process by then (server ${server.version}, -j ${jobs}, mixed set at ${rows} rows)`);
    for (const build of builds) {
      console.log(`\n${build}`);
      const all = samples.get(build) ?? [];
      const names = [...new Set(all.flatMap((s) => [...s.spans.keys()]))];
      const med = (m: (s: Sample) => Map<string, number>, name: string) => median(all.map((s) => m(s).get(name)).filter((x): x is number => x !== undefined));
      const rowsOut = names.map((name) => ({ name, ms: med((s) => s.spans, name), cpuMs: med((s) => s.cpu, name) }));
      rowsOut.sort((a, b) => a.ms - b.ms);
      console.log('     wall      CPU');
      for (const r of rowsOut) console.log(`  ${r.ms.toFixed(1).padStart(7)}  ${Number.isNaN(r.cpuMs) ? '       ' : r.cpuMs.toFixed(1).padStart(7)}  ${r.name}`);
      console.log(`  first statement, wall: ${all.map((s) => s.spans.get(FIRST)?.toFixed(0)).join(', ')}`);
      console.log(`  first statement, CPU:  ${all.map((s) => s.cpu.get(FIRST)?.toFixed(0)).join(', ')}`);
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
