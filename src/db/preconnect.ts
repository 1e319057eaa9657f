/**
 * A run's connections opened ahead of it: `pgindex run` opens its sessions and control connection
 * while it reads, parses and plans the file, so that the run's first statement does not wait for
 * their authentication rounds (a backend forked, a SCRAM exchange: each its own round trips). A
 * connection opened here sends nothing: the session that takes it runs its setup (session-setup.ts)
 * once the plan is known, and whatever is not taken is closed.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { connect } from './connection.js';

/** A run's id: part of its sessions' application_name, so that pg_stat_activity tells runs apart. */
export function newRunId(): string {
  return randomBytes(4).toString('hex');
}

/** The application_name of a run's session `n` (from 1) or of its control connection. */
export function applicationName(runId: string, n: number | 'control'): string {
  return `pgindex/${runId}/${n}`;
}

interface Opened {
  client: pg.Client;
  /** Whether the server closed it (or it failed) since it opened. */
  lost: () => boolean;
  /** Removes this module's listeners: the session that takes it puts its own. */
  detach: () => void;
}

export class Preconnected {
  private readonly opening = new Map<number | 'control', Promise<Opened | null>>();

  /**
   * Opens the control connection and sessions 1…`sessions` of run `runId`, with their
   * application_names, once `after` has resolved: the connection the caller needs first (the
   * planner's) does not share the server's and this process's CPU with them while it authenticates.
   * If `after` rejects, none is opened (the run will not start).
   */
  constructor(
    readonly runId: string,
    config: pg.ClientConfig,
    sessions: number,
    after: Promise<unknown> = Promise.resolve(),
  ) {
    const start = after.then(
      () => true,
      () => false,
    );
    for (const n of ['control', ...Array.from({ length: sessions }, (_, i) => i + 1)] as const) {
      this.opening.set(
        n,
        start.then((go) => (go ? open({ ...config, application_name: applicationName(runId, n) }) : null)),
      );
    }
  }

  /**
   * The connection opened for `n`, now the caller's; null when none was opened for it, or it failed
   * or was closed meanwhile (the caller then connects as it would have: the same error, if any, is
   * the caller's to meet).
   */
  async take(n: number | 'control'): Promise<pg.Client | null> {
    const opening = this.opening.get(n);
    this.opening.delete(n);
    const opened = await opening;
    if (!opened) return null;
    opened.detach();
    if (!opened.lost()) return opened.client;
    await opened.client.end().catch(() => undefined);
    return null;
  }

  /** Closes every connection not taken. */
  async close(): Promise<void> {
    const left = [...this.opening.values()];
    this.opening.clear();
    await Promise.all(left.map(async (c) => (await c)?.client.end().catch(() => undefined)));
  }
}

/** A connection, or null if it could not be opened. */
async function open(config: pg.ClientConfig): Promise<Opened | null> {
  let client: pg.Client;
  try {
    client = await connect(config);
  } catch {
    return null;
  }
  let lost = false;
  const markLost = () => {
    lost = true;
  };
  // Without a listener, an error on an idle client (the server shutting down) would end the process.
  client.on('error', markLost);
  client.on('end', markLost);
  return {
    client,
    lost: () => lost,
    detach: () => {
      client.off('error', markLost);
      client.off('end', markLost);
    },
  };
}
