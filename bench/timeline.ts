/**
 * Where a `pgindex run --json` spends its wall time, from its events (schemas/events.schema.json):
 * the time before the first statement (process start, parser, planning, connecting), then per session
 * the statements it ran and the gaps between them, then the time after the last statement. Less
 * noise-sensitive than wall time on a shared machine: idle session time while work remains is the
 * scheduler's to answer for, whatever the load. Pure.
 */

export interface SessionTimeline {
  session: number;
  /** Statements run (attempts). */
  statements: number;
  busyMs: number;
  /** Gaps between the run's begin and the last statement's end of any session, when this one ran nothing. */
  idleMs: number;
  /** The longest such gap. */
  longestGapMs: number;
}

export interface Timeline {
  /** Process start to the `begin` event: node, modules, parser, planning session, sessions, baseline. */
  setupMs: number;
  /** `begin` to the first statement's start. */
  firstStartMs: number;
  /** `begin` to the last statement's end. */
  runMs: number;
  /** The last statement's end to the process's exit: sweep, sizes, summary, disconnect. */
  endMs: number;
  sessions: SessionTimeline[];
  /** Σ idle ÷ (sessions × runMs): the share of session time spent waiting. */
  idleShare: number;
}

interface Event {
  time: string;
  type: string;
  stepId?: string;
  session?: number;
}

/**
 * The timeline of one run: `output` its NDJSON events (other lines ignored), `spawnedAt` and `exitedAt`
 * the process's start and end (epoch ms). Millisecond resolution: the events' own.
 */
export function timelineOf(output: string, spawnedAt: number, exitedAt: number): Timeline {
  const events: Event[] = output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Event);
  const at = (e: Event) => Date.parse(e.time);
  const begin = events.find((e) => e.type === 'begin');
  if (!begin) throw new Error('no begin event in the output of pgindex run --json');
  const beginAt = at(begin);
  // Each attempt: its session, start and end (the next done/failed/retry/cancelled of its step).
  const open = new Map<string, { session: number; start: number }>();
  const spans: { session: number; start: number; end: number }[] = [];
  for (const e of events) {
    if (e.type === 'start' && e.stepId !== undefined && e.session !== undefined) open.set(e.stepId, { session: e.session, start: at(e) });
    else if (e.stepId !== undefined && ['done', 'failed', 'retry', 'cancelled'].includes(e.type)) {
      const o = open.get(e.stepId);
      if (o) spans.push({ ...o, end: at(e) });
      open.delete(e.stepId);
    }
  }
  const firstStart = Math.min(...spans.map((s) => s.start));
  const lastEnd = Math.max(...spans.map((s) => s.end));
  const ids = [...new Set(spans.map((s) => s.session))].sort((a, b) => a - b);
  const sessions = ids.map((session) => {
    const own = spans.filter((s) => s.session === session).sort((a, b) => a.start - b.start);
    let cursor = beginAt;
    let idleMs = 0;
    let longestGapMs = 0;
    for (const s of own) {
      const gap = Math.max(0, s.start - cursor);
      idleMs += gap;
      longestGapMs = Math.max(longestGapMs, gap);
      cursor = Math.max(cursor, s.end);
    }
    const tail = Math.max(0, lastEnd - cursor);
    idleMs += tail;
    longestGapMs = Math.max(longestGapMs, tail);
    return { session, statements: own.length, busyMs: own.reduce((sum, s) => sum + s.end - s.start, 0), idleMs, longestGapMs };
  });
  const runMs = lastEnd - beginAt;
  const idle = sessions.reduce((sum, s) => sum + s.idleMs, 0);
  return {
    setupMs: beginAt - spawnedAt,
    firstStartMs: firstStart - beginAt,
    runMs,
    endMs: exitedAt - lastEnd,
    sessions,
    idleShare: runMs > 0 && sessions.length > 0 ? idle / (sessions.length * runMs) : 0,
  };
}

/** One line per part of the run, for the bench's log. */
export function renderTimeline(t: Timeline): string[] {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  return [
    `setup ${s(t.setupMs)} (spawn → begin), first statement +${s(t.firstStartMs)}, statements ${s(t.runMs)}, end ${s(t.endMs)}`,
    ...t.sessions.map((x) => `session ${x.session}: ${x.statements} statements, busy ${s(x.busyMs)}, idle ${s(x.idleMs)} (longest gap ${s(x.longestGapMs)})`),
    `idle share of session time: ${(t.idleShare * 100).toFixed(1)}%`,
  ];
}
