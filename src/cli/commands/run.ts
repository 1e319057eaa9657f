import { readFile } from 'node:fs/promises';
import type pg from 'pg';
import { resolve } from 'node:path';
import type { Command, CliIO } from '../command.js';
import { EXIT } from '../command.js';
import { chooseConnection, clientConfig, connect } from '../../db/connection.js';
import { DEFAULTS } from '../../planfile/normalise.js';
import { parseDuration, parseSize } from '../../planfile/units.js';
import { DEFAULT_MAINTENANCE_WORK_MEM, deriveRunSettings, type ServerFacts } from '../../plan/settings.js';
import { qualifiedKey } from '../../sql/qualified.js';
import type { Plan, QualifiedName } from '../../plan/types.js';
import { SERVER_SQL } from '../../catalog/queries.js';
import { quoteMaybeQualified } from '../../sql/quote.js';
import { PgindexError, SqlError } from '../../errors.js';
import { positionInFile, splitSql, type SqlStatement } from '../../sql/split.js';
import { scriptSteps, withTablePages } from '../../script/steps.js';
import { extendedQuery } from '../../runner/session.js';
import { executeWithProgress, positiveInt } from '../terminal.js';

export const runCommand: Command = {
  name: 'run',
  summary: 'run the statements of a SQL file on N parallel sessions (the generic runner)',
  help: `Usage: pgindex run [-j N] [-d URL] [--fail-fast] [--json] [options] FILE.sql|-

Splits the file (or stdin, with -) into statements, the way psql does (dollar quotes, strings,
quoted identifiers, comments, BEGIN ATOMIC bodies), and runs them on N parallel sessions, each in
autocommit mode, with the same progress, summary, cancellation and exit codes as \`pgindex apply\`.
The statements must not depend on each other's order: any of them may run at the same time.

CREATE INDEX statements are recognised: the largest table's builds start first, two CONCURRENTLY
builds on one table never run at once, each build gets its share of the memory and worker budget,
and transient failures (lock timeout, deadlock, serialization failure, terminated session, lost
connection) are retried with backoff after dropping the INVALID index a failed CONCURRENTLY build
left (the new INVALID index on its table, with its name if it has one; the DROP waits at most 5s
for older transactions). Other statements run once and are never retried: after a lost
connection there is no knowing whether they took effect. Each statement is sent on its own (the
extended protocol): it can never carry a second one.

SET statements at the top of the file apply to every session (after pgindex's own settings, so they
may change lock_timeout or search_path; maintenance_work_mem and max_parallel_maintenance_workers
are set per build from the budget). A SET further down, and transaction control (BEGIN, COMMIT…),
are refused: they would only affect the one session that runs them. psql meta-commands (\\connect,
\\i…) and COPY FROM STDIN are refused with their position.

Options:
  -d, --db URL                 database (default: DATABASE_URL, then libpq's PG* variables)
  -j, --jobs N                 parallel sessions (default ${DEFAULTS.parallelism})
      --fail-fast              stop at the first failure: cancel running statements, skip the rest
      --json                   newline-delimited JSON events on stdout
      --lock-timeout DURATION  lock_timeout of every session (default 0: wait, as psql would;
                               with a timeout, index builds that hit it are retried)
      --statement-timeout DURATION  statement_timeout of every session (default 0: none)
      --retries N              retries of a transient failure (default ${DEFAULTS.retries})
      --maintenance-work-mem SIZE  total shared by the builds running at once (default 1GB)
      --cores N                builds plus parallel workers stay within this
                               (default: the server's max_parallel_workers)
  -h, --help                   show this help

Exit codes: 0 every statement succeeded, 1 a statement failed, an INVALID index could not be
dropped, or an error, 130 interrupted.
`,
  options: {
    db: { type: 'string', short: 'd' },
    jobs: { type: 'string', short: 'j' },
    'fail-fast': { type: 'boolean' },
    json: { type: 'boolean' },
    'lock-timeout': { type: 'string' },
    'statement-timeout': { type: 'string' },
    retries: { type: 'string' },
    'maintenance-work-mem': { type: 'string' },
    cores: { type: 'string' },
  },
  async run({ values, positionals }, io) {
    const usage = (message: string) => {
      io.stderr.write(`pgindex run: ${message}\n\n${runCommand.help}`);
      return EXIT.error;
    };
    if (positionals.length !== 1) return usage(positionals.length === 0 ? 'name a SQL file, or - for stdin' : 'name exactly one SQL file');
    const options = readOptions(values);
    if (typeof options === 'string') return usage(options);

    const path = positionals[0] as string;
    const file = path === '-' ? '<stdin>' : path;
    const text = path === '-' ? await readStdin(io) : await readSqlFile(resolve(io.cwd, path), file);
    const statements = splitSql(text, file);
    if (statements.length === 0) {
      io.stderr.write(`pgindex run: ${file}: no statements\n`);
      return EXIT.ok;
    }

    const connection = clientConfig(chooseConnection({ flag: values.db as string | undefined, env: io.env }), 'pgindex run');
    const client = await connect(connection);
    let plan: Plan;
    let script;
    try {
      const server = await readServerFacts(client);
      script = scriptSteps(statements, file, server.versionNum);
      // The file's leading SETs (a search_path above all) decide which tables its statements name;
      // run here first, a bad one is reported at its place in the file before any session opens.
      for (const stmt of script.sessionSetup) {
        try {
          await client.query(extendedQuery(stmt.sql));
        } catch (err) {
          throw locatedSqlError(file, stmt, err);
        }
      }
      const pages = await tablePages(client, script.steps.flatMap((s) => (s.table ? [s.table] : [])));
      plan = {
        version: 1,
        source: file,
        server: { version: server.version, versionNum: server.versionNum },
        settings: deriveRunSettings(server, { ...options, concurrently: false }),
        columns: [],
        steps: withTablePages(script.steps, (t) => pages.get(qualifiedKey(t))),
        warnings: [],
      };
    } finally {
      await client.end().catch(() => undefined);
    }

    const located = script.statements;
    const locate = (stepId: string, position: number | null) => {
      const stmt = located.get(stepId);
      if (!stmt) return null;
      const at = positionInFile(stmt, position ?? undefined);
      return `${file}:${at.line}:${at.col}`;
    };
    return executeWithProgress(
      io,
      'run',
      plan,
      { connection, failFast: values['fail-fast'] === true, sessionSetup: script.sessionSetup.map((stmt) => stmt.sql) },
      { json: values.json === true, locate },
    );
  },
};

interface RunOptions {
  parallelism: number;
  lockTimeoutMs: number;
  statementTimeoutMs: number;
  retries: number;
  maintenanceWorkMemBytes: number;
  cores: number | null;
}

function readOptions(values: Record<string, unknown>): RunOptions | string {
  const out: RunOptions = {
    parallelism: DEFAULTS.parallelism,
    lockTimeoutMs: 0,
    statementTimeoutMs: DEFAULTS.statementTimeoutMs,
    retries: DEFAULTS.retries,
    maintenanceWorkMemBytes: DEFAULT_MAINTENANCE_WORK_MEM,
    cores: null,
  };
  if (values.jobs !== undefined) {
    const j = positiveInt('-j', values.jobs);
    if (typeof j === 'string') return j;
    out.parallelism = j;
  }
  if (values.cores !== undefined) {
    const c = positiveInt('--cores', values.cores);
    if (typeof c === 'string') return c;
    out.cores = c;
  }
  if (values.retries !== undefined) {
    if (typeof values.retries !== 'string' || !/^\d+$/.test(values.retries)) return `--retries must be a whole number, not "${String(values.retries)}"`;
    out.retries = Number(values.retries);
  }
  for (const [flag, key] of [
    ['lock-timeout', 'lockTimeoutMs'],
    ['statement-timeout', 'statementTimeoutMs'],
  ] as const) {
    if (values[flag] === undefined) continue;
    const r = parseDuration(`--${flag}`, values[flag]);
    if (!r.ok) return r.message + (r.hint ? ` (${r.hint})` : '');
    out[key] = r.value;
  }
  if (values['maintenance-work-mem'] !== undefined) {
    const r = parseSize('--maintenance-work-mem', values['maintenance-work-mem']);
    if (!r.ok) return r.message + (r.hint ? ` (${r.hint})` : '');
    out.maintenanceWorkMemBytes = r.value;
  }
  return out;
}

async function readStdin(io: CliIO): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

const NOT_READABLE: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'it is a directory',
};

async function readSqlFile(absolute: string, file: string): Promise<string> {
  try {
    return await readFile(absolute, 'utf8');
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const why = (typeof code === 'string' && NOT_READABLE[code]) || (err instanceof Error ? err.message : String(err));
    throw new PgindexError(`cannot read ${file}: ${why}`, 'invalid-input');
  }
}

/** A statement of the file that failed: where it is (the server's error position within it, if any), then the SQL with a caret. */
function locatedSqlError(file: string, stmt: SqlStatement, cause: unknown): PgindexError {
  const error = new SqlError(stmt.sql, cause);
  const at = positionInFile(stmt, error.position);
  return new PgindexError(`${file}:${at.line}:${at.col}: ${error.describe()}`, 'sql');
}

interface ServerRow {
  version_num: number;
  version: string;
  max_parallel_workers: number;
  max_worker_processes: number;
}

/** The server facts run settings depend on: the snapshot's own server query, so both read them alike. */
async function readServerFacts(client: pg.Client): Promise<ServerFacts & { versionNum: number; version: string }> {
  let row: ServerRow | undefined;
  try {
    row = (await client.query<ServerRow>(SERVER_SQL)).rows[0];
  } catch (err) {
    throw new SqlError(SERVER_SQL.trim(), err);
  }
  if (!row) throw new PgindexError('the server returned no settings', 'sql');
  return { versionNum: row.version_num, version: row.version, maxParallelWorkers: row.max_parallel_workers, maxWorkerProcesses: row.max_worker_processes };
}

const TABLE_PAGES_SQL =
  // The actual size, not relpages: a table loaded and never analyzed has relpages 0.
  `select n.i, (pg_relation_size(c.oid) / current_setting('block_size')::int)::int as pages
     from unnest($1::text[]) with ordinality as n(name, i)
     join pg_class c on c.oid = to_regclass(n.name)`;

/** Size in pages of the tables the file's CREATE INDEX statements name, where they already exist. */
async function tablePages(client: pg.Client, tables: QualifiedName[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const unique = [...new Map(tables.map((t) => [qualifiedKey(t), t])).values()];
  if (unique.length === 0) return out;
  let rows: { i: number; pages: number }[];
  try {
    ({ rows } = await client.query<{ i: number; pages: number }>(TABLE_PAGES_SQL, [unique.map(quoteMaybeQualified)]));
  } catch (err) {
    throw new SqlError(TABLE_PAGES_SQL, err);
  }
  for (const r of rows) {
    const t = unique[Number(r.i) - 1];
    if (t) out.set(qualifiedKey(t), Math.max(0, r.pages));
  }
  return out;
}
