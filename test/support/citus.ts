/**
 * A throwaway Citus cluster for integration tests: a coordinator and two workers, three servers started
 * by the harness (server.ts, so as the `postgres` user when run as root, on free ports) from a
 * PostgreSQL installation that has Citus (../shared/citus/build.sh installs it into Debian's 15), each
 * with citus preloaded and the extension created in its `postgres` database, the workers added to the
 * coordinator. One cluster per test file: start it in `before`, stop it in `after`.
 *
 * The Citus tests run with the integration run whose PGINDEX_TEST_PG_BIN has citus.so beside it (CI's
 * run on Debian's 15); on any other run they are skipped with the reason, which `citusSkipReason` gives.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { startServer, type TestServer } from './server.js';
import { quoteLiteral } from '../../src/sql/quote.js';

export interface CitusCluster {
  coordinator: TestServer;
  workers: TestServer[];
  /** The coordinator's `postgres` database: where a plan is made and applied. */
  url: string;
  /** A connected client on the coordinator, for setup and assertions. */
  client: pg.Client;
  /** Runs a statement on one worker's `postgres` database (a new connection each time). */
  onWorker<R extends pg.QueryResultRow = pg.QueryResultRow>(worker: number, sql: string, params?: unknown[]): Promise<R[]>;
  stop(): Promise<void>;
}

/** The installation the Citus tests run on: the integration run's own (PGINDEX_TEST_PG_BIN). */
function citusBinDir(): string | undefined {
  return process.env.PGINDEX_TEST_PG_BIN || undefined;
}

/**
 * Why the Citus tests cannot run here, or false when they can: for `test(name, { skip }, …)`. They
 * need a PostgreSQL installation given by PGINDEX_TEST_PG_BIN whose lib directory has citus.so.
 */
export function citusSkipReason(): string | false {
  const bin = citusBinDir();
  if (!bin) {
    return 'Citus tests run on the integration run with PGINDEX_TEST_PG_BIN=/usr/lib/postgresql/15/bin after ../shared/citus/build.sh (.ci/run does both)';
  }
  const so = join(dirname(bin), 'lib', 'citus.so');
  if (!existsSync(so)) return `Citus is not installed in ${dirname(bin)} (no ${so}): run bash ../shared/citus/build.sh (as root) to build it`;
  return false;
}

/** Settings every node gets: citus preloaded, and room for the connections its executor opens. */
const NODE_SETTINGS: Record<string, string> = {
  shared_preload_libraries: 'citus',
  max_connections: '200',
  // Parallel maintenance workers per shard build are the issue's subject; the cluster's 2 cores are shared.
  max_worker_processes: '16',
  // The harness's servers have no SSL, and run with the caller's HOME, where libpq would look for a
  // client certificate (as root: /root, closed to the postgres user) unless SSL is off.
  'citus.node_conninfo': 'sslmode=disable',
};

export async function startCitusCluster(opts: { workers?: number; settings?: Record<string, string> } = {}): Promise<CitusCluster> {
  const binDir = citusBinDir();
  const reason = citusSkipReason();
  if (reason !== false || !binDir) throw new Error(`cannot start a Citus cluster: ${reason || 'no PGINDEX_TEST_PG_BIN'}`);
  const settings = { ...NODE_SETTINGS, ...opts.settings };
  const servers: TestServer[] = [];
  const clients: pg.Client[] = [];
  try {
    const started = await Promise.all(Array.from({ length: 1 + (opts.workers ?? 2) }, () => startServer({ binDir, settings })));
    servers.push(...started);
    for (const s of servers) {
      const c = new pg.Client({ connectionString: s.url });
      await c.connect();
      clients.push(c);
    }
    for (const c of clients) {
      await c.query('CREATE EXTENSION citus');
      // The nodes reach each other as the postgres user with the harness's password: pg_dist_authinfo
      // (node 0: every node) gives it to Citus's connections, as a .pgpass would to psql's.
      await c.query(`INSERT INTO pg_dist_authinfo (nodeid, rolename, authinfo) VALUES (0, 'postgres', ${quoteLiteral(`password=${passwordOf(servers[0] as TestServer)}`)})`);
    }
    const [coordinatorClient, ...workerClients] = clients;
    const [coordinator, ...workers] = servers;
    if (!coordinatorClient || !coordinator) throw new Error('no coordinator');
    for (const w of workerClients) await w.end();
    await coordinatorClient.query('SELECT citus_set_coordinator_host($1, $2)', ['127.0.0.1', coordinator.port]);
    for (const w of workers) await coordinatorClient.query('SELECT citus_add_node($1, $2)', ['127.0.0.1', w.port]);
    const cluster: CitusCluster = {
      coordinator,
      workers,
      url: coordinator.url,
      client: coordinatorClient,
      async onWorker<R extends pg.QueryResultRow>(worker: number, sql: string, params?: unknown[]) {
        const w = workers[worker];
        if (!w) throw new Error(`no worker ${worker}: the cluster has ${workers.length}`);
        const c = new pg.Client({ connectionString: w.url });
        await c.connect();
        try {
          return (await c.query<R>(sql, params)).rows;
        } finally {
          await c.end();
        }
      },
      async stop() {
        await coordinatorClient.end().catch(() => undefined);
        await Promise.all(servers.map((s) => s.stop()));
      },
    };
    return cluster;
  } catch (err) {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await Promise.all(servers.map((s) => s.stop()));
    throw err;
  }
}

function passwordOf(server: TestServer): string {
  return decodeURIComponent(new URL(server.url).password);
}
