/**
 * How much of the machine other programs took during a run. On a shared machine the timings mean
 * little without it: the lower bound assumes every core is ours. Linux only (/proc); elsewhere the
 * share is unknown (null).
 *
 * Ours = this process, plus the PostgreSQL server: the postmaster with its reaped children (cutime,
 * cstime: sessions and parallel workers that have ended) and its live children.
 */
import { readdirSync, readFileSync } from 'node:fs';

interface Ticks {
  busy: number;
  total: number;
  ours: number;
}

function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** utime, stime, cutime, cstime and the parent pid of a process, or null once it is gone. */
function procStat(pid: number | 'self'): { ticks: number; ppid: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses: fields are counted after the last ')'.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const n = (i: number) => Number(f[i] ?? 0);
    return { ppid: n(1), ticks: n(11) + n(12) + n(13) + n(14) };
  } catch {
    return null;
  }
}

/** CPU time a process has run so far, in ns (/proc/PID/schedstat), or null where unavailable. */
export function processCpuNs(pid: number): number | null {
  try {
    const ns = Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ', 1)[0]);
    return Number.isFinite(ns) ? ns : null;
  } catch {
    return null;
  }
}

export class CpuMeter {
  private constructor(private readonly postmaster: number) {}

  /** Finds the postmaster as the parent of one of its sessions; null when /proc is not there. */
  static forBackend(backendPid: number): CpuMeter | null {
    const s = procStat(backendPid);
    if (!s) return null;
    try {
      machineTicks();
    } catch {
      return null;
    }
    return new CpuMeter(s.ppid);
  }

  private sample(): Ticks {
    let ours = (procStat('self')?.ticks ?? 0) + (procStat(this.postmaster)?.ticks ?? 0);
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const s = procStat(Number(entry));
      // Only utime + stime of live children: their own children are counted when they are reaped.
      if (s && s.ppid === this.postmaster) ours += s.ticks;
    }
    return { ...machineTicks(), ours };
  }

  /** Starts a measurement; the returned function gives the share of all CPU time others used. */
  start(): () => number {
    const a = this.sample();
    return () => {
      const b = this.sample();
      const total = b.total - a.total;
      if (total <= 0) return 0;
      const foreign = b.busy - a.busy - (b.ours - a.ours);
      return Math.min(1, Math.max(0, foreign / total));
    };
  }

  /**
   * Waits, up to maxMs, for a second in which other programs use less than `threshold` of the CPU;
   * returns how long it waited and the share seen last.
   */
  async waitForIdle(maxMs: number, threshold: number): Promise<{ waitedMs: number; share: number }> {
    const start = performance.now();
    let share = 1;
    while (performance.now() - start < maxMs) {
      const stop = this.start();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      share = stop();
      if (share < threshold) break;
    }
    return { waitedMs: performance.now() - start, share };
  }
}
