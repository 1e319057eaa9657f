/**
 * The two ways people run a list of CREATE INDEX statements without pgindex, kept as plain as the
 * real thing: psql -f (one session, one statement after another), and a naive parallel runner
 * (P workers taking statements in file order, a fresh connection for each, no session settings).
 */
import pg from 'pg';

export interface StatementTiming {
  sql: string;
  ms: number;
}

export interface Failure {
  sql: string;
  sqlstate: string | null;
  message: string;
}

export interface RunResult {
  ms: number;
  statements: StatementTiming[];
  /** Statements that failed; like psql without ON_ERROR_STOP, both runners go on with the next one. */
  failures: Failure[];
}

/**
 * A connected client. When the server goes away (the run is interrupted), an idle client emits
 * 'error': without a listener that would crash the process before it has cleaned up.
 */
export async function connectClient(url: string, applicationName: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: applicationName });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

function failure(sql: string, err: unknown): Failure {
  const e = err as { code?: string; message?: string };
  return { sql, sqlstate: e.code ?? null, message: e.message ?? String(err) };
}

/** (a) One session, statements in order, as `psql -f` runs them. `setup` runs first, untimed. */
export async function runSequential(url: string, statements: string[], setup: string[] = []): Promise<RunResult> {
  const client = await connectClient(url, 'bench/sequential');
  try {
    for (const sql of setup) await client.query(sql);
    const timings: StatementTiming[] = [];
    const failures: Failure[] = [];
    const start = performance.now();
    for (const sql of statements) {
      const t = performance.now();
      await client.query(sql).catch((err: unknown) => failures.push(failure(sql, err)));
      timings.push({ sql, ms: performance.now() - t });
    }
    return { ms: performance.now() - start, statements: timings, failures };
  } finally {
    await client.end();
  }
}

/** (b) P workers; each takes the next statement in file order and runs it on a new connection. */
export async function runNaiveParallel(url: string, statements: string[], parallelism: number): Promise<RunResult> {
  const timings: StatementTiming[] = new Array<StatementTiming>(statements.length);
  const failures: Failure[] = [];
  let next = 0;
  const worker = async () => {
    while (next < statements.length) {
      const i = next++;
      const sql = statements[i] as string;
      const t = performance.now();
      const client = await connectClient(url, 'bench/naive');
      try {
        await client.query(sql);
      } catch (err) {
        failures.push(failure(sql, err));
      } finally {
        await client.end();
      }
      timings[i] = { sql, ms: performance.now() - t };
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: Math.min(parallelism, statements.length) }, worker));
  return { ms: performance.now() - start, statements: timings, failures };
}

/**
 * (e) The oracle: every statement at its own maintenance_work_mem, without parallel workers, on
 * sessions packed ahead of time (analysis.ts packLongestFirst on each build's measured time). What a
 * scheduler that already knew each build's best memory and duration would do on this machine; the
 * gap from it to the best-setting bound is the machine's (two builds side by side run slower than
 * either alone), not the schedule's.
 */
export async function runPacked(url: string, sessions: { sql: string; memory: string }[][]): Promise<RunResult> {
  const clients = await Promise.all(sessions.map(() => connectClient(url, 'bench/oracle')));
  const timings: StatementTiming[] = [];
  const failures: Failure[] = [];
  try {
    await Promise.all(clients.map((c) => c.query('SET max_parallel_maintenance_workers = 0')));
    const start = performance.now();
    await Promise.all(
      sessions.map(async (list, s) => {
        const client = clients[s] as pg.Client;
        for (const { sql, memory } of list) {
          const t = performance.now();
          await client
            .query(`SET maintenance_work_mem = '${memory.replace(/'/g, "''")}'`)
            .then(() => client.query(sql))
            .catch((err: unknown) => failures.push(failure(sql, err)));
          timings.push({ sql, ms: performance.now() - t });
        }
      }),
    );
    return { ms: performance.now() - start, statements: timings, failures };
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

export interface CalibratedStatement {
  sql: string;
  wallMs: number;
  /** CPU time of the session's backend for this statement, or null where it cannot be read. */
  cpuMs: number | null;
}

/**
 * One session, statements in order, without parallel workers, so that each build's time is one
 * core's work. Besides the wall time it reads the backend's own CPU time (Linux), which other
 * programs competing for the cores do not inflate.
 */
export async function runCalibration(url: string, statements: string[], cpuNs: (pid: number) => number | null, maintenanceWorkMem?: string): Promise<CalibratedStatement[]> {
  const client = await connectClient(url, 'bench/calibration');
  try {
    await client.query('SET max_parallel_maintenance_workers = 0');
    if (maintenanceWorkMem) await client.query(`SET maintenance_work_mem = '${maintenanceWorkMem.replace(/'/g, "''")}'`);
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const pid = rows[0]?.pid ?? -1;
    const out: CalibratedStatement[] = [];
    for (const sql of statements) {
      const c0 = cpuNs(pid);
      const t0 = performance.now();
      await client.query(sql);
      const wallMs = performance.now() - t0;
      const c1 = cpuNs(pid);
      out.push({ sql, wallMs, cpuMs: c0 !== null && c1 !== null ? (c1 - c0) / 1e6 : null });
    }
    return out;
  } finally {
    await client.end();
  }
}
