/**
 * One database session of a run: a pg client that knows its backend pid (for progress and
 * cancellation), applies the run's session settings every time it (re)connects, and notices when the
 * server has closed it so that it reconnects before its next statement.
 */
import type pg from 'pg';
import { connect } from '../db/connection.js';
import { SqlError } from '../errors.js';

export class Session {
  private client: pg.Client | null = null;
  private lost = false;
  /** Backend pid of the current connection; null while disconnected. */
  pid: number | null = null;

  constructor(
    /** 1-based number, part of application_name. */
    readonly n: number,
    private readonly config: pg.ClientConfig,
    /** Run on every (re)connect, each checked: settings that must hold for every statement. */
    private readonly setup: readonly string[],
  ) {}

  get applicationName(): string {
    return this.config.application_name ?? '';
  }

  /** Connects (ConnectionError when it cannot) and applies the session settings (SqlError if one fails). */
  async open(): Promise<void> {
    const client = await connect(this.config);
    const markLost = () => {
      this.lost = true;
    };
    client.on('end', markLost);
    client.on('error', markLost);
    try {
      for (const sql of this.setup) {
        try {
          await client.query(sql);
        } catch (err) {
          throw new SqlError(sql, err);
        }
      }
      const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
      this.pid = rows[0]?.pid ?? null;
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    this.client = client;
    this.lost = false;
  }

  /** Reconnects if the server closed the session (terminated, restarted, network lost). */
  async ensureOpen(): Promise<void> {
    if (this.client && !this.lost) return;
    await this.close();
    await this.open();
  }

  markLost(): void {
    this.lost = true;
  }

  get isOpen(): boolean {
    return this.client !== null && !this.lost;
  }

  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<R>> {
    if (!this.client || this.lost) throw new Error(`session ${this.n} is not connected: connection lost`);
    return this.client.query<R>(sql, params);
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.pid = null;
    if (client) await client.end().catch(() => undefined);
  }
}
