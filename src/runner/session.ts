/**
 * One database session of a run: a pg client that knows its backend pid (for progress and
 * cancellation), applies the run's session settings every time it (re)connects, and notices when the
 * server has closed it so that it reconnects before its next statement.
 *
 * Several callers may share a session (the control connection serves the progress tick, the
 * leftover checks and cancellation), so a reconnect is one promise all of them wait for, their
 * statements go to the server one after another (a pg client must never be given a second query
 * while one runs), and once closed a session stays closed: nothing can open a connection that
 * outlives the run.
 *
 * The session remembers the settings it was given (setAll, or riding in a build's message), so a
 * build whose budget is the one the session already has costs no round trip for it, and a plain
 * build's budget costs none at all (queryMessage).
 */
import type pg from 'pg';
import { connect } from '../db/connection.js';
import { extendedQuery } from '../db/extended-query.js';
import { durationSetting } from '../pg/settings.js';
import { quoteLiteral } from '../sql/quote.js';
import { runSetup, type SessionSetup } from '../db/session-setup.js';

export { extendedQuery };

export class SessionClosedError extends Error {
  constructor(n: number) {
    super(`session ${n} is closed`);
  }
}

/** Settings (name → value as SET takes it) the session does not have, as [name, value] pairs. */
type Changes = [string, string][];

export class Session {
  private client: pg.Client | null = null;
  private lost = false;
  private closed = false;
  /** The connect in progress, shared by every caller that needs the session meanwhile. */
  private opening: Promise<void> | null = null;
  /** Backend pid of the current connection; null while disconnected. */
  pid: number | null = null;
  /** The last statement queued: the next one starts once it has settled. */
  private tail: Promise<unknown> = Promise.resolve();
  /** The session's own lock_timeout while unboundLockWaits has it at 0; null until read. */
  private ownLockTimeout: string | null = null;
  private lockTimeoutOff = false;
  /** Settings set through setAll on the current connection, as sent. */
  private readonly known = new Map<string, string>();

  constructor(
    /** 1-based number, part of application_name. */
    readonly n: number,
    private readonly config: pg.ClientConfig,
    /** Run on every (re)connect, checked: settings that must hold for every statement. */
    private readonly setup: SessionSetup,
    /** A connection opened ahead (preconnect.ts), for the first connect: null, or resolving to null, to open one. */
    private first: Promise<pg.Client | null> | null = null,
  ) {}

  /**
   * Connects if not connected, or reconnects if the server closed the session: ConnectionError when
   * it cannot, SqlError if a setting fails, SessionClosedError once close() was called.
   */
  async ensureOpen(): Promise<void> {
    if (this.closed) throw new SessionClosedError(this.n);
    if (this.client && !this.lost) return;
    this.opening ??= this.reopen().finally(() => {
      this.opening = null;
    });
    return this.opening;
  }

  private async reopen(): Promise<void> {
    await this.endClient();
    const ahead = this.first;
    this.first = null;
    const client = (await ahead) ?? (await connect(this.config));
    const markLost = () => {
      if (this.client === client) this.lost = true;
    };
    client.on('end', markLost);
    client.on('error', markLost);
    let pid: number | null;
    try {
      pid = await runSetup(client, this.setup);
      if (this.closed) throw new SessionClosedError(this.n);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    this.client = client;
    this.pid = pid;
    this.lost = false;
    this.known.clear();
    this.ownLockTimeout = null;
    this.lockTimeoutOff = false;
  }

  /** The server closed the session, or a statement failed in a way that says it did: reconnect before the next one. */
  markLost(): void {
    this.lost = true;
  }

  /** One statement, over the extended protocol, once every statement queued before it has settled. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<R>> {
    const run = this.tail.then(() => {
      // Checked when the statement's turn comes: the connection may have been lost meanwhile.
      if (!this.client || this.lost) throw new Error(`session ${this.n} is not connected: connection lost`);
      return this.client.query<R>(extendedQuery(sql, params));
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * Several statements as one simple-protocol message, for text pgindex puts together itself (a
   * build and the read of its index's size: progress.ts, sizeWithBuild): one result per statement.
   * They run in one implicit transaction. Never for a statement as a user wrote it alone: that goes
   * through query(), which lets a query carry one statement only.
   *
   * `settings` the session does not have yet ride in front, as set_config calls of literals: a
   * plain build's budget then costs no round trip of its own (400 tiny builds alternating between
   * a btree's and a GIN's memory sent a SET before every other build). Only for values pgindex
   * chose itself, and never in front of a statement that cannot run in a transaction block
   * (CONCURRENTLY). If the message fails, its transaction takes the settings back with it: they
   * are sent again next time. The results are the text's own, and a failure's position counts from
   * the start of the text, as if it had been sent alone.
   */
  queryMessage(text: string, settings: Readonly<Record<string, string>> = {}): Promise<pg.QueryResult[]> {
    const run = this.tail.then(async () => {
      if (!this.client || this.lost) throw new Error(`session ${this.n} is not connected: connection lost`);
      const changed = this.changes(settings);
      const prefix = changed.length === 0 ? '' : `select ${changed.map(([name, value]) => `set_config(${quoteLiteral(name)}, ${quoteLiteral(value)}, false)`).join(', ')};\n`;
      let result: pg.QueryResult | pg.QueryResult[];
      try {
        result = await this.client.query(prefix + text);
      } catch (err) {
        // Rolled back with the message, or unknown if the connection broke: sent again next time.
        for (const [name] of changed) this.known.delete(name);
        throw withPositionAfter(err, prefix);
      }
      for (const [name, value] of changed) this.known.set(name, value);
      const results = Array.isArray(result) ? result : [result];
      return prefix === '' ? results : results.slice(1);
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  private changes(settings: Readonly<Record<string, string>>): Changes {
    return Object.entries(settings).filter(([name, value]) => this.known.get(name) !== value);
  }

  /**
   * Sets session settings (name → value as SET takes it) in one round trip, leaving out those the
   * session already has. The names are parameters of set_config, never part of the SQL text.
   */
  async setAll(settings: Readonly<Record<string, string>>): Promise<void> {
    const changed = this.changes(settings);
    if (changed.length === 0) return;
    const calls = changed.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, false)`);
    try {
      await this.query(`select ${calls.join(', ')}`, changed.flat());
    } catch (err) {
      for (const [name] of changed) this.known.delete(name);
      throw err;
    }
    for (const [name, value] of changed) this.known.set(name, value);
  }

  /**
   * Runs a cleanup statement (`fn`) with lock_timeout set to `ms` and no statement_timeout (a tiny
   * statement_timeout in the plan must not leave INVALID indexes behind), then puts back the
   * session's own values (read from the server in the same round trip: a SQL file's leading SET may
   * have chosen them). A session whose values cannot be put back is marked lost, so that it
   * reconnects and gets its settings again.
   */
  async withCleanupTimeouts<T>(ms: number, fn: () => Promise<T>): Promise<T> {
    const lockTimeout = durationSetting(Math.max(0, Math.floor(ms)));
    const { rows } = await this.query<{ lock: string; statement: string }>(
      "select current_setting('lock_timeout') as lock, current_setting('statement_timeout') as statement, set_config('lock_timeout', $1, false), set_config('statement_timeout', '0', false)",
      [lockTimeout],
    );
    const own = rows[0] ?? { lock: '0', statement: '0' };
    try {
      return await fn();
    } finally {
      try {
        await this.query("select set_config('lock_timeout', $1, false), set_config('statement_timeout', $2, false)", [own.lock, own.statement]);
      } catch {
        this.markLost();
      }
    }
  }

  /** A statement that may have changed settings ran: set them again before the next build. */
  forgetSettings(): void {
    this.known.clear();
    this.ownLockTimeout = null;
  }

  /**
   * lock_timeout 0 for a CONCURRENTLY build, whose waits the run times itself (build-waits.ts):
   * PostgreSQL would count the wait for older transactions against it too. One round trip the first
   * time on a connection (reading the session's own value on the way), none while it stays off.
   */
  async unboundLockWaits(): Promise<void> {
    if (this.lockTimeoutOff) return;
    const { rows } = await this.query<{ own: string }>("select current_setting('lock_timeout') as own, set_config('lock_timeout', '0', false)");
    this.ownLockTimeout ??= rows[0]?.own ?? '0';
    this.lockTimeoutOff = true;
  }

  /** Puts back the session's own lock_timeout before any other statement (nothing to do if it was not changed). */
  async restoreLockTimeout(): Promise<void> {
    if (!this.lockTimeoutOff) return;
    await this.query("select set_config('lock_timeout', $1, false)", [this.ownLockTimeout ?? '0']);
    this.lockTimeoutOff = false;
  }

  /** Ends the connection for good: a connect in progress is waited for and ended too. */
  async close(): Promise<void> {
    this.closed = true;
    // A connection opened ahead that no connect took is this session's to end.
    const ahead = this.first;
    this.first = null;
    if (ahead) await (await ahead)?.end().catch(() => undefined);
    if (this.opening) await this.opening.catch(() => undefined);
    await this.endClient();
  }

  private async endClient(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.pid = null;
    if (client) await client.end().catch(() => undefined);
  }
}

/**
 * The error of a message sent with `prefix` in front of a text, its position counted from the start
 * of the text (the server counts characters, not UTF-16 units); an error inside the prefix has none.
 */
function withPositionAfter(err: unknown, prefix: string): unknown {
  if (prefix === '' || typeof err !== 'object' || err === null) return err;
  const e = err as { position?: unknown };
  if (typeof e.position !== 'string' && typeof e.position !== 'number') return err;
  const position = Number(e.position) - [...prefix].length;
  e.position = position > 0 ? String(position) : undefined;
  return err;
}
