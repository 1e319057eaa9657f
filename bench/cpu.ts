/**
 * How much of the machine other programs took during a run. On a shared machine the timings mean
 * little without it. Linux only (/proc); elsewhere the share is unknown.
 *
 * Other programs' CPU time is summed process by process: every process except this one, the
 * PostgreSQL postmaster and its children, from a scan at the start, scans every 250 ms, and one at
 * the end. (Subtracting our own time from the machine's busy time does not work: the CPU time of a
 * session that has just ended is, for a while, found neither in its own entry nor in the
 * postmaster's cutime.) A process that starts and ends between two scans is missed, so the share is
 * a lower bound.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';

const SCAN_MS = 250;

function machineTotal(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  return user + nice + system + idle + iowait + irq + softirq + steal;
}

/** utime + stime and the parent pid, from the text of /proc/PID/stat. */
function parseStat(text: string): { ticks: number; ppid: number } {
  // The command name may contain spaces and parentheses: fields are counted after the last ')'.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(f[1] ?? 0), ticks: Number(f[11] ?? 0) + Number(f[12] ?? 0) };
}

function statSync(pid: number | 'self'): { ticks: number; ppid: number } | null {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
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

type Ticks = Map<number, number>;

export class CpuMeter {
  private constructor(private readonly postmaster: number) {}

  /** Finds the postmaster as the parent of one of its sessions; null when /proc is not there. */
  static forBackend(backendPid: number): CpuMeter | null {
    const s = statSync(backendPid);
    if (!s) return null;
    try {
      machineTotal();
    } catch {
      return null;
    }
    return new CpuMeter(s.ppid);
  }

  private isOurs(pid: number, ppid: number): boolean {
    return pid === process.pid || pid === this.postmaster || ppid === this.postmaster || ppid === process.pid;
  }

  private scanSync(into: Ticks): void {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      const s = statSync(pid);
      if (s && !this.isOurs(pid, s.ppid)) into.set(pid, s.ticks);
    }
  }

  /** The same scan without blocking the event loop, which pgindex's own dispatching shares. */
  private async scan(into: Ticks): Promise<void> {
    const entries = (await readdir('/proc')).filter((e) => /^\d+$/.test(e));
    await Promise.all(
      entries.map(async (entry) => {
        const pid = Number(entry);
        try {
          const s = parseStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
          if (!this.isOurs(pid, s.ppid)) into.set(pid, s.ticks);
        } catch {
          // gone meanwhile
        }
      }),
    );
  }

  /** Starts a measurement; the returned function gives the share of all CPU time others used. */
  start(): () => Promise<number> {
    const first: Ticks = new Map();
    const last: Ticks = new Map();
    const total0 = machineTotal();
    this.scanSync(first);
    let scanning: Promise<void> = Promise.resolve();
    const timer = setInterval(() => {
      scanning = scanning.then(() => this.scan(last)).catch(() => undefined);
    }, SCAN_MS);
    return async () => {
      clearInterval(timer);
      await scanning;
      this.scanSync(last);
      const total = machineTotal() - total0;
      let foreign = 0;
      // A process not there at the start was born during the run: all its time is in the window.
      for (const [pid, ticks] of last) foreign += Math.max(0, ticks - (first.get(pid) ?? 0));
      return total > 0 ? Math.min(1, foreign / total) : 0;
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
      share = await stop();
      if (share < threshold) break;
    }
    return { waitedMs: performance.now() - start, share };
  }
}
